"""Pages of the moderation: the report form on every post, the moderators' queue with
its decisions, the moderator's edit with a visible note, and the admins' audit log.
Plain forms with CSRF, like every other page; every rule lives in the moderation service."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from functools import partial
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Form, Path, Query, Request
from fastapi.responses import HTMLResponse, Response

from community.accounts.viewer import Viewer
from community.auth import check_csrf, client_ip
from community.db import MAX_ID
from community.deps import IdPath, SessionDep
from community.errors import CommunityError, InvalidInput
from community.forum import boards as forum_boards
from community.forum import permissions as perms
from community.forum import service as forum
from community.i18n import N_
from community.moderation import edits
from community.moderation import hidden as moderation_hidden
from community.moderation import pending as moderation_pending
from community.moderation import service as moderation
from community.moderation.models import ReportReason
from community.moderation.schemas import ModeratorEdit, ReportCreate
from community.text import CleanStr
from community.web.deps import CsrfField, WebViewer, login_first, safe_next, see_other
from community.web.flash import DECISIONS
from community.web.forms import form_error, parse_form
from community.web.forum import thread_context
from community.web.pages import render

moderation_web_router = APIRouter(include_in_schema=False)

REASON_LABELS = {
    ReportReason.spam: N_("Spam oder Werbung"),
    ReportReason.insult: N_("Beleidigung"),
    ReportReason.unlawful: N_("Rechtswidriger Inhalt"),
    ReportReason.off_topic: N_("Thema verfehlt"),
    ReportReason.other: N_("Sonstiges"),
}

# Shown after a decision from the queue page (?done=…); on a thread page as a flash.
DONE = DECISIONS

# The schema's refusal of a field, said the way the form says it.
_REPORT_MESSAGES = {
    "reason": N_("Bitte wählen Sie einen Grund."),
    "contact_email": N_("Bitte geben Sie eine gültige E-Mail-Adresse an."),
}


# ---- the report form ---------------------------------------------------------------------------


def _report_context(
    session: SessionDep, viewer: Viewer, post_id: int, form: dict[str, str]
) -> dict[str, object]:
    post, thread = forum.get_post(session, viewer, post_id)
    # Visitors may report unlawful content only (DSA Art. 16); members anything.
    reasons = list(REASON_LABELS) if viewer.user else [ReportReason.unlawful]
    return {
        "post": post,
        "thread": thread,
        "reasons": [(r.value, REASON_LABELS[r]) for r in reasons],
        "form": form,
    }


@moderation_web_router.get("/report/confirm", response_class=HTMLResponse)
def confirm_report_contact(
    request: Request, session: SessionDep, token: Annotated[str, Query(max_length=200)] = ""
) -> Response:
    moderation.confirm_report_contact(session, token)
    return render(
        request,
        "message.html",
        {
            "title": N_("Adresse bestätigt"),
            "message": N_(
                "Sobald das Moderationsteam entschieden hat, erhalten Sie die Entscheidung "
                "an diese Adresse."
            ),
        },
    )


@moderation_web_router.get("/p/{post_id}/report", response_class=HTMLResponse)
def report_form(
    post_id: IdPath, request: Request, session: SessionDep, viewer: WebViewer
) -> Response:
    return render(request, "report.html", _report_context(session, viewer, post_id, {}))


@moderation_web_router.post("/p/{post_id}/report", response_model=None)
def report(
    post_id: IdPath,
    request: Request,
    session: SessionDep,
    viewer: WebViewer,
    csrf_token: CsrfField,
    reason: Annotated[str, Form(max_length=20)] = "",
    comment: Annotated[CleanStr, Form(max_length=2000)] = "",
    contact_email: Annotated[CleanStr, Form(max_length=254)] = "",
) -> Response:
    check_csrf(request, csrf_token)
    form = {"reason": reason, "comment": comment, "contact_email": contact_email}
    # A member's reports are answered by notice; only a visitor's address is taken.
    address = (contact_email or None) if viewer.user is None else None
    try:
        fields = {"reason": reason, "comment": comment, "contact_email": address}
        data = parse_form(ReportCreate, fields, _REPORT_MESSAGES)
        moderation.report_post(
            session,
            viewer,
            post_id,
            reason=data.reason,
            comment=data.comment,
            contact_email=data.contact_email,
            client_ip=client_ip(request),
        )
    except CommunityError as exc:
        context = partial(_report_context, session, viewer, post_id, form)
        return form_error(request, session, "report.html", context, exc)
    _post, thread = forum.get_post(session, viewer, post_id)
    return render(
        request,
        "message.html",
        {
            "title": N_("Vielen Dank für Ihre Meldung"),
            "message": N_(
                "Das Moderationsteam prüft den Beitrag. Über die Entscheidung informieren "
                "wir Sie per E-Mail."
            )
            if viewer.user is not None
            else N_(
                "Das Moderationsteam prüft den Beitrag. Bitte bestätigen Sie Ihre Adresse "
                "mit dem Link in der E-Mail, die wir Ihnen geschickt haben; erst dann "
                "schreiben wir Ihnen die Entscheidung."
            ),
            "back": f"/t/{thread.id}/{thread.slug}#post-{post_id}",
        },
    )


# ---- the moderator's edit (before the queue's /moderation/posts/{id}/{action}) ----------------


@moderation_web_router.get("/moderation/posts/{post_id}/edit", response_class=HTMLResponse)
def moderator_edit_form(
    post_id: IdPath, request: Request, session: SessionDep, viewer: WebViewer
) -> Response:
    if viewer.user is None:
        return login_first(f"/moderation/posts/{post_id}/edit")
    perms.require_moderator(viewer)
    post, thread = forum.get_post(session, viewer, post_id)
    return render(
        request,
        "moderation_edit.html",
        {"post": post, "thread": thread, "body": post.body, "reason": ""},
    )


@moderation_web_router.post("/moderation/posts/{post_id}/edit", response_model=None)
def moderator_edit(
    post_id: IdPath,
    request: Request,
    session: SessionDep,
    viewer: WebViewer,
    csrf_token: CsrfField,
    body: Annotated[CleanStr, Form(max_length=100_000)],
    reason: Reason = "",
) -> Response:
    check_csrf(request, csrf_token)
    perms.require_moderator(viewer)
    post, thread = forum.get_post(session, viewer, post_id)
    try:
        data = parse_form(ModeratorEdit, {"body": body, "reason": reason})
        edits.edit_post(session, viewer, post_id, data.body, data.reason)
    except CommunityError as exc:
        context = {"post": post, "thread": thread, "body": body, "reason": reason}
        return form_error(request, session, "moderation_edit.html", context, exc)
    return see_other(f"/t/{thread.id}/{thread.slug}#post-{post_id}")


# ---- the queue ---------------------------------------------------------------------------------


def _queue_context(
    session: SessionDep, viewer: Viewer, done: str | None = None
) -> dict[str, object]:
    items = moderation.queue(session, viewer)
    return {
        "items": items,
        "reporters": forum.users_by_id(session, (r.reporter_id for i in items for r in i.reports)),
        "pending": moderation_pending.pending(session, viewer),
        "boards": forum_boards.list_categories(session, viewer),
        "reason_labels": {r.value: label for r, label in REASON_LABELS.items()},
        "done": DONE.get(done or ""),
    }


def _queue_targets(context: Mapping[str, Any]) -> dict[str, str]:
    """What the queue page's forms act on (posts, their threads and authors), each with the
    first queue item that holds its form: the refused form is opened there, and the message
    on top links to it."""
    found: dict[str, str] = {}
    for item in context["items"]:
        anchor = f"q-{item.post.id}"
        for target in (str(item.post.id), str(item.thread.id), item.author.nickname):
            found.setdefault(target, anchor)
    for item in context["pending"]:
        found.setdefault(str(item.post.id), f"pending-{item.post.id}")
    return found


@moderation_web_router.get("/moderation", response_class=HTMLResponse)
def queue_page(
    request: Request,
    session: SessionDep,
    viewer: WebViewer,
    done: Annotated[str | None, Query(max_length=20)] = None,
) -> Response:
    if viewer.user is None:
        return login_first("/moderation")
    perms.require_moderator(viewer)
    return render(request, "moderation.html", _queue_context(session, viewer, done))


def _decided(
    request: Request,
    session: SessionDep,
    viewer: Viewer,
    action: str,
    run: Callable[[], object],
    back: str = "",
    refused: Callable[[CommunityError], Response] | None = None,
    *,
    target: object = None,
    form: Mapping[str, object] | None = None,
) -> Response:
    """Run a decision; a refused one shows the page it came from again with the reason: the
    queue, or the thread page when the form came from a post's moderation tools (`back`).
    In the queue, the refused form (`action` on `target`) is open, with the message beside
    it and what was typed in it."""
    try:
        run()
    except CommunityError as exc:
        if back and refused is not None:
            return refused(exc)

        def queue_again() -> dict[str, object]:
            context = _queue_context(session, viewer)
            anchor = _queue_targets(context).get(str(target))
            if anchor is None:
                return context  # a form not in the queue (any more): the message on top
            values = dict(form or {})
            kept = {"action": action, "target": str(target), "values": values, "anchor": anchor}
            return {**context, "kept": kept}

        return form_error(request, session, "moderation.html", queue_again, exc)
    if back.startswith("/t/"):  # the thread page the form came from, saying what was done
        return see_other(safe_next(back), flash=f"decided_{action}")
    # The queue, or a page whose address says it (/moderation/hidden?done=restore)
    return see_other(safe_next(back) if back else f"/moderation?done={action}")


def _refused_on_thread(
    request: Request,
    session: SessionDep,
    viewer: Viewer,
    thread_id: int,
    post_id: int,
    action: str,
    form: dict[str, str],
) -> Callable[[CommunityError], Response]:
    """The thread page again, the refused post's tools open with the message and the text."""

    def context() -> dict[str, object]:
        thread = forum.get_thread(session, viewer, thread_id)
        return {
            **thread_context(session, viewer, thread),
            "mod_post": post_id,
            "mod_action": action,
            "mod_form": form,
        }

    return lambda exc: form_error(request, session, "thread.html", context, exc, key="mod_error")


