"""Forum rules: threads, replies, edits with kept versions, and who sees a post (boards are in
boards.py, the kept counters in counters.py)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from functools import cache
from typing import Any, Generic, TypeVar

from sqlalchemy import Select, Update, and_, bindparam, case, or_, select, update
from sqlmodel import Session, col

from community.accounts.models import User
from community.accounts.validation import strip_invisible
from community.accounts.viewer import Viewer
from community.clock import utcnow
from community.config import get_settings
from community.errors import Forbidden, InvalidInput, NotFound, check_all
from community.events.service import record_event
from community.forum import drafts, premoderation
from community.forum import permissions as perms
from community.forum.boards import get_category
from community.forum.counters import (
    count_new_post,
    recompute_category,
    recompute_thread,
    recount_posts,
)
from community.forum.markdown import render_markdown
from community.forum.models import Category, Post, PostRevision, Thread, ThreadKind
from community.forum.slugs import slugify
from community.ideas import boards as idea_boards
from community.indexing import service as indexing
from community.moderation import antispam
from community.notifications import service as notifications
from community.pagination import decode_cursor, encode_cursor
from community.reputation import service as reputation
from community.text import text_problem

TITLE_MIN = 10
TITLE_MAX = 150
BODY_MAX = 20_000
PAGE_MAX = 100


T = TypeVar("T")


@dataclass
class Page(Generic[T]):
    items: list[T]
    next_cursor: str | None
    # Set when the page was reached by a cursor: where "zurück" goes (list_threads' `before`).
    prev_cursor: str | None = None


def check_title(title: str) -> str:
    title = " ".join(strip_invisible(title).split())
    problem = text_problem(title)
    if problem:
        raise InvalidInput(problem)
    if not TITLE_MIN <= len(title) <= TITLE_MAX:
        raise InvalidInput(
            f"Der Titel muss {TITLE_MIN} bis {TITLE_MAX} Zeichen lang sein.", code="invalid_title"
        )
    return title


def check_body(body: str) -> str:
    problem = text_problem(body)
    if problem:
        raise InvalidInput(problem)
    if not body.strip():
        raise InvalidInput("Der Beitrag ist leer.", code="invalid_body")
    if len(body) > BODY_MAX:
        raise InvalidInput(
            f"Ein Beitrag darf höchstens {BODY_MAX} Zeichen lang sein.", code="invalid_body"
        )
    return body


def thread_url(thread: Thread) -> str:
    return f"{get_settings().public_url.rstrip('/')}/t/{thread.id}/{thread.slug}"


def users_by_id(session: Session, ids: Iterable[int | None]) -> dict[int, User]:
    """One query for all authors of a page, instead of one per row."""
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    rows = session.execute(_USERS_BY_ID, {"ids": list(wanted)}).scalars()
    return {u.id: u for u in rows if u.id is not None}


# Built once per process: every page with authors asks.
_USERS_BY_ID = select(User).where(col(User.id).in_(bindparam("ids", expanding=True)))


# ---- threads --------------------------------------------------------------------------------


def list_threads(
    session: Session,
    viewer: Viewer,
    *,
    category: Category | None = None,
    kind: ThreadKind | None = None,
    solved: str | None = None,
    cursor: str | None = None,
    limit: int = 20,
    sort: str = "latest",
    before: str | None = None,
) -> Page[Thread]:
    """Newest activity first; the cursor carries (last_post_at, id) of the last row seen.
    `solved`: None or "all", "solved", "unsolved". `sort="active"`: most replies first,
    the cursor then carries (reply_count, id). `before` (a page's prev_cursor) gives the
    page before the one starting at that row."""
    limit = max(1, min(limit, PAGE_MAX))
    query = select(Thread).where(perms.visible_threads_filter(viewer))
    query = query.where(reputation.thread_filter_solved(solved))
    if category is not None:
        query = query.where(Thread.category_id == category.id)  # type: ignore[arg-type]
    if kind is not None:
        query = query.where(Thread.kind == kind.value)  # type: ignore[arg-type]
    if sort == "active":
        key: tuple[Any, Any] = (col(Thread.reply_count), col(Thread.id))
        kinds: tuple[type, type] = (int, int)
    else:
        key = (col(Thread.last_post_at), col(Thread.id))
        kinds = (datetime, int)
    return _keyset_page(session, query, key, kinds, cursor, before, limit)


def _keyset_page(
    session: Session,
    query: Select[Any],
    key: tuple[Any, Any],
    kinds: tuple[type, type],
    cursor: str | None,
    before: str | None,
    limit: int,
) -> Page[Thread]:
    """Descending by the two key columns, forwards after `cursor` or backwards before `before`."""
    first, second = key

    def values(row: Thread) -> tuple[Any, Any]:
        return getattr(row, first.key), getattr(row, second.key)

    if before:
        a, b = decode_cursor(before, *kinds)
        query = query.where(or_(first > a, and_(first == a, second > b)))
        rows = list(
            session.execute(query.order_by(first.asc(), second.asc()).limit(limit + 1)).scalars()
        )
        more = len(rows) > limit
        rows = list(reversed(rows[:limit]))
        return Page(
            rows,
            encode_cursor(*values(rows[-1])) if rows else None,
            encode_cursor(*values(rows[0])) if more and rows else None,
        )
    if cursor:
        a, b = decode_cursor(cursor, *kinds)
        query = query.where(or_(first < a, and_(first == a, second < b)))
    rows = list(
        session.execute(query.order_by(first.desc(), second.desc()).limit(limit + 1)).scalars()
    )
    next_cursor = None
    if len(rows) > limit:
        rows = rows[:limit]
        next_cursor = encode_cursor(*values(rows[-1]))
    prev_cursor = encode_cursor(*values(rows[0])) if cursor and rows else None
    return Page(rows, next_cursor, prev_cursor)


def get_thread(session: Session, viewer: Viewer, thread_id: int) -> Thread:
    return perms.ensure_thread_visible(session, viewer, session.get(Thread, thread_id))


def get_thread_and_board(
    session: Session, viewer: Viewer, thread_id: int
) -> tuple[Thread, Category | None, bool]:
    """The thread, its board and whether the board is closed (open only to its groups), for
    a page that shows all three: read in two statements, the permission check's too."""
    row = session.execute(_THREAD_AND_BOARD, {"thread_id": thread_id}).one_or_none()
    if row is None:
        raise NotFound("Dieses Thema gibt es nicht.")
    thread, board = row
    groups = perms.category_group_ids(session, board.id) if board is not None else set()
    if not perms.can_see_thread_in(viewer, thread, board, groups):
        raise NotFound("Dieses Thema gibt es nicht.")
    return thread, board, bool(groups)


# Built once per process: every thread page asks.
_THREAD_AND_BOARD = (
    select(Thread, Category)
    .outerjoin(Category, col(Category.id) == col(Thread.category_id))
    .where(col(Thread.id) == bindparam("thread_id"))
)


def _bump_category(category_id: int, *, threads: int = 0, posts: int = 0) -> Update:
    # SQL-side arithmetic: two requests at once never lose a count.
    return (
        update(Category)
        .where(Category.id == category_id)  # type: ignore[arg-type]
        .values(
            thread_count=Category.thread_count + threads,
            post_count=Category.post_count + posts,
        )
    )


def create_thread(
    session: Session,
    viewer: Viewer,
    *,
    category_slug: str,
    kind: ThreadKind,
    title: str,
    body: str,
) -> tuple[Thread, Post]:
    perms.require_verified(viewer)

    def board() -> Category:
        if not category_slug:
            raise InvalidInput("Bitte wählen Sie einen Bereich.", code="board_required")
        chosen = get_category(session, viewer, category_slug)
        perms.check_may_start_thread(session, viewer, chosen)
        return chosen

    # In the order the API has always refused them: the board, the title, the text.
    category, title, body = check_all(
        ("category", board),
        ("title", lambda: check_title(title)),
        ("body", lambda: check_body(body)),
    )
    assert viewer.user is not None and viewer.user.id is not None and category.id is not None
    kind = idea_boards.kind_for_board(category, kind)
    antispam.check_new_thread(session, viewer.user, body)
    held = premoderation.should_hold(session, viewer, category)
    now = utcnow()
    thread = Thread(
        category_id=category.id,
        author_id=viewer.user.id,
        kind=kind.value,
        title=title,
        slug=slugify(title),
        created_at=now,
        last_post_at=now,
        last_poster_id=viewer.user.id,
        is_pending=held,
        is_hidden=held,
    )
    session.add(thread)
    session.flush()
    assert thread.id is not None
    idea_boards.on_thread_created(session, thread)
    post = Post(
        thread_id=thread.id,
        author_id=viewer.user.id,
        is_opening=True,
        body=body,
        body_html=render_markdown(body),
        created_at=now,
        is_pending=held,
        is_hidden=held,
    )
    session.add(post)
    session.flush()
    thread.last_post_id = post.id
    drafts.discard_draft(session, viewer.user.id)
    if held:
        # Waits for a moderator: no counters, events, points or index until approved.
        session.flush()
        return thread, post
    session.execute(_bump_category(category.id, threads=1, posts=1))
    count_new_post(session, thread, viewer.user.id)
    session.execute(
        update(Category).where(Category.id == category.id).values(last_thread_id=thread.id)  # type: ignore[arg-type]
    )
    publish_thread(session, thread, post)
    return thread, post


def publish_thread(session: Session, thread: Thread, post: Post) -> None:
    """What a new thread sets off once it is public: at once, or when a moderator approves
    a held one (the caller has brought the counters up to date)."""
    category = session.get(Category, thread.category_id)
    author = session.get(User, thread.author_id)
    assert category is not None and author is not None
    record_event(
        session,
        "thread.created",
        {
            "thread_id": thread.id,
            "post_id": post.id,
            "category_id": category.id,
            "category_slug": category.slug,
            "kind": thread.kind,
            "title": thread.title,
            "author": author.nickname,
            "url": thread_url(thread),
        },
    )
    reputation.on_thread_created(session, thread)
    notifications.on_thread_created(session, thread, post)
    indexing.thread_changed(session, thread.id)
    session.flush()


def update_thread(
    session: Session, viewer: Viewer, thread_id: int, *, title: str | None = None
) -> Thread:
    thread = get_thread(session, viewer, thread_id)
    opening = opening_post(session, thread)
    perms.check_may_edit_post(session, viewer, thread, opening)
    if title is not None:
        thread.title = check_title(title)
        thread.slug = slugify(thread.title)
    session.add(thread)
    indexing.thread_changed(session, thread.id)
    session.flush()
    return thread


def set_locked(session: Session, viewer: Viewer, thread_id: int, locked: bool) -> Thread:
    thread = get_thread(session, viewer, thread_id)
    perms.require_moderator(viewer)
    thread.is_locked = locked
    session.add(thread)
    indexing.thread_changed(session, thread.id)
    session.flush()
    return thread


def opening_post(session: Session, thread: Thread) -> Post:
    post = session.execute(
        select(Post).where(Post.thread_id == thread.id, Post.is_opening == True)  # type: ignore[arg-type]  # noqa: E712
    ).scalar_one_or_none()
    if post is None:
        raise NotFound("Dieses Thema hat keinen Eröffnungsbeitrag.")
    return post


# ---- posts ---------------------------------------------------------------------------------


def list_posts(
    session: Session, viewer: Viewer, thread: Thread, *, cursor: str | None = None, limit: int = 50
) -> Page[Post]:
    """Oldest first, the opening post included; deleted posts only for moderators."""
    limit = max(1, min(limit, PAGE_MAX))
    kind, params = perms.viewer_kind(viewer)
    params["thread_id"] = thread.id
    if cursor:
        (params["after_id"],) = decode_cursor(cursor, int)
    statement = _posts_statement(kind, bool(cursor), limit + 1)
    rows = list(session.execute(statement, params).scalars())
    next_cursor = None
    if len(rows) > limit:
        rows = rows[:limit]
        next_cursor = encode_cursor(rows[-1].id)
    return Page(rows, next_cursor)


def page_of_posts(
    session: Session, viewer: Viewer, thread: Thread, after: int | None, limit: int
) -> tuple[Page[Post], Post | None, dict[int, User]]:
    """One page of the thread's posts after post `after` (None: from the start), its accepted
    solution (shown above the page) and the authors of both: what a thread page shows."""
    page = list_posts(
        session,
        viewer,
        thread,
        cursor=encode_cursor(after) if after is not None else None,
        limit=limit,
    )
    solution = session.get(Post, thread.solution_post_id) if thread.solution_post_id else None
    shown = page.items + ([solution] if solution is not None else [])
    return page, solution, users_by_id(session, [p.author_id for p in shown])


@cache
def _posts_statement(kind: perms.ViewerKind, after: bool, limit: int) -> Select[Post]:
    """list_posts' query, built once per process and kind of viewer (the thread page)."""
    query = select(Post).where(
        col(Post.thread_id) == bindparam("thread_id"), perms.prepared_posts_filter(kind)
    )
    if after:
        query = query.where(col(Post.id) > bindparam("after_id"))
    return query.order_by(col(Post.id)).limit(limit)


def get_post(session: Session, viewer: Viewer, post_id: int) -> tuple[Post, Thread]:
    post = session.get(Post, post_id)
    if post is None or not perms.can_see_post(viewer, post):
        raise NotFound("Diesen Beitrag gibt es nicht.")
    return post, perms.ensure_post_thread_visible(session, viewer, post)


def create_reply(session: Session, viewer: Viewer, thread_id: int, body: str) -> Post:
    thread = get_thread(session, viewer, thread_id)
    perms.check_may_reply(session, viewer, thread)
    assert viewer.user is not None and viewer.user.id is not None
    body = check_body(body)
    antispam.check_new_reply(session, viewer.user, body)
    category = session.get(Category, thread.category_id)
    assert category is not None
    held = premoderation.should_hold(session, viewer, category)
    now = utcnow()
    post = Post(
        thread_id=thread_id,
        author_id=viewer.user.id,
        body=body,
        body_html=render_markdown(body),
        created_at=now,
        is_pending=held,
        is_hidden=held,
    )
    session.add(post)
    session.flush()
    drafts.discard_draft(session, viewer.user.id, thread_id)
    if held:
        # Waits for a moderator: no counters, events, points or index until approved.
        return post
    # Two replies at once may commit in the other order than their ids: the newest post
    # stays the last one (the row lock makes the second UPDATE see the first's values).
    newer = or_(col(Thread.last_post_id).is_(None), col(Thread.last_post_id) < post.id)
    session.execute(
        update(Thread)
        .where(Thread.id == thread_id)  # type: ignore[arg-type]
        .values(
            reply_count=Thread.reply_count + 1,
            last_post_at=case((newer, now), else_=col(Thread.last_post_at)),
            last_post_id=case((newer, post.id), else_=col(Thread.last_post_id)),
            last_poster_id=case((newer, viewer.user.id), else_=col(Thread.last_poster_id)),
        )
    )
    session.execute(_bump_category(thread.category_id, posts=1))
    count_new_post(session, thread, viewer.user.id)
    publish_reply(session, thread, post)
    session.refresh(thread)
    return post


def publish_reply(session: Session, thread: Thread, post: Post) -> None:
    """What a new reply sets off once it is public: at once, or when a moderator approves
    a held one (the caller has brought the counters up to date)."""
    category = session.get(Category, thread.category_id)
    author = session.get(User, post.author_id)
    record_event(
        session,
        "post.created",
        {
            "post_id": post.id,
            "thread_id": thread.id,
            "category_id": thread.category_id,
            "category_slug": category.slug if category else None,
            "author": author.nickname if author else None,
            "url": f"{thread_url(thread)}#post-{post.id}",
        },
    )
    reputation.on_reply_created(session, post)
    indexing.thread_changed(session, thread.id)
    notifications.on_reply_created(session, thread, post)


def edit_post(session: Session, viewer: Viewer, post_id: int, body: str) -> Post:
    """The earlier text is kept as a revision that moderators can read."""
    post, thread = get_post(session, viewer, post_id)
    perms.check_may_edit_post(session, viewer, thread, post)
    body = check_body(body)
    if body == post.body:
        return post
    assert viewer.user is not None
    antispam.check_edit(viewer.user, body)
    session.add(
        PostRevision(
            post_id=post_id,
            body=post.body,
            written_at=post.edited_at or post.created_at,
            editor_id=viewer.user_id,
        )
    )
    post.body = body
    post.body_html = render_markdown(body)
    post.edited_at = utcnow()
    post.edit_count += 1
    session.add(post)
    indexing.thread_changed(session, thread.id)
    session.flush()
    notifications.on_post_edited(session, thread, post, viewer.user_id)
    return post


def list_revisions(session: Session, viewer: Viewer, post_id: int) -> list[PostRevision]:
    perms.require_moderator(viewer)
    get_post(session, viewer, post_id)
    return list(
        session.execute(
            select(PostRevision)
            .where(PostRevision.post_id == post_id)  # type: ignore[arg-type]
            .order_by(PostRevision.id)  # type: ignore[arg-type]
        ).scalars()
    )


def delete_post(session: Session, viewer: Viewer, post_id: int) -> Post:
    """Soft delete by the author or a moderator; deleting the opening post deletes the thread."""
    post, thread = get_post(session, viewer, post_id)
    perms.require_verified(viewer)
    if post.author_id != viewer.user_id and not viewer.is_moderator:
        raise Forbidden("Sie können nur Ihre eigenen Beiträge löschen.")
    if post.is_deleted:
        return post
    reputation.check_may_remove(viewer, thread, post)
    remove_post(session, viewer, thread, post)
    return post


def remove_post(session: Session, viewer: Viewer, thread: Thread, post: Post) -> None:
    """The soft delete itself, for callers that have decided it may happen (the author,
    the moderation, an account's erasure): kudos, points, counters and the index follow."""
    set_post_visibility(session, viewer, thread, post, Visibility.remove)


class Visibility(StrEnum):
    """The ways a post (with its opening post, the whole thread) is shown or withdrawn."""

    hide = "hide"
    remove = "remove"
    restore = "restore"
    approve = "approve"
    reject = "reject"


# The flags each change sets on the post and, for an opening post, on its thread.
_VISIBILITY_FLAGS: dict[Visibility, dict[str, bool]] = {
    Visibility.hide: {"is_hidden": True},
    Visibility.remove: {"is_deleted": True},
    Visibility.restore: {"is_hidden": False, "is_deleted": False},
    Visibility.approve: {"is_pending": False, "is_hidden": False},
    Visibility.reject: {"is_deleted": True},
}


def set_post_visibility(
    session: Session,
    viewer: Viewer,
    thread: Thread,
    post: Post,
    change: Visibility,
    *,
    hidden_reason: str | None = None,
) -> None:
    """The one place a post is hidden, removed, restored, approved or rejected, and what
    follows: kudos and points (reputation), the counters, the search index, and for an
    approved post everything a direct post sets off. A rejected post was never public, so
    nothing follows it. The caller has checked that the change may happen."""
    flags = _VISIBILITY_FLAGS[change]
    for name, value in flags.items():
        setattr(post, name, value)
    if change is Visibility.hide:
        post.hidden_reason = hidden_reason
    elif change is Visibility.restore:
        post.hidden_reason = None
    session.add(post)
    if post.is_opening:
        for name, value in flags.items():
            setattr(thread, name, value)
        session.add(thread)
    session.flush()
    # A reply changes only its author's count; an opening post takes its thread along.
    recount_posts(session, thread, user_ids=None if post.is_opening else [post.author_id])
    if change is Visibility.reject:
        return
    if change in (Visibility.hide, Visibility.remove):
        reputation.on_post_removed(session, viewer, thread, post)
    elif change is Visibility.restore:
        reputation.on_post_restored(session, thread, post)
    recompute_thread(session, thread)
    recompute_category(session, thread.category_id)
    if change is Visibility.approve:
        if post.is_opening:
            publish_thread(session, thread, post)
        else:
            publish_reply(session, thread, post)
    else:
        indexing.thread_changed(session, thread.id)
