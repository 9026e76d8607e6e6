"""Kept counters of threads and boards (replies, last post, threads and posts per board)
and of each member's posts per board, recomputed from the posts."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import Select, case, delete, false, func, or_, select, update
from sqlmodel import Session, col

from community.db import dialect_insert
from community.forum.models import AuthorBoardPosts, Category, Post, Thread


def recompute_thread(session: Session, thread: Thread) -> None:
    live = (
        select(Post)
        .where(Post.thread_id == thread.id, Post.is_deleted == false())  # type: ignore[arg-type]
        .order_by(Post.id.desc())  # type: ignore[union-attr]
    )
    posts = list(session.execute(live).scalars())
    thread.reply_count = sum(1 for p in posts if not p.is_opening and not p.is_hidden)
    last = next((p for p in posts if not p.is_hidden), None)
    if last is not None:
        thread.last_post_at = last.created_at
        thread.last_post_id = last.id
        thread.last_poster_id = last.author_id
    session.add(thread)
    session.flush()


def recompute_category(session: Session, category_id: int) -> None:
    live_threads = select(col(Thread.id)).where(
        Thread.category_id == category_id,  # type: ignore[arg-type]
        Thread.is_deleted == false(),  # type: ignore[arg-type]
        Thread.is_hidden == false(),  # type: ignore[arg-type]
    )
    thread_count = session.execute(
        select(func.count()).select_from(live_threads.subquery())
    ).scalar_one()
    post_count = session.execute(
        select(func.count(Post.id)).where(  # type: ignore[arg-type]
            Post.thread_id.in_(live_threads),  # type: ignore[attr-defined]
            Post.is_deleted == false(),  # type: ignore[arg-type]
            Post.is_hidden == false(),  # type: ignore[arg-type]
        )
    ).scalar_one()
    newest = session.execute(
        live_threads.order_by(Thread.created_at.desc(), Thread.id.desc()).limit(1)  # type: ignore[attr-defined,union-attr]
    ).scalar_one_or_none()
    session.execute(
        update(Category)
        .where(Category.id == category_id)  # type: ignore[arg-type]
        .values(thread_count=thread_count, post_count=post_count, last_thread_id=newest)
    )


def recompute_counters(session: Session) -> int:
    """Rebuild every kept counter from the posts; returns how many threads were looked at."""
    threads = list(session.execute(select(Thread)).scalars())
    for thread in threads:
        recompute_thread(session, thread)
    for category_id in session.execute(select(col(Category.id))).scalars():
        recompute_category(session, category_id)
    rebuild_post_counts(session)
    session.flush()
    return len(threads)


# ---- posts per member and board (AuthorBoardPosts) -----------------------------------------
#
# A post counts while it is neither deleted nor held; `live_posts` also needs its thread
# neither deleted nor hidden. A new post adds itself; anything else that changes whether
# posts count (hiding, removing, restoring, approving or rejecting a post or a whole thread,
# moving a thread, an article's thread going offline) recounts the authors concerned in
# the boards concerned, so no path has to know how the change moves the figures.


def _upsert(
    session: Session, rows: Select[int, int, int, Any] | list[dict[str, int]], *, add: bool
) -> None:
    insert = dialect_insert(session)
    names = ["user_id", "category_id", "posts", "live_posts"]
    base = insert(AuthorBoardPosts)
    statement = base.from_select(names, rows) if isinstance(rows, Select) else base.values(rows)
    table = AuthorBoardPosts.__table__  # type: ignore[attr-defined]
    values = {
        name: (table.c[name] + statement.excluded[name]) if add else statement.excluded[name]
        for name in ("posts", "live_posts")
    }
    session.execute(
        statement.on_conflict_do_update(index_elements=["user_id", "category_id"], set_=values)
    )


def count_new_post(session: Session, thread: Thread, author_id: int) -> None:
    """A post published at once (not held): one more for its author in the thread's board."""
    live = 0 if thread.is_deleted or thread.is_hidden else 1
    row = {"user_id": author_id, "category_id": thread.category_id, "posts": 1, "live_posts": live}
    _upsert(session, [row], add=True)


def _counted(
    user_ids: Iterable[int] | None, category_ids: Iterable[int] | None
) -> Select[int, int, int, Any]:
    live = case((or_(col(Thread.is_deleted), col(Thread.is_hidden)), 0), else_=1)
    query = (
        select(col(Post.author_id), col(Thread.category_id), func.count(), func.sum(live))
        .join(Thread, col(Thread.id) == col(Post.thread_id))
        .where(col(Post.is_deleted) == false(), col(Post.is_pending) == false())
        .group_by(col(Post.author_id), col(Thread.category_id))
    )
    if user_ids is not None:
        query = query.where(col(Post.author_id).in_(list(user_ids)))
    if category_ids is not None:
        query = query.where(col(Thread.category_id).in_(list(category_ids)))
    return query


def recount_posts(
    session: Session,
    thread: Thread,
    *,
    user_ids: Iterable[int] | None = None,
    also_category_ids: Iterable[int] = (),
) -> None:
    """Recount the members who wrote in this thread (or just these members) in its board
    (and these, e.g. the board it left), once the change is flushed."""
    session.flush()
    boards = {thread.category_id, *also_category_ids}
    authors = (
        set(user_ids)
        if user_ids is not None
        else set(
            session.execute(
                select(col(Post.author_id)).where(col(Post.thread_id) == thread.id).distinct()
            ).scalars()
        )
    )
    if not authors:
        return
    session.execute(
        delete(AuthorBoardPosts).where(
            col(AuthorBoardPosts.user_id).in_(authors),
            col(AuthorBoardPosts.category_id).in_(boards),
        )
    )
    _upsert(session, _counted(authors, boards), add=False)


def rebuild_post_counts(session: Session) -> None:
    """Every member's posts per board from the posts (`recompute-counters`, a bulk seed)."""
    session.flush()
    session.execute(delete(AuthorBoardPosts))
    _upsert(session, _counted(None, None), add=False)
