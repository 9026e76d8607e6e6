"""Kept counters of threads and boards (replies, last post, threads and posts per board),
recomputed from the posts."""

from __future__ import annotations

from sqlalchemy import false, func, select, update
from sqlmodel import Session, col

from community.forum.models import Category, Post, Thread


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
    session.flush()
    return len(threads)
