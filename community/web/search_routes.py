"""The search page, and the "Ähnliche Fragen" list under the title of the ask page."""

from __future__ import annotations

from contextlib import suppress
from typing import Annotated, Literal
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, Response

from community.auth import check_csrf
from community.deps import SessionDep
from community.errors import CommunityError, ServiceUnavailable
from community.forum import boards as forum_boards
from community.forum import searching
from community.forum.models import ThreadKind
from community.indexing import service as indexing
from community.text import CleanStr
from community.web import writing
from community.web.deps import CsrfField, WebViewer
from community.web.pages import render
from search.documents import SearchResults

router = APIRouter(include_in_schema=False)

SOLVED = {"all": None, "solved": True, "unsolved": False}


def _pages(page: int, pages: int) -> list[int]:
    return list(range(max(1, page - 3), min(pages, page + 3) + 1))


@router.get("/search", response_class=HTMLResponse)
def search_page(
    request: Request,
    session: SessionDep,
    viewer: WebViewer,
    q: Annotated[str, Query(max_length=indexing.QUERY_MAX)] = "",
    board: Annotated[str, Query(max_length=60)] = "",
    kind: Literal["", "question", "discussion"] = "",
    solved: Literal["all", "solved", "unsolved"] = "all",
    page: Annotated[int, Query(ge=1, le=indexing.PAGE_MAX)] = 1,
) -> Response:
    unavailable = False

    def query(words: str, page: int = 1) -> indexing.SearchQuery:
        return indexing.SearchQuery(
            q=words, board=board or None, kind=kind or None, solved=SOLVED[solved], page=page
        )

    try:
        results = indexing.search(session, viewer, query(q, page))
    except ServiceUnavailable:
        # The engine is down: the page still comes, with the form and a notice.
        unavailable = True
        results = SearchResults(hits=[], total=0, page=page, per_page=indexing.PER_PAGE)
    suggestion = None
    # Only a query with less than a page of hits looks for a better spelling: it costs a
    # second search, and a query that finds plenty needs no correction.
    if q.strip() and page == 1 and not unavailable and results.total < indexing.PER_PAGE:
        # A hint only: if it fails, the results stand without it.
        with suppress(CommunityError):
            suggestion = searching.did_you_mean(
                session,
                q,
                results.total,
                lambda words: indexing.search(session, viewer, query(words)).total,
            )
    filters = {"board": board, "kind": kind, "solved": "" if solved == "all" else solved}
    return render(
        request,
        "search.html",
        {
            "q": q,
            "board": board,
            "kind": kind,
            "solved": solved,
            "results": results,
            "paths": searching.thread_paths(session, [h.id for h in results.hits]),
            "suggestion": suggestion,
            "active_filters": sum(1 for v in filters.values() if v),
            "feed_query": urlencode({"q": q, **{k: v for k, v in filters.items() if v}}),
            "page_numbers": _pages(results.page, results.pages),
            # Only boards the viewer may see are offered as a filter.
            "categories": forum_boards.list_categories(session, viewer),
            "board_names": indexing.board_names(session),
            "search_unavailable": unavailable,
            "search_degraded": not unavailable and indexing.index_problem() is not None,
        },
        status_code=503 if unavailable else 200,
    )


@router.get("/search/similar", response_class=HTMLResponse)
def similar_fragment(
    request: Request,
    session: SessionDep,
    viewer: WebViewer,
    title: Annotated[str, Query(max_length=indexing.QUERY_MAX)] = "",
    category: Annotated[str, Query(max_length=60)] = "",
    board_suggested: Annotated[str, Query(max_length=60)] = "",
    kind: ThreadKind = ThreadKind.question,
) -> Response:
    """The list alone, for htmx to put under the title field; with it, out of band, the
    board field with the board the similar questions suggest (writing.ask_context). The
    kind only words the list: "Ähnliche Ideen" on the idea form."""
    similar = writing.similar_questions(session, viewer, title, kind.value)
    form = {"category": category, "kind": kind.value}
    context = writing.ask_context(
        session, viewer, form, similar=similar, board_suggested=board_suggested
    )
    return render(request, "_similar.html", {**context, "similar_asked": False, "oob": True})


@router.post("/new/similar", response_class=HTMLResponse)
def similar_without_js(
    request: Request,
    session: SessionDep,
    viewer: WebViewer,
    csrf_token: CsrfField,
    category: Annotated[CleanStr, Form(max_length=60)] = "",
    kind: Annotated[ThreadKind, Form()] = ThreadKind.question,
    title: Annotated[CleanStr, Form(max_length=1000)] = "",
    body: Annotated[CleanStr, Form(max_length=100_000)] = "",
    board_suggested: Annotated[CleanStr, Form(max_length=60)] = "",
) -> Response:
    """The ask page again, with what the user typed and the similar questions below the title."""
    check_csrf(request, csrf_token)
    form = {"category": category, "kind": kind.value, "title": title, "body": body}
    similar = writing.similar_questions(session, viewer, title, kind.value)
    context = writing.ask_context(
        session, viewer, form, similar=similar, board_suggested=board_suggested
    )
    return render(request, "new_thread.html", context)
