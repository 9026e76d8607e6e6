"""/api/v1/search and /api/v1/threads/similar (registered before /threads/{id})."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query

from community.deps import SessionDep, ViewerDep
from community.forum.models import ThreadKind
from community.searching import service as searching
from community.searching.schemas import (
    SearchHitPublic,
    SearchResultsPublic,
    SimilarThreadsPublic,
)

router = APIRouter(tags=["search"])

SOLVED = {"all": None, "solved": True, "unsolved": False}


@router.get("/search")
def search(
    session: SessionDep,
    viewer: ViewerDep,
    q: Annotated[str, Query(max_length=searching.QUERY_MAX)] = "",
    board: Annotated[str | None, Query(max_length=60)] = None,
    kind: ThreadKind | None = None,
    solved: Literal["all", "solved", "unsolved"] = "all",
    page: Annotated[int, Query(ge=1, le=searching.PAGE_MAX)] = 1,
) -> SearchResultsPublic:
    results = searching.search(
        session,
        viewer,
        searching.SearchQuery(
            q=q,
            board=board or None,
            kind=kind.value if kind else None,
            solved=SOLVED[solved],
            page=page,
        ),
    )
    names = searching.board_names(session)
    return SearchResultsPublic(
        query=q,
        total=results.total,
        page=results.page,
        pages=results.pages,
        items=[SearchHitPublic.of(h, names) for h in results.hits],
    )


@router.get("/threads/similar")
def similar_threads(
    session: SessionDep,
    viewer: ViewerDep,
    title: Annotated[str, Query(max_length=searching.QUERY_MAX)] = "",
    limit: Annotated[int, Query(ge=1, le=10)] = 5,
) -> SimilarThreadsPublic:
    hits = searching.similar(session, viewer, title, limit=limit)
    names = searching.board_names(session)
    return SimilarThreadsPublic(items=[SearchHitPublic.of(h, names) for h in hits])
