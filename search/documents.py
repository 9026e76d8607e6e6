"""The document the index holds per thread, the query shape, and the backend interface."""

from __future__ import annotations

import html
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any, Protocol

PUBLIC = "public"

# Highlight markers the engines put around matches. They are control characters no post
# contains, so the text can be escaped first and only these become <mark>: a snippet never
# carries markup from the indexed text into the page.
MARK_START = "\x02"
MARK_END = "\x03"


class SearchError(Exception):
    """The engine refused, failed a task or could not be reached."""


@dataclass(frozen=True)
class ThreadDocument:
    """Plain values only; nicknames at most, never a real name or an e-mail address."""

    id: int
    title: str
    question: str
    solution: str
    replies: str
    board_id: int
    board_slug: str
    kind: str
    solved: bool
    created: int  # unix seconds
    last_activity: int  # unix seconds
    kudos: int
    reply_count: int
    # "public", or "group:<id>" for each closed group that may see the thread.
    visibility: list[str] = field(default_factory=lambda: [PUBLIC])
    # The thread a moderator closed this one as a duplicate of: folded under it in results.
    duplicate_of: int | None = None

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        # A number to rank solved threads first among equally relevant ones.
        data["solved_rank"] = 1 if self.solved else 0
        return data


# Hit counts are exact up to here, then "over 1,000": nobody pages past it (PAGE_MAX pages
# of 20), and Meilisearch's pagination stops counting there too (maxTotalHits).
TOTAL_CAP = 1000


def capped_total(count: int, folded_away: int = 0) -> tuple[int, bool]:
    """(total, capped) of `count` matching threads, `folded_away` of them under others."""
    return (TOTAL_CAP, True) if count > TOTAL_CAP else (count - folded_away, False)


@dataclass(frozen=True)
class Filters:
    board: str | None = None  # board slug
    kind: str | None = None
    solved: bool | None = None


@dataclass(frozen=True)
class Hit:
    id: int
    title: str
    # Escaped HTML in which only <mark> elements are markup.
    title_html: str
    snippet_html: str
    board_slug: str
    kind: str
    solved: bool
    last_activity: int
    kudos: int
    reply_count: int
    # Near-duplicate questions folded into this hit (search/folding.py).
    similar_count: int = 0
    similar_ids: tuple[int, ...] = ()


@dataclass(frozen=True)
class SearchResults:
    hits: list[Hit]
    total: int  # exact up to TOTAL_CAP; with total_capped, "more than TOTAL_CAP"
    page: int
    per_page: int
    total_capped: bool = False

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


class Backend(Protocol):
    """`visibility` is the list of keys the viewer holds; None means everything (moderators).
    The caller always passes it: the engine never decides who may see what."""

    def ensure(self) -> None:
        """Create the index if needed and put its settings in place."""

    def upsert(self, documents: Sequence[ThreadDocument]) -> None: ...

    def delete(self, ids: Sequence[int]) -> None: ...

    def search(
        self,
        query: str,
        *,
        filters: Filters,
        visibility: Sequence[str] | None,
        page: int = 1,
        per_page: int = 20,
    ) -> SearchResults: ...

    def similar(
        self,
        title: str,
        text: str = "",
        *,
        visibility: Sequence[str] | None,
        limit: int = 5,
        exclude_id: int | None = None,
        kind: str | None = None,
    ) -> list[Hit]:
        """`kind`: only threads of this kind (None: every kind)."""

    def stats(self) -> dict[str, Any]: ...

    def write_problem(self) -> str | None:
        """Why index writes fail now (results are stale until they succeed again), or None."""
        ...

    def reindex(self, documents: Iterable[ThreadDocument]) -> int:
        """Build a new index from all documents and swap it in; returns the count."""
        ...


def marked_to_html(text: str) -> str:
    """Escape text and turn the highlight markers into <mark> elements."""
    out = html.escape(text.replace(MARK_END + MARK_START, ""), quote=False)
    opened = False
    parts: list[str] = []
    for ch in out:
        if ch == MARK_START and not opened:
            parts.append("<mark>")
            opened = True
        elif ch == MARK_END and opened:
            parts.append("</mark>")
            opened = False
        elif ch not in (MARK_START, MARK_END):
            parts.append(ch)
    if opened:
        parts.append("</mark>")
    return "".join(parts)


def load_synonyms(data: dict[str, list[str]]) -> dict[str, list[str]]:
    """Make a synonym list symmetric and lower-cased: "DSL" -> "Internet" also works backwards."""
    out: dict[str, set[str]] = {}
    for word, others in data.items():
        group = {word.lower(), *(o.lower() for o in others)}
        for member in group:
            out.setdefault(member, set()).update(group - {member})
    return {k: sorted(v) for k, v in out.items()}