PostAction = Literal["hide", "restore", "delete", "dismiss", "approve", "reject"]
ThreadAction = Literal["lock", "unlock", "move", "duplicate", "not-duplicate"]
UserAction = Literal["suspend", "ban", "unsuspend"]
Reason = Annotated[CleanStr, Form(max_length=1000)]
# Where a form from a post's moderation tools returns to (a path on this site).
Back = Annotated[str, Form(max_length=500)]


@moderation_web_router.post("/moderation/posts/{post_id}/{action}", response_model=None)
def post_decision(
    post_id: IdPath,
    action: PostAction,
    request: Request,
    session: SessionDep,
    viewer: WebViewer,
    csrf_token: CsrfField,
    reason: Reason = "",
    back: Back = "",
) -> Response:
    check_csrf(request, csrf_token)
    perms.require_moderator(viewer)
    calls = {
        "hide": moderation.hide_post,
        "restore": moderation.restore_post,
        "delete": moderation.delete_post,
        "dismiss": moderation.dismiss_reports,
        "approve": moderation_pending.approve_post,
        "reject": moderation_pending.reject_post,
    }
    call = calls[action]
    refused = None
    if back.startswith("/t/"):
        post, _thread = moderation.moderated_post(session, viewer, post_id)
        refused = _refused_on_thread(
            request, session, viewer, post.thread_id, post_id, action, {"reason": reason}
        )
    return _decided(
        request,
        session,
        viewer,
        action,
        lambda: call(session, viewer, post_id, reason),
        back,
        refused,
        target=post_id,
        form={"reason": reason},
    )


