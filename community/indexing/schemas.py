"""What the search API returns: no author at all, snippets as escaped HTML with <mark>."""

from __future__ import annotations

from datetime import UTC, datetime

from pydantic import BaseModel

from search.documents import Hit


class SearchHitPublic(BaseModel):
    id: int
    title: str
    title_html: str
    snippet_html: str
    board: str
    board_name: str | None
    kind: str
    solved: bool
    reply_count: int
    kudos: int
    last_activity_at: datetime
    url: str
    # Near-duplicate questions folded into this hit ("und 3 ähnliche Fragen").
    similar_count: int = 0
    similar_ids: list[int] = []

    @classmethod
    def of(
        cls, hit: Hit, board_names: dict[str, str], paths: dict[int, str] | None = None
    ) -> SearchHitPublic:
        return cls(
            id=hit.id,
            title=hit.title,
            title_html=hit.title_html,
            snippet_html=hit.snippet_html,
            board=hit.board_slug,
            board_name=board_names.get(hit.board_slug),
            kind=hit.kind,
            solved=hit.solved,
            reply_count=hit.reply_count,
            kudos=hit.kudos,
            last_activity_at=datetime.fromtimestamp(hit.last_activity, UTC),
            url=(paths or {}).get(hit.id, f"/t/{hit.id}"),
            similar_count=hit.similar_count,
            similar_ids=list(hit.similar_ids),
        )


class SearchResultsPublic(BaseModel):
    query: str
    # Exact up to 1,000; above it total is 1,000 and total_capped true ("over 1,000").
    total: int
    total_capped: bool = False
    page: int
    pages: int
    items: list[SearchHitPublic]


class SimilarThreadsPublic(BaseModel):
    items: list[SearchHitPublic]
