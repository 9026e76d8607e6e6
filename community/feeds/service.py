"""What a feed lists, for whom, and the personal feed tokens of closed boards' members.

A feed reader has no session: without a token it reads as an anonymous visitor, so a closed
board's feed is a 404 like its page. With a member's token it reads as that member *at the
time of the request* (their groups now, their account now): a member who left the group, or
whose account was banned or erased, gets nothing more through an old token. Feeds list only
published content, whoever reads them: no hidden, deleted or held thread or post, not even
for a moderator's token, since a feed is copied into readers and cannot be taken back."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import ColumnElement, and_, delete, false, select
from sqlmodel import Session, col

from community.accounts.models import User
from community.accounts.security import new_token, token_hash
from community.accounts.viewer import Viewer, viewer_for
from community.clock import utcnow
from community.errors import NotFound
from community.feeds.models import FeedToken
from community.forum import boards as forum_boards
from community.forum import permissions as perms
from community.forum.markdown import plain_text
from community.forum.models import Category, Post, Thread

LIMIT = 30
SUMMARY_CHARS = 300
# A feed without entries still needs an <updated>; a fixed one keeps its ETag stable.
EPOCH = datetime(2000, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class FeedEntry:
    thread_id: int
    title: str
    slug: str
    board_slug: str
    author: str  # the nickname, never anything else
    published: datetime
    updated: datetime
    summary: str


# ---- tokens -------------------------------------------------------------------------------


def issue_token(session: Session, viewer: Viewer) -> str:
    """A new token for the member; the old one stops working. Shown once: only its hash
    is kept."""
    perms.require_member(viewer)
    assert viewer.user_id is not None
    token = new_token()
    session.execute(delete(FeedToken).where(col(FeedToken.user_id) == viewer.user_id))
    session.add(FeedToken(user_id=viewer.user_id, token_hash=token_hash(token)))
    session.flush()
    return token


def revoke_token(session: Session, viewer: Viewer) -> None:
    perms.require_member(viewer)
    session.execute(delete(FeedToken).where(col(FeedToken.user_id) == viewer.user_id))


def has_token(session: Session, viewer: Viewer) -> bool:
    if viewer.user_id is None:
        return False
    return session.get(FeedToken, viewer.user_id) is not None


def viewer_for_token(session: Session, token: str) -> Viewer:
    """The member the token belongs to, as they are now; any bad token is a 404, which
    tells a guesser nothing."""
    row = session.execute(
        select(FeedToken).where(col(FeedToken.token_hash) == token_hash(token))
    ).scalar_one_or_none()
    user = session.get(User, row.user_id) if row is not None else None
    if user is None or not user.is_active or user.erased_at is not None:
        raise NotFound("Diesen Feed gibt es nicht.")
    until = user.suspended_until
    if until is not None and until > utcnow():
        raise NotFound("Diesen Feed gibt es nicht.")
    return viewer_for(session, user)


def closed_boards(session: Session, viewer: Viewer) -> list[Category]:
    """The closed boards the member sees: those whose feeds need the token."""
    boards = forum_boards.list_categories(session, viewer)
    groups = forum_boards.category_group_slugs(session, [c.id for c in boards if c.id])
    return [c for c in boards if groups.get(c.id or 0)]


def is_closed(session: Session, category: Category) -> bool:
    assert category.id is not None
    return bool(forum_boards.category_group_slugs(session, [category.id]).get(category.id))


# ---- entries ------------------------------------------------------------------------------


def _published() -> ColumnElement[bool]:
    return and_(
        col(Thread.is_hidden) == false(),
        col(Thread.is_deleted) == false(),
        col(Thread.is_pending) == false(),
    )


def _aware(at: datetime) -> datetime:
    return at if at.tzinfo is not None else at.replace(tzinfo=UTC)


def _entries(
    session: Session, threads: Sequence[Thread], *, solved: bool = False
) -> list[FeedEntry]:
    ids = [t.id for t in threads if t.id is not None]
    openings = {
        p.thread_id: p
        for p in session.execute(
            select(Post).where(col(Post.thread_id).in_(ids), col(Post.is_opening))
        ).scalars()
    }
    authors = {
        u.id: u.nickname
        for u in session.execute(
            select(User).where(col(User.id).in_({t.author_id for t in threads}))
        ).scalars()
    }
    boards = {
        c.id: c.slug
        for c in session.execute(
            select(Category).where(col(Category.id).in_({t.category_id for t in threads}))
        ).scalars()
    }
    out = []
    for t in threads:
        assert t.id is not None
        post = openings.get(t.id)
        summary = ""
        if post is not None and not (post.is_hidden or post.is_deleted or post.is_pending):
            text = plain_text(post.body_html)
            summary = text if len(text) <= SUMMARY_CHARS else text[:SUMMARY_CHARS].rstrip() + " …"
        updated = t.solved_at if solved and t.solved_at is not None else t.last_post_at
        out.append(
            FeedEntry(
                thread_id=t.id,
                title=t.title,
                slug=t.slug,
                board_slug=boards.get(t.category_id, ""),
                author=authors.get(t.author_id, ""),
                published=_aware(t.created_at),
                updated=_aware(updated),
                summary=summary,
            )
        )
    return out


def board_entries(
    session: Session, viewer: Viewer, category: Category, *, solved: bool = False
) -> list[FeedEntry]:
    """A board's newest threads (newest first), or its newest solutions."""
    perms.ensure_category_visible(session, viewer, category)
    query = (
        select(Thread)
        .where(perms.visible_threads_filter(viewer), _published())
        .where(col(Thread.category_id) == category.id)
    )
    if solved:
        query = query.where(col(Thread.solved_at).is_not(None)).order_by(
            col(Thread.solved_at).desc(), col(Thread.id).desc()
        )
    else:
        query = query.order_by(col(Thread.created_at).desc(), col(Thread.id).desc())
    threads = list(session.execute(query.limit(LIMIT)).scalars())
    return _entries(session, threads, solved=solved)


def solved_entries(session: Session, viewer: Viewer) -> list[FeedEntry]:
    """The newest solved questions of every board the viewer sees."""
    query = (
        select(Thread)
        .where(perms.visible_threads_filter(viewer), _published())
        .where(col(Thread.solved_at).is_not(None), col(Thread.solution_post_id).is_not(None))
        .order_by(col(Thread.solved_at).desc(), col(Thread.id).desc())
        .limit(LIMIT)
    )
    return _entries(session, list(session.execute(query).scalars()), solved=True)


def entries_for(session: Session, viewer: Viewer, thread_ids: Sequence[int]) -> list[FeedEntry]:
    """Search hits as entries, in the hits' order; checked against the database again,
    so an index that lags behind a hide or a move cannot put a thread in a feed."""
    if not thread_ids:
        return []
    rows = session.execute(
        select(Thread)
        .where(perms.visible_threads_filter(viewer), _published())
        .where(col(Thread.id).in_(list(thread_ids)))
    ).scalars()
    by_id = {t.id: t for t in rows}
    return _entries(session, [by_id[i] for i in thread_ids if i in by_id])