def _thread_number(text: str) -> int:
    """The original as a number or a thread link (…/t/123/slug)."""
    found = re.search(r"/t/(\d+)", text) or re.fullmatch(r"\s*#?(\d+)\s*", text)
    if found is None or not 1 <= int(found.group(1)) <= MAX_ID:
        raise InvalidInput(N_("Bitte geben Sie die Nummer oder den Link des Original-Themas an."))
    return int(found.group(1))


@moderation_web_router.post("/moderation/threads/{thread_id}/{action}", response_model=None)
def thread_decision(
    thread_id: IdPath,
    action: ThreadAction,
    request: Request,
    session: SessionDep,
    viewer: WebViewer,
    csrf_token: CsrfField,
    reason: Reason = "",
    category: Annotated[CleanStr, Form(max_length=60)] = "",
    original: Annotated[CleanStr, Form(max_length=500)] = "",
    back: Back = "",
) -> Response:
    check_csrf(request, csrf_token)
    perms.require_moderator(viewer)

    def run() -> None:
        if action in ("lock", "unlock"):
            moderation.set_locked(session, viewer, thread_id, action == "lock", reason)
        elif action == "move":
            moderation.move_thread(session, viewer, thread_id, category, reason)
        elif action == "duplicate":
            edits.mark_duplicate(session, viewer, thread_id, _thread_number(original), reason)
        else:
            edits.unmark_duplicate(session, viewer, thread_id, reason)

    refused = None
    if back.startswith("/t/"):
        opening = forum.opening_post(session, forum.get_thread(session, viewer, thread_id))
        assert opening.id is not None
        form = {"reason": reason, "original": original, "category": category}
        refused = _refused_on_thread(request, session, viewer, thread_id, opening.id, action, form)
    typed = {"reason": reason, "original": original, "category": category}
    return _decided(
        request, session, viewer, action, run, back, refused, target=thread_id, form=typed
    )


