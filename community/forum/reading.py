"""Reading state: how far each member has read each thread, what is new or unread for them,
and "Alles gelesen" per board.

The rules (as Discourse users expect them):
- a member's mark in a thread is the highest post id they have had on screen;
- a post is unread when it comes after that mark, was written by someone else, is visible to
  everyone (not hidden, deleted or held) and is newer than the member's cut-off;
- the cut-off is when the member joined, or their last "Alles gelesen" in that board, and
  never more than NEW_WITHIN (14 days) ago;
- a thread the member never opened is "neu" when it was started after the cut-off; an older
  thread they never opened shows no count (as in Discourse's "new" and "unread" lists),
  unless they marked its board read: from then on every thread of the board counts what
  comes after the mark (as "mark forum read" does in classic forums).
Anonymous visitors have no reading state. Counts are computed for a whole list in one query,
and a thread in a board the viewer cannot see is never counted (the callers' lists are
already filtered, and the per-board count applies the same thread filter).
"""

from __future__ import annotations

import threading
from bisect import bisect_left
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Engine,
    Executable,
    ScalarSelect,
    Select,
    and_,
    bindparam,
    delete,
    false,
    func,
    literal,
    or_,
    select,
    update,
)
from sqlmodel import Session, col

from community.accounts.viewer import Viewer
from community.clock import utcnow
from community.db import dialect_insert, read_values
from community.forum import permissions as perms
from community.forum.models import Category, CategoryRead, Post, Thread, ThreadRead
from community.privacy.erasure import Erasure, erasure_step
from community.privacy.sections import export_section

POSTS_PER_PAGE = 50
# Nothing older than this is new or unread (Discourse keeps topics "new" for two days by
# default): it bounds the work of the counts by recent activity, not by the forum's age.
NEW_WITHIN = timedelta(days=14)


@dataclass(frozen=True)
class Unread:
    """What a thread list shows the member beside one thread."""

    new: bool  # never opened and started after the cut-off: the "neu" mark
    count: int  # unread posts (for a new thread: all of them)
    first_post_id: int | None  # where the list's link jumps to


def _since(joined: datetime) -> datetime:
    """The earliest moment anything can be unread for a member who joined then."""
    return max(joined, utcnow() - NEW_WITHIN)


def _cutoff(joined: datetime) -> ColumnElement[Any]:
    marked = col(CategoryRead.marked_at)
    return func.coalesce(marked, literal(joined, type_=CategoryRead.__table__.c.marked_at.type))  # type: ignore[attr-defined]


def _unread_posts_on(user_id: int, joined: datetime) -> ColumnElement[bool]:
    """The join condition of a thread's unread posts (ThreadRead and CategoryRead outer-joined)."""
    tracked = or_(
        col(ThreadRead.thread_id).is_not(None),
        col(CategoryRead.marked_at).is_not(None),
        col(Thread.created_at) > _cutoff(joined),
        col(Thread.author_id) == user_id,
    )
    return and_(
        col(Post.thread_id) == col(Thread.id),
        col(Post.id) > func.coalesce(col(ThreadRead.last_read_post_id), 0),
        col(Post.created_at) > _cutoff(joined),
        col(Post.author_id) != user_id,
        col(Post.is_hidden) == false(),
        col(Post.is_deleted) == false(),
        col(Post.is_pending) == false(),
        tracked,
    )


def _with_marks(query: Any, user_id: int) -> Any:
    return query.outerjoin(
        ThreadRead,
        and_(col(ThreadRead.thread_id) == col(Thread.id), col(ThreadRead.user_id) == user_id),
    ).outerjoin(
        CategoryRead,
        and_(
            col(CategoryRead.category_id) == col(Thread.category_id),
            col(CategoryRead.user_id) == user_id,
        ),
    )


def unread_for_threads(
    session: Session, viewer: Viewer, threads: Iterable[Thread]
) -> dict[int, Unread]:
    """Per thread of a list the viewer already sees: new mark, unread count, first unread post.
    One query for the whole list; empty for anonymous visitors."""
    user = viewer.user
    ids = [t.id for t in threads if t.id is not None]
    if user is None or user.id is None or not ids:
        return {}
    query = select(
        col(Thread.id),
        col(Thread.created_at),
        col(Thread.author_id),
        col(ThreadRead.thread_id),
        col(CategoryRead.marked_at),
        func.count(col(Post.id)),
        func.min(col(Post.id)),
    ).select_from(Thread)
    query = _with_marks(query, user.id).outerjoin(
        Post, _unread_posts_on(user.id, _since(user.created_at))
    )
    query = query.where(col(Thread.id).in_(ids)).group_by(
        col(Thread.id),
        col(Thread.created_at),
        col(Thread.author_id),
        col(ThreadRead.thread_id),
        col(CategoryRead.marked_at),
    )
    out: dict[int, Unread] = {}
    since = _since(user.created_at)
    for tid, created, author, read, marked, count, first in session.execute(query).all():
        cutoff = max(since, marked) if marked is not None else since
        new = read is None and author != user.id and created > cutoff
        if new or count:
            out[tid] = Unread(new=new, count=int(count), first_post_id=first)
    return out


