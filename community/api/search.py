"""/api/v1/search and /api/v1/threads/similar (registered before /threads/{id})."""

from __future__ import annotations

from typing import Annotated, Literal

import anyio
from fastapi import APIRouter, Query, Request
from starlette.concurrency import run_in_threadpool

from community.accounts.viewer import ANONYMOUS
from community.deps import SessionDep, ViewerDep, get_viewer, is_anonymous, request_session
from community.errors import ServiceUnavailable
from community.forum.models import ThreadKind
from community.indexing import service as indexing
from community.indexing.schemas import (
    SearchHitPublic,
    SearchResultsPublic,
    SimilarThreadsPublic,
)
from search.documents import Hit, SearchResults

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
    # thread, where the dependencies would take three turns through the thread pool; for an
    # anonymous visitor, mostly in none (_search_anonymous).
    query = indexing.SearchQuery(
        q=q,
        board=board or None,
        kind=kind.value if kind else None,
        solved=SOLVED[solved],
        page=page,
    )
    limit = _searching()
    try:
        limit.acquire_nowait()  # a free turn: no timer to set and cancel, no trip round the loop
    except anyio.WouldBlock:
        with anyio.move_on_after(TURN_WAIT_SECONDS) as waiting:
            await limit.acquire()
        if waiting.cancelled_caught:
            unavailable = ServiceUnavailable(indexing.SEARCH_UNAVAILABLE, code="search_unavailable")
            raise unavailable from None
    try:
        if is_anonymous(request):
            answer = await _search_anonymous(request, query)
            if answer is not None:
                return answer
        return await run_in_threadpool(_search, request, query)
    finally:
        limit.release()


async def _search_anonymous(
    request: Request, query: indexing.SearchQuery
) -> SearchResultsPublic | None:
    """An anonymous visitor's search right here on the event loop when nothing on its way
    waits: no viewer to look up, the index open and free, the board names and article
    paths kept (else they are read in a thread). The hop to a thread and back cost a
    quarter of the request's CPU. None: the engine could not answer at once."""
    results = indexing.search_at_once(ANONYMOUS, query)
    if results is None:
        return None
    request.state.viewer = ANONYMOUS  # as resolve_viewer leaves it
    kept = await indexing.kept_places(request.app.state.engine, results.hits)
    if kept is None:
        kept = await run_in_threadpool(_places, request, results.hits)
    visible, names, paths = kept
    return _public(query, indexing.only_visible(results, visible), names, paths)


def _places(request: Request, hits: list[Hit]) -> tuple[set[int], dict[str, str], dict[int, str]]:
    with request_session(request) as session:
        visible = indexing.visible_ids(session, ANONYMOUS, hits)
        return visible, *indexing.hit_places(session, hits)


def _search(request: Request, query: indexing.SearchQuery) -> SearchResultsPublic:
    with request_session(request) as session:
        viewer = get_viewer(request, session)
        results = indexing.search(session, viewer, query)
        names, paths = indexing.hit_places(session, results.hits)
    return _public(query, results, names, paths)


def _public(
    query: indexing.SearchQuery,
    results: SearchResults,
    names: dict[str, str],
    paths: dict[int, str],
) -> SearchResultsPublic:
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