@moderation_web_router.post("/moderation/users/{nickname}/{action}", response_model=None)
def user_decision(
    nickname: Annotated[str, Path(max_length=40)],
    action: UserAction,
    request: Request,
    session: SessionDep,
    viewer: WebViewer,
    csrf_token: CsrfField,
    reason: Reason = "",
    days: Annotated[int, Form(ge=1, le=3650)] = 7,
) -> Response:
    check_csrf(request, csrf_token)
    perms.require_moderator(viewer)

    def run() -> None:
        if action == "suspend":
            moderation.suspend_user(session, viewer, nickname, days=days, reason=reason)
        elif action == "ban":
            moderation.ban_user(session, viewer, nickname, reason=reason)
        else:
            moderation.unsuspend_user(session, viewer, nickname, reason=reason)

    typed = {"reason": reason, "days": days}
    return _decided(request, session, viewer, action, run, target=nickname, form=typed)


# ---- hidden and deleted posts -------------------------------------------------------------------

HIDDEN_PAGE = 50


@moderation_web_router.get("/moderation/hidden", response_class=HTMLResponse)
def hidden_page(
    request: Request,
    session: SessionDep,
    viewer: WebViewer,
    before_id: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
    done: Annotated[str | None, Query(max_length=20)] = None,
) -> Response:
    if viewer.user is None:
        return login_first("/moderation/hidden")
    items = moderation_hidden.hidden_posts(session, viewer, before_id=before_id, limit=HIDDEN_PAGE)
    return render(
        request,
        "moderation_hidden.html",
        {
            "items": items,
            "next_before": items[-1].post.id if len(items) == HIDDEN_PAGE else None,
            "done": DONE.get(done or ""),
        },
    )
