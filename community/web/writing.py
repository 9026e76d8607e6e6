"""Pages to write: ask a question or start a discussion, edit a post, the preview and the
drafts the one editor (macros.html `editor`) saves while typing. Replies are posted from
the thread page (web/forum.py) with the same editor. Thin: the rules live in the forum
services (forum/service.py, forum/drafts.py, forum/boards.py)."""

from __future__ import annotations

from contextlib import suppress
from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, Response
from sqlmodel import Session

from community.accounts.viewer import Viewer
from community.auth import check_csrf
from community.db import MAX_ID
from community.deps import IdPath, SessionDep
from community.errors import CommunityError, InvalidInput, ServiceUnavailable
from community.forum import boards as forum_boards
from community.forum import drafts
from community.forum import permissions as perms
from community.forum import service as forum
from community.forum.markdown import render_markdown
from community.forum.models import ThreadKind
from community.forum.schemas import PostUpdate, ThreadCreate
from community.ideas.boards import is_idea_board
from community.indexing import service as indexing
from community.text import CleanStr
from community.web.deps import CsrfField, WebViewer, login_first, see_other
from community.web.forms import form_error, parse_form
from community.web.pages import render

router = APIRouter()

Body = Annotated[CleanStr, Form(max_length=100_000)]


def similar_questions(session: Session, viewer: Viewer, title: str, kind: str = "") -> list[Any]:
    """Under the title of the ask page; for an idea ("Ähnliche Ideen") only ideas, since a
    question with the same words is no duplicate proposal to vote for instead."""
    only = ThreadKind.idea.value if kind == ThreadKind.idea.value else None
    try:
        return indexing.similar(session, viewer, title[: indexing.QUERY_MAX], kind=only)
    except ServiceUnavailable:
        return []  # a hint only: asking works without it


def ask_context(
    session: Session,
    viewer: Viewer,
    form: dict[str, str],
    *,
    similar: list[Any] | None = None,
    board_suggested: str = "",
    preselect: bool = True,
) -> dict[str, Any]:
    """The ask form: boards with "Bitte wählen" first, the similar questions, and the board
    most of them live in, preselected only while the writer has not chosen one themselves
    (nothing chosen, or the earlier suggestion still in place), always with a visible note.
    Not `preselect`ed when the form comes back because no board was chosen: the field would
    show a board beside the message asking for one."""
    categories = forum_boards.list_categories(session, viewer)
    suggested = None
    if similar:
        suggested = forum_boards.suggest_board(categories, [h.board_slug for h in similar])
    chosen = form.get("category", "")
    applied = preselect and suggested is not None and chosen in ("", board_suggested)
    if applied and suggested is not None:
        form = {**form, "category": suggested.slug}
    return {
        "suggestion_applied": applied,
        "categories": categories,
        "form": form,
        "similar": similar or [],
        "similar_asked": similar is not None,
        "suggested": suggested,
    }


@router.get("/new", response_class=HTMLResponse)
def new_thread_form(
    request: Request,
    session: SessionDep,
    viewer: WebViewer,
    board: Annotated[str | None, Query(max_length=60)] = None,
    kind: ThreadKind | None = None,
    title: Annotated[str, Query(max_length=150)] = "",
) -> Response:
    if viewer.user is None:
        # The words a visitor typed (search's "Frage stellen", the start page box) wait
        # for them behind the login.
        query = request.url.query
        return login_first(f"/new?{query}" if query else "/new")
    draft = drafts.get_draft(session, viewer)
    form = {
        "category": board or (draft.category_slug if draft else ""),
        "title": title or (draft.title if draft else ""),
        "body": draft.body if draft else "",
    }
    if kind is None and draft is not None:
        kind = ThreadKind(draft.kind)
    if kind is None:
        # Started from a board: the kind its admins chose for it.
        boards = forum_boards.list_categories(session, viewer)
        chosen = next((c for c in boards if c.slug == board), None)
        kind = ThreadKind(chosen.default_kind) if chosen else ThreadKind.question
    chosen_board = next(
        (c for c in forum_boards.list_categories(session, viewer) if c.slug == form["category"]),
        None,
    )
    if chosen_board is not None and is_idea_board(chosen_board):
        kind = ThreadKind.idea  # the ideas board's "Idee vorschlagen" button
    form["kind"] = kind.value
    # A title carried over (start page box, header, search) gets its similar questions at once.
    similar = (
        similar_questions(session, viewer, form["title"], form["kind"]) if form["title"] else None
    )
    context = ask_context(session, viewer, form, similar=similar)
    return render(request, "new_thread.html", {**context, "draft": draft})


