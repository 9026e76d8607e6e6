"""The public FAQ page of a board (a public board's published entries only), and the
curators' pages: drafts per board, editing with a preview, publishing under the four-eyes
rule, withdrawing. Every rule is the FAQ service's; a curator sees the entries of the boards
they may see."""

from __future__ import annotations

import json
from functools import partial
from typing import Annotated, Literal

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import select
from sqlmodel import col

from community.accounts.viewer import Viewer
from community.auth import check_csrf
from community.config import get_settings
from community.deps import IdPath, SessionDep
from community.errors import CommunityError
from community.faq import formats
from community.faq import service as faq
from community.faq.models import FaqEntry, FaqStatus
from community.forum import boards
from community.forum import service as forum
from community.forum.markdown import render_markdown
from community.forum.models import Thread
from community.i18n import N_
from community.moderation import audit_text
from community.text import CleanStr
from community.web.deps import CsrfField, WebViewer, login_first, see_other
from community.web.forms import form_error
from community.web.pages import render

faq_web_router = APIRouter(include_in_schema=False)


@faq_web_router.get("/c/{slug}/faq", response_class=HTMLResponse)
def board_faq(slug: str, request: Request, session: SessionDep, viewer: WebViewer) -> Response:
    category = boards.get_category(session, viewer, slug)  # 404 for a closed board's outsiders
    assert category.id is not None
    items = faq.public_entries(session, category.id)
    entries = [
        {
            "title": i.entry.published_title,
            "question_html": render_markdown(i.entry.published_question or ""),
            "answer_html": render_markdown(i.entry.published_answer or ""),
            "url": i.url,
            "answerer": i.entry.answerer,
        }
        for i in items
    ]
    jsonld = json.dumps(formats.as_jsonld(items), ensure_ascii=False).replace("</", "<\\/")
    return render(
        request, "faq_board.html", {"category": category, "entries": entries, "jsonld": jsonld}
    )


# ---- curation (/admin/faq): drafts per board, edit with preview, four-eyes publish, withdraw --

DONE = {
    "saved": N_("Der Entwurf ist gespeichert."),
    "published": N_("Der Eintrag ist veröffentlicht."),
    "withdrawn": N_("Der Eintrag ist zurückgezogen."),
}
Text = Annotated[CleanStr, Form(max_length=20_000)]


def _curation_context(session: SessionDep, viewer: Viewer) -> dict[str, object]:
    waiting = faq.list_for_curation(session, viewer)
    live = faq.list_for_curation(session, viewer, (FaqStatus.published,))
    entries = waiting + live
    threads = {
        t.id: t
        for t in session.execute(
            select(Thread).where(col(Thread.id).in_({e.thread_id for e in entries}))
        ).scalars()
    }
    board_names = {b.id: b for b in boards.list_categories(session, viewer)}
    editors = forum.users_by_id(session, (e.last_editor_id for e in entries if e.last_editor_id))
    by_board: dict[int, list[dict[str, object]]] = {}
    for e in waiting:
        by_board.setdefault(e.category_id, []).append(
            {
                "entry": e,
                "thread": threads.get(e.thread_id),
                "editor": editors.get(e.last_editor_id) if e.last_editor_id else None,
                "refusal": faq.publish_refusal(viewer, e),
            }
        )
    return {
        "boards": [(board_names[c], items) for c, items in by_board.items() if c in board_names],
        "live": [(e, threads.get(e.thread_id), board_names.get(e.category_id)) for e in live],
        "four_eyes": get_settings().faq_four_eyes,
    }


@faq_web_router.get("/admin/faq", response_class=HTMLResponse)
def curation_page(
    request: Request,
    session: SessionDep,
    viewer: WebViewer,
    done: Annotated[str | None, Query(max_length=20)] = None,
) -> Response:
    if viewer.user is None:
        return login_first("/admin/faq")
    context = {**_curation_context(session, viewer), "done": DONE.get(done or "")}
    return render(request, "admin_faq.html", context)


def _entry_context(
    session: SessionDep, viewer: Viewer, entry: FaqEntry, form: dict[str, str] | None = None
) -> dict[str, object]:
    form = form or {
        "question_title": entry.question_title,
        "question_text": entry.question_text,
        "answer_text": entry.answer_text,
    }
    thread = session.get(Thread, entry.thread_id)
    editors = forum.users_by_id(session, [entry.last_editor_id] if entry.last_editor_id else [])
    return {
        "entry": entry,
        "thread": thread,
        "form": form,
        "editor": editors.get(entry.last_editor_id) if entry.last_editor_id else None,
        "refusal": faq.publish_refusal(viewer, entry),
        "four_eyes": get_settings().faq_four_eyes,
        "history": audit_text.describe(session, faq.entry_history(session, entry)),
    }


@faq_web_router.get("/admin/faq/{faq_id}", response_class=HTMLResponse)
def entry_page(
    faq_id: IdPath,
    request: Request,
    session: SessionDep,
    viewer: WebViewer,
    done: Annotated[str | None, Query(max_length=20)] = None,
) -> Response:
    if viewer.user is None:
        return login_first(f"/admin/faq/{faq_id}")
    entry = faq.get_entry(session, viewer, faq_id)
    context = {**_entry_context(session, viewer, entry), "done": DONE.get(done or "")}
    return render(request, "admin_faq_entry.html", context)


@faq_web_router.post("/admin/faq/{faq_id}", response_model=None)
def save_entry(
    faq_id: IdPath,
    request: Request,
    session: SessionDep,
    viewer: WebViewer,
    csrf_token: CsrfField,
    question_title: Annotated[CleanStr, Form(max_length=300)] = "",
    question_text: Text = "",
    answer_text: Text = "",
    action: Annotated[str, Form(max_length=10)] = "save",
) -> Response:
    """Saves, or with action=preview shows the public entry as it would read, unsaved."""
    check_csrf(request, csrf_token)
    entry = faq.get_entry(session, viewer, faq_id)
    form = {
        "question_title": question_title,
        "question_text": question_text,
        "answer_text": answer_text,
    }
    if action == "preview":
        context = {
            **_entry_context(session, viewer, entry, form),
            "preview": {
                "question_html": render_markdown(question_text),
                "answer_html": render_markdown(answer_text),
            },
        }
        return render(request, "admin_faq_entry.html", context)
    try:
        faq.edit(session, viewer, faq_id, **form)
    except CommunityError as exc:
        again = partial(_entry_context, session, viewer, entry, form)
        return form_error(request, session, "admin_faq_entry.html", again, exc)
    return see_other(f"/admin/faq/{faq_id}?done=saved")


@faq_web_router.post("/admin/faq/{faq_id}/{action}", response_model=None)
def decide_entry(
    faq_id: IdPath,
    action: Literal["publish", "withdraw"],
    request: Request,
    session: SessionDep,
    viewer: WebViewer,
    csrf_token: CsrfField,
) -> Response:
    check_csrf(request, csrf_token)
    if action == "publish":
        faq.publish(session, viewer, faq_id)
        return see_other("/admin/faq?done=published")
    faq.withdraw(session, viewer, faq_id)
    return see_other("/admin/faq?done=withdrawn")
