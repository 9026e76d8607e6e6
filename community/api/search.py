"""/api/v1/search and /api/v1/threads/similar (registered before /threads/{id})."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query

from community.deps import SessionDep, ViewerDep
from community.forum import searching
from community.forum.models import ThreadKind
from community.indexing import service as indexing
from community.indexing.schemas import (
    SearchHitPublic,
    SearchResultsPublic,
    SimilarThreadsPublic,
)

router = APIRouter(tags=["search"])

SOLVED = {"all": None, "solved": True, "unsolved": False}


@router.get("/search", name="search_threads")
def search(
    session: SessionDep,
    viewer: ViewerDep,
    q: Annotated[str, Query(max_length=indexing.QUERY_MAX)] = "",
    board: Annotated[str | None, Query(max_length=60)] = None,
    kind: ThreadKind | None = None,
    solved: Literal["all", "solved", "unsolved"] = "all",
    page: Annotated[int, Query(ge=1, le=indexing.PAGE_MAX)] = 1,
) -> SearchResultsPublic:
    results = indexing.search(
        session,
        viewer,
        indexing.SearchQuery(
            q=q,
            board=board or None,
            kind=kind.value if kind else None,
            solved=SOLVED[solved],
            page=page,
        ),
    )
    names = indexing.board_names(session, (h.board_slug for h in results.hits))
    paths = searching.article_paths(session, [h.id for h in results.hits])
    return SearchResultsPublic(
        query=q,
        total=results.total,
        total_capped=results.total_capped,
        page=results.page,
        pages=results.pages,
        items=[SearchHitPublic.of(h, names, paths) for h in results.hits],
    )


@router.get("/threads/similar")
def similar_threads(
    session: SessionDep,
    viewer: ViewerDep,
    title: Annotated[str, Query(max_length=indexing.QUERY_MAX)] = "",
    limit: Annotated[int, Query(ge=1, le=10)] = 5,
    kind: Annotated[
        ThreadKind | None, Query(description="only threads of this kind (`idea`: similar ideas)")
    ] = None,
) -> SimilarThreadsPublic:
    hits = indexing.similar(session, viewer, title, limit=limit, kind=kind.value if kind else None)
    names = indexing.board_names(session, (h.board_slug for h in hits))
    return SimilarThreadsPublic(items=[SearchHitPublic.of(h, names) for h in hits])
