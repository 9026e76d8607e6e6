"""/api/v1/search and /api/v1/threads/similar (registered before /threads/{id})."""

from __future__ import annotations

from typing import Annotated, Literal

import anyio
from fastapi import APIRouter, Query, Request
from starlette.concurrency import run_in_threadpool

from community.deps import SessionDep, ViewerDep, get_viewer, request_session
from community.errors import ServiceUnavailable
from community.forum.models import ThreadKind
from community.indexing import service as indexing
from community.indexing.schemas import (
    SearchHitPublic,
    SearchResultsPublic,
    SimilarThreadsPublic,
)

router = APIRouter(tags=["search"])

SOLVED = {"all": None, "solved": True, "unsolved": False}


# Searches one process runs at once; the others wait on the event loop, not in a thread of
# their own. A search is pure CPU under one GIL: with 8 at once in 8 threads the process
# answered a quarter fewer of them (pages.py's 16 connections over 2 processes).
SEARCHES_AT_ONCE = 2
# How long a search waits for its turn: when the database hangs, the searches holding the
# turns wait out its timeouts (pool 3 s, statement 5 s by default), and the ones behind
# them answer 503 with Retry-After instead of queueing for a minute.
TURN_WAIT_SECONDS = 8.0
_limit: anyio.Semaphore | None = None


def _searching() -> anyio.Semaphore:
    global _limit
    if _limit is None:  # made in the event loop of the process that serves
        _limit = anyio.Semaphore(SEARCHES_AT_ONCE)
    return _limit


@router.get("/search", name="search_threads")
async def search(
    request: Request,
    q: Annotated[str, Query(max_length=indexing.QUERY_MAX)] = "",
    board: Annotated[str | None, Query(max_length=60)] = None,
    kind: ThreadKind | None = None,
    solved: Literal["all", "solved", "unsolved"] = "all",
    page: Annotated[int, Query(ge=1, le=indexing.PAGE_MAX)] = 1,
) -> SearchResultsPublic:
    # The hottest read of the API: the session, the viewer and the search in one request
    # thread, where the dependencies would take three turns through the thread pool.
    query = indexing.SearchQuery(
        q=q,
        board=board or None,
        kind=kind.value if kind else None,
        solved=SOLVED[solved],
        page=page,
    )
    limit = _searching()
    with anyio.move_on_after(TURN_WAIT_SECONDS) as waiting:
        await limit.acquire()
    if waiting.cancelled_caught:
        raise ServiceUnavailable(indexing.SEARCH_UNAVAILABLE, code="search_unavailable")
    try:
        return await run_in_threadpool(_search, request, query)
    finally:
        limit.release()


def _search(request: Request, query: indexing.SearchQuery) -> SearchResultsPublic:
    with request_session(request) as session:
        viewer = get_viewer(request, session)
        results = indexing.search(session, viewer, query)
        names, paths = indexing.hit_places(session, results.hits)
    return SearchResultsPublic(
        query=query.q,
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