@router.post("/new", response_model=None)
def new_thread(
    request: Request,
    session: SessionDep,
    viewer: WebViewer,
    csrf_token: CsrfField,
    kind: Annotated[ThreadKind, Form()],
    # Empty fields are the service's to refuse, on the form: as required form fields, an
    # empty one (a draft of the title alone, a preview before writing) was a bare 422 page
    # that lost what was typed.
    title: Annotated[CleanStr, Form(max_length=1000)] = "",
    body: Body = "",
    category: Annotated[CleanStr, Form(max_length=60)] = "",
    action: Annotated[str, Form(max_length=20)] = "publish",
) -> Response:
    check_csrf(request, csrf_token)
    form = {"category": category, "kind": kind.value, "title": title, "body": body}

    def keep_draft() -> None:
        with suppress(InvalidInput):
            drafts.save_draft(
                session, viewer, body=body, title=title, category_slug=category, kind=kind
            )

    if action == "preview":
        # Works without JavaScript: the whole form comes back with the rendered text.
        context = ask_context(session, viewer, form)
        return render(request, "new_thread.html", {**context, "preview": render_markdown(body)})
    if action == "draft":
        if viewer.user is None:
            return login_first("/new")
        keep_draft()
        return see_other("/new", flash="draft_saved")
    try:
        data = parse_form(ThreadCreate, form)
        thread, post = forum.create_thread(
            session,
            viewer,
            category_slug=data.category,
            kind=data.kind,
            title=data.title,
            body=data.body,
        )
    except CommunityError as exc:
        no_board = "category" in (exc.fields or {}) or exc.code == "board_required"

        def form_again() -> dict[str, Any]:
            similar = similar_questions(session, viewer, title, kind.value) if title else None
            return ask_context(session, viewer, form, similar=similar, preselect=not no_board)

        response = form_error(request, session, "new_thread.html", form_again, exc)
        if exc.code == "email_not_verified":
            keep_draft()  # after the rollback: the text waits for the confirmed address
        return response
    done = "thread_held" if post.is_pending else "thread_posted"
    return see_other(f"/t/{thread.id}/{thread.slug}", flash=done)


@router.post("/new/draft", response_class=HTMLResponse)
def save_new_thread_draft(
    request: Request,
    session: SessionDep,
    viewer: WebViewer,
    csrf_token: CsrfField,
    body: Body = "",
    title: Annotated[CleanStr, Form(max_length=1000)] = "",
    category: Annotated[CleanStr, Form(max_length=60)] = "",
    kind: Annotated[ThreadKind, Form()] = ThreadKind.question,
) -> Response:
    """The editor's save while typing (htmx): only the line saying it is kept."""
    check_csrf(request, csrf_token)
    draft = drafts.save_draft(
        session, viewer, body=body, title=title, category_slug=category, kind=kind
    )
    return render(request, "_draft_status.html", {"draft": draft})


@router.post("/t/{thread_id}/draft", response_class=HTMLResponse)
def save_reply_draft(
    thread_id: IdPath,
    request: Request,
    session: SessionDep,
    viewer: WebViewer,
    csrf_token: CsrfField,
    body: Body = "",
    seen: Annotated[int | None, Form(ge=0, le=MAX_ID)] = None,
) -> Response:
    """The reply draft while typing (htmx), and how many replies came meanwhile."""
    check_csrf(request, csrf_token)
    draft = drafts.save_draft(session, viewer, body=body, thread_id=thread_id, seen_post_id=seen)
    thread = forum.get_thread(session, viewer, thread_id)
    since = seen if seen is not None else (draft.seen_post_id if draft else None)
    new_replies = drafts.replies_since(session, viewer, thread, since) if since is not None else 0
    context = {"draft": draft, "thread": thread, "new_replies": new_replies}
    return render(request, "_draft_status.html", context)


@router.post("/preview", response_class=HTMLResponse)
def preview(request: Request, csrf_token: CsrfField, body: Body = "") -> Response:
    """The editor's live preview (htmx): only the rendered fragment, by the forum's own
    renderer and sanitiser, so it shows exactly what posting would."""
    check_csrf(request, csrf_token)
    return render(request, "_preview.html", {"preview": render_markdown(body)})


@router.get("/p/{post_id}/edit", response_class=HTMLResponse)
def edit_form(
    post_id: IdPath, request: Request, session: SessionDep, viewer: WebViewer
) -> Response:
    if viewer.user is None:
        return login_first(f"/p/{post_id}/edit")
    post, thread = forum.get_post(session, viewer, post_id)
    perms.check_may_edit_post(session, viewer, thread, post)
    return render(request, "edit_post.html", {"post": post, "thread": thread, "body": post.body})


@router.post("/p/{post_id}/edit", response_model=None)
def edit(
    post_id: IdPath,
    request: Request,
    session: SessionDep,
    viewer: WebViewer,
    csrf_token: CsrfField,
    body: Body = "",  # empty: refused on the form (see new_thread)
    action: Annotated[str, Form(max_length=20)] = "save",
) -> Response:
    check_csrf(request, csrf_token)
    post, thread = forum.get_post(session, viewer, post_id)
    if action == "preview":
        context = {"post": post, "thread": thread, "body": body}
        return render(request, "edit_post.html", {**context, "preview": render_markdown(body)})
    try:
        data = parse_form(PostUpdate, {"body": body})
        forum.edit_post(session, viewer, post_id, data.body)
    except CommunityError as exc:
        return form_error(
            request,
            session,
            "edit_post.html",
            lambda: {"post": post, "thread": thread, "body": body},
            exc,
        )
    return see_other(f"/t/{thread.id}/{thread.slug}#post-{post_id}", flash="post_edited")
