"""Pages of ideas: an ideas board's list (by votes, newest or status), voting from the
idea page (plain POST forms, so they work without JavaScript), and staff's forms to set
the status with a public note and to merge a duplicate. An idea's own page is the thread
page (web/forum.py), which shows the idea's box; ideas are proposed through /new."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, Response
from sqlmodel import Session

from community.accounts.viewer import Viewer
from community.auth import check_csrf
from community.deps import IdPath, SessionDep
from community.errors import CommunityError, NotFound
from community.forum import boards as forum_boards
from community.forum import permissions as perms
from community.i18n import N_
from community.ideas import service as ideas
from community.ideas.boards import is_idea_board
from community.ideas.models import STATUS_LABELS, IdeaStatus
from community.ideas.schemas import IdeaMerge, IdeaSort, IdeaStatusUpdate
from community.notifications import preferences
from community.text import CleanStr
from community.web.deps import CsrfField, WebViewer, login_first, see_other
from community.web.forms import form_error, parse_form
from community.web.pages import render

router = APIRouter()

_MESSAGES = {
    "status": N_("Bitte wählen Sie einen Status."),
    "note": N_("Der Hinweis ist zu lang (höchstens 2000 Zeichen)."),
    "into_thread_id": N_("Bitte geben Sie die Nummer der Idee an, die bleiben soll."),
}


@router.get("/ideas/{slug}", response_class=HTMLResponse)
def idea_board(
    slug: str,
    request: Request,
    session: SessionDep,
    viewer: WebViewer,
    sort: IdeaSort = "votes",
    status: IdeaStatus | None = None,
    page: Annotated[int, Query(ge=1, le=10_000)] = 1,
) -> Response:
    category = forum_boards.get_category(session, viewer, slug)
    if not is_idea_board(category):
        raise NotFound("Diesen Bereich gibt es nicht.")
    rows, more = ideas.list_ideas(session, viewer, category, sort=sort, status=status, page=page)
    assert category.id is not None
    closed = bool(forum_boards.category_group_slugs(session, [category.id]).get(category.id))
    return render(
        request,
        "idea_board.html",
        {
            "category": category,
            "rows": rows,
            "more": more,
            "page": page,
            "sort": sort,
            "status": status.value if status else "",
            "statuses": STATUS_LABELS,
            "closed": closed,
            "ideas_board": True,  # its feed of new ideas, no feed of solved questions
            "watching": preferences.is_watching_category(session, viewer, category),
        },
    )


def _back(session: Session, viewer: Viewer, thread_id: int, flash: str | None = None) -> Response:
    thread, _ = ideas.get_idea(session, viewer, thread_id)
    return see_other(f"/t/{thread.id}/{thread.slug}#idea", flash=flash)


@router.post("/ideas/{idea_id}/vote")
def vote(
    idea_id: IdPath, request: Request, session: SessionDep, viewer: WebViewer, csrf_token: CsrfField
) -> Response:
    check_csrf(request, csrf_token)
    if viewer.user is None:
        return login_first(f"/t/{idea_id}")
    ideas.vote(session, viewer, idea_id)
    return _back(session, viewer, idea_id, "idea_voted")


@router.post("/ideas/{idea_id}/unvote")
def unvote(
    idea_id: IdPath, request: Request, session: SessionDep, viewer: WebViewer, csrf_token: CsrfField
) -> Response:
    check_csrf(request, csrf_token)
    if viewer.user is None:
        return login_first(f"/t/{idea_id}")
    ideas.unvote(session, viewer, idea_id)
    return _back(session, viewer, idea_id, "idea_unvoted")


def _decide_context(
    session: Session, viewer: Viewer, idea_id: int, form: dict[str, str]
) -> dict[str, Any]:
    thread, idea = ideas.get_idea(session, viewer, idea_id)
    perms.check_may_decide_idea(session, viewer, thread)
    return {"thread": thread, "idea": idea, "form": form, "statuses": STATUS_LABELS}


@router.get("/ideas/{idea_id}/status", response_class=HTMLResponse)
def status_form(
    idea_id: IdPath, request: Request, session: SessionDep, viewer: WebViewer
) -> Response:
    if viewer.user is None:
        return login_first(f"/ideas/{idea_id}/status")
    _, idea = ideas.get_idea(session, viewer, idea_id)
    form = {"status": idea.status, "note": idea.status_note}
    return render(request, "idea_status.html", _decide_context(session, viewer, idea_id, form))


@router.post("/ideas/{idea_id}/status", response_model=None)
def set_status(
    idea_id: IdPath,
    request: Request,
    session: SessionDep,
    viewer: WebViewer,
    csrf_token: CsrfField,
    status: Annotated[str, Form(max_length=20)] = "",
    note: Annotated[CleanStr, Form(max_length=10_000)] = "",
) -> Response:
    check_csrf(request, csrf_token)
    form = {"status": status, "note": note}
    try:
        data = parse_form(IdeaStatusUpdate, form, _MESSAGES)
        ideas.set_status(session, viewer, idea_id, data.status, data.note)
    except CommunityError as exc:
        context = lambda: _decide_context(session, viewer, idea_id, form)  # noqa: E731
        return form_error(request, session, "idea_status.html", context, exc)
    return _back(session, viewer, idea_id, "idea_status_set")


@router.get("/ideas/{idea_id}/merge", response_class=HTMLResponse)
def merge_form(
    idea_id: IdPath, request: Request, session: SessionDep, viewer: WebViewer
) -> Response:
    if viewer.user is None:
        return login_first(f"/ideas/{idea_id}/merge")
    context = _decide_context(session, viewer, idea_id, {"into_thread_id": ""})
    return render(request, "idea_merge.html", context)


@router.post("/ideas/{idea_id}/merge", response_model=None)
def merge(
    idea_id: IdPath,
    request: Request,
    session: SessionDep,
    viewer: WebViewer,
    csrf_token: CsrfField,
    into_thread_id: Annotated[str, Form(max_length=20)] = "",
) -> Response:
    check_csrf(request, csrf_token)
    form = {"into_thread_id": into_thread_id}
    try:
        data = parse_form(IdeaMerge, form, _MESSAGES)
        target = ideas.merge(session, viewer, idea_id, data.into_thread_id)
    except CommunityError as exc:
        context = lambda: _decide_context(session, viewer, idea_id, form)  # noqa: E731
        return form_error(request, session, "idea_merge.html", context, exc)
    return _back(session, viewer, target.thread_id, "idea_merged")