def unread_threads_by_category(
    session: Session, viewer: Viewer, category_ids: Iterable[int]
) -> dict[int, int]:
    """How many threads with unread posts each board has for the viewer, in one query; only
    threads the viewer may see count. EXISTS stops at a thread's first unread post."""
    user = viewer.user
    ids = list(category_ids)
    if user is None or user.id is None or not ids:
        return {}
    unread = select(col(Post.id)).where(_unread_posts_on(user.id, _since(user.created_at))).exists()
    query = _with_marks(
        select(col(Thread.category_id), func.count(col(Thread.id))).select_from(Thread), user.id
    )
    query = query.where(
        col(Thread.category_id).in_(ids),
        perms.visible_threads_filter(viewer),
        # The plain bound lets the activity index skip every quiet thread.
        col(Thread.last_post_at) > _since(user.created_at),
        col(Thread.last_post_at) > _cutoff(_since(user.created_at)),
        unread,
    ).group_by(col(Thread.category_id))
    return {int(c): int(n) for c, n in session.execute(query).all()}


# The thread page's reads, built once per process (and kind of viewer): building and
# running them through the ORM cost more than the database's answers.
_READ_MARK = select(col(ThreadRead.last_read_post_id)).where(
    col(ThreadRead.user_id) == bindparam("viewer_id"),
    col(ThreadRead.thread_id) == bindparam("thread_id"),
)


@cache
def _visible_count_statement(kind: perms.ViewerKind) -> Select[int]:
    return select(func.count(col(Post.id))).where(
        col(Post.thread_id) == bindparam("thread_id"), perms.prepared_posts_filter(kind)
    )


def mark_and_first_unread(kind: perms.ViewerKind) -> tuple[ScalarSelect[Any], ScalarSelect[Any]]:
    """thread_position's read mark and first unread post as columns of a statement (the
    parameters `viewer_id` and `thread_id`), for a caller that reads more in the same one."""
    mark = _READ_MARK.scalar_subquery()
    first_unread = select(func.min(col(Post.id))).where(
        col(Post.thread_id) == bindparam("thread_id"),
        col(Post.id) > mark,  # no mark: NULL, no first unread
        col(Post.author_id) != bindparam("viewer_id"),
        perms.prepared_posts_filter(kind),
    )
    return mark, first_unread.scalar_subquery()


@cache
def _position_statement(kind: perms.ViewerKind) -> Executable:
    visible = _visible_count_statement(kind).scalar_subquery()
    return select(*mark_and_first_unread(kind), visible)


def public_post_ids(session: Session, thread: Thread) -> list[int]:
    """The ids of the thread's posts everyone sees (not deleted, not held), oldest first:
    its pages as a visitor, or a member who has no waiting post in it, counts them."""
    params = {"thread_id": thread.id}
    return [int(i) for i in read_values(session, _PUBLIC_POST_IDS, params).scalars()]


_PUBLIC_POST_IDS = (
    select(col(Post.id))
    .where(
        col(Post.thread_id) == bindparam("thread_id"),
        perms.prepared_posts_filter(perms.ViewerKind(False, False, False)),
    )
    .order_by(col(Post.id))
)


def page_of(post_ids: list[int], post_id: int) -> int:
    """page_holding over the ids a viewer sees in the thread, oldest first."""
    return bisect_left(post_ids, post_id) // POSTS_PER_PAGE + 1


def start_after(post_ids: list[int], page: int) -> int | None:
    """page_start_after over the ids a viewer sees in the thread, oldest first."""
    if page <= 1:
        return None
    index = (page - 1) * POSTS_PER_PAGE - 1
    return post_ids[index] if index < len(post_ids) else None


def thread_position(
    session: Session, viewer: Viewer, thread: Thread
) -> tuple[int | None, int | None, int]:
    """The viewer's read mark (the id of the last post they read in the thread; None if
    never opened), the first unread post (where the thread opens for a member who read it
    before: the first post after their mark that someone else wrote and they can see) and
    the number of posts they see in the thread, for a member in one statement."""
    if viewer.user_id is None:
        return None, None, visible_post_count(session, viewer, thread)
    kind, params = perms.viewer_kind(viewer)
    params["thread_id"] = thread.id
    mark, first_unread, visible = read_values(session, _position_statement(kind), params).one()
    return mark, first_unread, int(visible)


def mark_read(
    session: Session, viewer: Viewer, thread: Thread, up_to_post_id: int, known: int | None
) -> None:
    """Called with the highest post id a page showed and the mark read for that page: writes
    nothing when nothing changed, else one upsert that never moves a mark backwards (two
    tabs may race)."""
    if viewer.user_id is None or (known is not None and up_to_post_id <= known):
        return
    assert thread.id is not None
    values = {
        "user_id": viewer.user_id,
        "thread_id": thread.id,
        "last_read_post_id": up_to_post_id,
        "read_at": utcnow(),
    }
    table = ThreadRead.__table__  # type: ignore[attr-defined]
    insert = dialect_insert(session)(table).values(**values)
    stmt = insert.on_conflict_do_update(
        index_elements=["user_id", "thread_id"],
        set_={"last_read_post_id": up_to_post_id, "read_at": values["read_at"]},
        where=table.c.last_read_post_id < up_to_post_id,
    )
    session.execute(stmt)


