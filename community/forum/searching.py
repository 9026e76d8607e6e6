"""What the search page adds around the engine's hits: each hit's canonical address, and
"Meinten Sie …?".

The spelling suggestion comes from the forum's own words: the titles and questions of the
threads anyone may read, the texts the engine indexes. Built from public content only, so
a word that occurs only in a closed board or a hidden post is never offered to anyone;
and a suggestion is offered only when searching for it finds more for this viewer than
the query typed."""

from __future__ import annotations

import difflib
import re
import threading
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from sqlalchemy import ColumnElement, and_, bindparam, false, func, select
from sqlmodel import Session, col

from community.accounts.viewer import ANONYMOUS, Viewer
from community.blog.models import Article, ArticleStatus
from community.forum import permissions as perms
from community.forum.markdown import plain_text
from community.forum.models import CategoryGroup, Post, Thread

WORD = re.compile(r"[^\W\d_]{4,40}", re.UNICODE)
# The newest public threads the words are taken from, and how many words are kept.
VOCABULARY_THREADS = 3000
VOCABULARY_WORDS = 30_000
# difflib's similarity ratio: 0.75 lets "Drucekr" find "Drucker", not "Drucksache".
CUTOFF = 0.75
REFRESH_SECONDS = 60


def thread_paths(session: Session, ids: Sequence[int]) -> dict[int, str]:
    """Canonical paths (/t/{id}/{slug}) of search hits: the page links there directly,
    sparing the reader the redirect from /t/{id}."""
    if not ids:
        return {}
    rows = session.execute(
        select(col(Thread.id), col(Thread.slug)).where(col(Thread.id).in_(list(ids)))
    ).all()
    paths = {thread_id: f"/t/{thread_id}/{slug}" for thread_id, slug in rows}
    return paths | article_paths(session, ids)


# Built once per process: the search API asks on every request, and building the statement
# and going through the ORM cost more than SQLite's answer.
_ARTICLES_OF_THREADS = select(col(Article.id), col(Article.slug), col(Article.thread_id)).where(
    col(Article.thread_id).in_(bindparam("ids", expanding=True)),
    col(Article.status) == ArticleStatus.published.value,
)


def visible_thread_ids(session: Session, viewer: Viewer, ids: Sequence[int]) -> set[int]:
    """Of these threads, the ones the viewer may see now, by the database."""
    if not ids:
        return set()
    query = select(col(Thread.id)).where(
        col(Thread.id).in_(ids), perms.visible_threads_filter(viewer)
    )
    return set(session.execute(query).scalars())


def article_paths(session: Session, ids: Sequence[int]) -> dict[int, str]:
    """Hits that are a blog article's comment thread, found by the article's words (its
    text is in the thread's document): they lead to the article."""
    if not ids:
        return {}
    rows = session.connection().execute(_ARTICLES_OF_THREADS, {"ids": list(ids)})
    return {
        thread_id: f"/blog/{article_id}/{slug}"
        for article_id, slug, thread_id in rows
        if thread_id is not None  # never, by the IN; the column is nullable
    }


# ---- "Meinten Sie …?" ------------------------------------------------------------------------


def _public_threads() -> ColumnElement[bool]:
    """Threads an anonymous visitor reads: the vocabulary's only source."""
    return and_(
        perms.visible_threads_filter(ANONYMOUS),
        col(Thread.is_hidden) == false(),
        col(Thread.is_pending) == false(),
    )


class _Vocabulary:
    """Word counts kept in memory, rebuilt when a thread or reply is added or a board's
    groups change (three index lookups tell), and at least every REFRESH_SECONDS for what
    those miss (a thread hidden or moved): reading thousands of posts per search would
    cost more than the search. In between, a suggestion still has to find a thread the
    viewer may see (did_you_mean), so a word that just left public view is not offered
    on its own."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._key: tuple[object, ...] | None = None
        self._built = 0.0
        self._words: Counter[str] = Counter()

    def words(self, session: Session) -> Counter[str]:
        key = tuple(
            session.execute(
                select(
                    select(func.max(col(Thread.id))).scalar_subquery(),
                    select(func.max(col(Thread.last_post_at))).scalar_subquery(),
                    select(func.count()).select_from(CategoryGroup).scalar_subquery(),
                )
            ).one()
        )
        with self._lock:
            if key == self._key and time.monotonic() - self._built < REFRESH_SECONDS:
                return self._words
        words = _count_words(session)
        with self._lock:
            self._key, self._built, self._words = key, time.monotonic(), words
        return words


def _count_words(session: Session) -> Counter[str]:
    newest = (
        select(col(Thread.id))
        .where(_public_threads())
        .order_by(col(Thread.last_post_at).desc())
        .limit(VOCABULARY_THREADS)
    )
    rows = session.execute(
        select(col(Thread.title), col(Post.body_html))
        .join(Post, and_(col(Post.thread_id) == col(Thread.id), col(Post.is_opening)))
        .where(col(Thread.id).in_(newest))
        .where(
            col(Post.is_hidden) == false(),
            col(Post.is_deleted) == false(),
            col(Post.is_pending) == false(),
        )
    ).all()
    counts: Counter[str] = Counter()
    for title, body_html in rows:
        counts.update(w.lower() for w in WORD.findall(f"{title} {plain_text(body_html)}"))
    return Counter(dict(counts.most_common(VOCABULARY_WORDS)))


VOCABULARY = _Vocabulary()


def public_vocabulary(session: Session) -> Counter[str]:
    return VOCABULARY.words(session)


def _closest(word: str, words: Counter[str]) -> str | None:
    lower = word.lower()
    if len(lower) < 4 or lower in words or not WORD.fullmatch(word):
        return None
    close = difflib.get_close_matches(lower, words.keys(), n=5, cutoff=CUTOFF)
    if not close:
        return None
    best = max(close, key=lambda w: (difflib.SequenceMatcher(None, lower, w).ratio(), words[w]))
    return best.capitalize() if word[:1].isupper() else best


@dataclass(frozen=True)
class Suggestion:
    q: str
    total: int


def did_you_mean(
    session: Session, q: str, total: int, count: Callable[[str], int]
) -> Suggestion | None:
    """The query with its unknown words replaced by the closest known ones, if `count`
    (the number of hits for this viewer) finds more for it than `total`."""
    words = public_vocabulary(session)
    changed = False

    def replace(match: re.Match[str]) -> str:
        nonlocal changed
        better = _closest(match.group(), words)
        if better is None:
            return match.group()
        changed = True
        return better

    corrected = re.sub(r"\w+", replace, q.strip())
    if not changed:
        return None
    found = count(corrected)
    return Suggestion(corrected, found) if found > total else None
