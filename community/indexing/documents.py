"""Thread documents for the search index, built from the database.

Only what a reader of the thread may see goes in: the title, the question (for a blog
article's comment thread, the article's text too) and the accepted answer as plain text,
a bounded share of the replies, counters and the board. No author name at all: a nickname
is not needed to find a thread, and real names never leave."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import UTC, datetime

from sqlalchemy import false, func, select
from sqlmodel import Session, col

from community.blog.models import Article, ArticleStatus
from community.forum.markdown import plain_text
from community.forum.models import Category, CategoryGroup, Post, Thread
from search.documents import PUBLIC, ThreadDocument

REPLIES_CHARS = 4000
QUESTION_CHARS = 8000


def _unix(at: datetime) -> int:
    if at.tzinfo is None:
        at = at.replace(tzinfo=UTC)
    return int(at.timestamp())


def visibility_keys(group_ids: Iterable[int]) -> list[str]:
    keys = sorted({f"group:{g}" for g in group_ids})
    return keys or [PUBLIC]


def is_indexed(thread: Thread) -> bool:
    """Deleted and hidden threads leave the index (their authors still reach them by link)."""
    return not thread.is_deleted and not thread.is_hidden


def indexed_count(session: Session) -> int:
    """How many threads a reindex writes (is_indexed in SQL): the progress bar's total."""
    return int(
        session.execute(
            select(func.count(col(Thread.id))).where(
                col(Thread.is_deleted) == false(), col(Thread.is_hidden) == false()
            )
        ).scalar_one()
    )


def board_visibility(session: Session, category_ids: Iterable[int]) -> dict[int, list[str]]:
    ids = set(category_ids)
    groups: dict[int, list[int]] = {i: [] for i in ids}
    if ids:
        rows = session.execute(
            select(col(CategoryGroup.category_id), col(CategoryGroup.group_id)).where(
                col(CategoryGroup.category_id).in_(ids)
            )
        ).all()
        for category_id, group_id in rows:
            groups[category_id].append(group_id)
    return {i: visibility_keys(g) for i, g in groups.items()}


def build_documents(session: Session, threads: list[Thread]) -> list[ThreadDocument]:
    """Documents for threads that belong in the index, in one pass over their posts."""
    threads = [t for t in threads if is_indexed(t) and t.id is not None]
    if not threads:
        return []
    ids = [t.id for t in threads]
    boards = {
        c.id: c
        for c in session.execute(
            select(Category).where(col(Category.id).in_({t.category_id for t in threads}))
        ).scalars()
    }
    visibility = board_visibility(session, boards)
    posts = session.execute(
        select(col(Post.id), col(Post.thread_id), col(Post.is_opening), col(Post.body_html))
        .where(col(Post.thread_id).in_(ids))
        .where(col(Post.is_deleted) == false(), col(Post.is_hidden) == false())
        .order_by(col(Post.thread_id), col(Post.id))
    ).all()
    question: dict[int, str] = {}
    solution: dict[int, str] = {}
    replies: dict[int, list[str]] = {}
    reply_chars: dict[int, int] = {}
    solution_ids = {t.solution_post_id for t in threads if t.solution_post_id}
    for post_id, thread_id, opening, body_html in posts:
        if opening:
            question[thread_id] = plain_text(body_html)[:QUESTION_CHARS]
        elif post_id in solution_ids:
            solution[thread_id] = plain_text(body_html)[:QUESTION_CHARS]
        elif reply_chars.get(thread_id, 0) < REPLIES_CHARS:
            text = plain_text(body_html)
            replies.setdefault(thread_id, []).append(text)
            reply_chars[thread_id] = reply_chars.get(thread_id, 0) + len(text)
    # A blog article's comment thread carries the article's text, so the article is found by
    # its words with the thread's visibility (its board's); a withdrawn article's thread is
    # hidden and leaves the index.
    for thread_id, body_html in session.execute(
        select(col(Article.thread_id), col(Article.body_html)).where(
            col(Article.thread_id).in_(ids), col(Article.status) == ArticleStatus.published.value
        )
    ).all():
        opening = question.get(thread_id, "")
        question[thread_id] = f"{opening} {plain_text(body_html)}".strip()[:QUESTION_CHARS]
    out = []
    for t in threads:
        assert t.id is not None
        board = boards.get(t.category_id)
        if board is None or board.id is None:
            continue
        out.append(
            ThreadDocument(
                id=t.id,
                title=t.title,
                question=question.get(t.id, ""),
                solution=solution.get(t.id, ""),
                replies=" ".join(replies.get(t.id, []))[:REPLIES_CHARS],
                board_id=board.id,
                board_slug=board.slug,
                kind=t.kind,
                solved=t.solution_post_id is not None,
                created=_unix(t.created_at),
                last_activity=_unix(t.last_post_at),
                kudos=t.kudos_count,
                reply_count=t.reply_count,
                visibility=visibility[board.id],
                duplicate_of=t.duplicate_of_thread_id,
            )
        )
    return out


def all_documents(session: Session, batch: int = 2000) -> Iterator[ThreadDocument]:
    """Every indexable thread, in id order and in batches, for a reindex."""
    last_id = 0
    while True:
        threads = list(
            session.execute(
                select(Thread).where(col(Thread.id) > last_id).order_by(col(Thread.id)).limit(batch)
            ).scalars()
        )
        if not threads:
            return
        yield from build_documents(session, threads)
        last_id = threads[-1].id or last_id
        session.expunge_all()