def mark_category_read(session: Session, viewer: Viewer, category: Category) -> None:
    """ "Alles gelesen": nothing in the board written until now is new or unread any more."""
    perms.require_member(viewer)
    assert viewer.user_id is not None and category.id is not None
    row = session.get(CategoryRead, (viewer.user_id, category.id))
    if row is None:
        session.add(CategoryRead(user_id=viewer.user_id, category_id=category.id))
    else:
        row.marked_at = utcnow()
        session.add(row)
    session.flush()


# ---- pages of a thread --------------------------------------------------------------------


def visible_post_count(session: Session, viewer: Viewer, thread: Thread) -> int:
    kind, params = perms.viewer_kind(viewer)
    params["thread_id"] = thread.id
    return int(read_values(session, _visible_count_statement(kind), params).scalar_one())


def page_holding(session: Session, viewer: Viewer, thread: Thread, post_id: int) -> int:
    """The 1-based page of the thread on which this post is shown."""
    before = session.execute(
        select(func.count(col(Post.id))).where(
            col(Post.thread_id) == thread.id,
            col(Post.id) < post_id,
            perms.visible_posts_filter(viewer),
        )
    ).scalar_one()
    return int(before) // POSTS_PER_PAGE + 1


def page_start_after(session: Session, viewer: Viewer, thread: Thread, page: int) -> int | None:
    """The id of the last post before the page (the keyset cursor of list_posts); None for
    the first page."""
    if page <= 1:
        return None
    return session.execute(
        select(col(Post.id))
        .where(col(Post.thread_id) == thread.id, perms.visible_posts_filter(viewer))
        .order_by(col(Post.id))
        .offset((page - 1) * POSTS_PER_PAGE - 1)
        .limit(1)
    ).scalar_one_or_none()


# Crawlers name themselves in the User-Agent; their visits are not views.
CRAWLER_WORDS = ("bot", "crawl", "spider", "slurp", "preview", "fetch", "monitor", "curl", "wget")


def is_crawler(user_agent: str) -> bool:
    """Whether a visit counts as no view: no User-Agent, or one that names a crawler."""
    agent = user_agent.lower()
    return not agent or any(word in agent for word in CRAWLER_WORDS)


class ViewCounter:
    """Thread views of one app process, added up in memory and written every few seconds in
    one UPDATE per thread (`flush`, run by the app's lifespan and at shutdown). An UPDATE per
    page view made every anonymous read a write: under load the readers of one thread
    queued for its row (PostgreSQL) or for the database lock (SQLite)."""

    def __init__(self) -> None:
        self._pending: Counter[int] = Counter()
        self._lock = threading.Lock()

    def add(self, thread_id: int) -> None:
        with self._lock:
            self._pending[thread_id] += 1

    def flush(self, engine: Engine) -> int:
        """Write the views counted since the last flush; returns how many threads got some.
        On failure the counts go back, to be written with the next flush."""
        with self._lock:
            pending, self._pending = self._pending, Counter()
        if not pending:
            return 0
        try:
            with Session(engine) as session:
                for thread_id, views in sorted(pending.items()):
                    session.execute(
                        update(Thread)
                        .where(col(Thread.id) == thread_id)
                        .values(view_count=col(Thread.view_count) + views)
                        .execution_options(synchronize_session=False)
                    )
                session.commit()
        except Exception:
            with self._lock:
                self._pending.update(pending)
            raise
        return len(pending)


@erasure_step
def _erase_reading_state(session: Session, erasure: Erasure) -> None:
    """What a member read, and when, is theirs: gone with the account."""
    uid = erasure.user.id
    session.execute(delete(ThreadRead).where(col(ThreadRead.user_id) == uid))
    session.execute(delete(CategoryRead).where(col(CategoryRead.user_id) == uid))


@export_section("reading")
def _export_reading_state(session: Session, user: Any) -> dict[str, Any]:
    """The member's own reading marks; thread ids only (titles are in the posts section or
    public)."""
    threads = session.execute(
        select(ThreadRead)
        .where(col(ThreadRead.user_id) == user.id)
        .order_by(col(ThreadRead.thread_id))
    ).scalars()
    boards = session.execute(
        select(CategoryRead).where(col(CategoryRead.user_id) == user.id)
    ).scalars()
    return {
        "threads": [
            {
                "thread_id": r.thread_id,
                "last_read_post_id": r.last_read_post_id,
                "read_at": r.read_at.isoformat(),
            }
            for r in threads
        ],
        "boards_marked_read": [
            {"category_id": b.category_id, "marked_at": b.marked_at.isoformat()} for b in boards
        ],
    }
