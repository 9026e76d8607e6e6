"""Pages of the moderation: the report form on every post, the moderators' queue with
its decisions, the moderator's edit with a visible note, and the admins' audit log.
Plain forms with CSRF, like every other page; every rule lives in the moderation service."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Annotated, Literal

from fastapi import APIRouter, Form, Path, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import EmailStr, TypeAdapter, ValidationError

from community.accounts.viewer import Viewer
from community.api.deps import IdPath, SessionDep
from community.auth import check_csrf, client_ip
from community.db import MAX_ID
from community.errors import CommunityError, InvalidInput
from community.forum import permissions as perms
from community.forum import service as forum
from community.moderation import audit
from community.moderation import service as moderation
from community.moderation.models import ReportReason
from community.text import CleanStr
from community.web.i18n import N_
from community.web.pages import render
from community.web.routes import CsrfField, WebViewer

moderation_web_router = APIRouter(include_in_schema=False)

REASON_LABELS = {
    ReportReason.spam: N_("Spam oder Werbung"),
    ReportReason.insult: N_("Beleidigung"),
    ReportReason.unlawful: N_("Rechtswidriger Inhalt"),
    ReportReason.off_topic: N_("Thema verfehlt"),
    ReportReason.other: N_("Sonstiges"),
}

# Shown after a decision from the queue page (?done=…).
DONE = {
    "hide": N_("Der Beitrag ist ausgeblendet."),
    "restore": N_("Der Beitrag ist wiederhergestellt."),
    "delete": N_("Der Beitrag ist gelöscht."),
    "dismiss": N_("Die Meldungen sind abgewiesen."),
    "approve": N_("Der Beitrag ist freigegeben."),
    "reject": N_("Der Beitrag ist abgelehnt."),
    "lock": N_("Das Thema ist geschlossen."),
    "unlock": N_("Das Thema ist wieder offen."),
    "move": N_("Das Thema ist verschoben."),
    "duplicate": N_("Das Thema ist als Duplikat geschlossen."),
    "not-duplicate": N_("Das Thema ist kein Duplikat mehr."),
    "suspend": N_("Das Mitglied ist vorübergehend gesperrt."),
    "ban": N_("Das Mitglied ist dauerhaft gesperrt."),
    "unsuspend": N_("Die Sperre ist aufgehoben."),
}

_email = TypeAdapter(EmailStr)


def _see_other(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


# ---- the report form ---------------------------------------------------------------------------


def _report_page(
    request: Request,
    session: SessionDep,
    viewer: Viewer,
    post_id: int,
    form: dict[str, str],
    error: str | None = None,
    status_code: int = 200,
) -> Response:
    post, thread = forum.get_post(session, viewer, post_id)
    # Visitors may report unlawful content only (DSA Art. 16); members anything.
    reasons = list(REASON_LABELS) if viewer.user else [ReportReason.unlawful]
    return render(
        request,
        "report.html",
        {
            "post": post,
            "thread": thread,
            "reasons": [(r.value, REASON_LABELS[r]) for r in reasons],
            "form": form,
            "error": error,
        },
        status_code,
    )


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
    return _report_page(request, session, viewer, post_id, {})


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
    try:
        try:
            chosen = ReportReason(reason)
        except ValueError:
            raise InvalidInput(N_("Bitte wählen Sie einen Grund.")) from None
        address = None
        if viewer.user is None and contact_email:
            try:
                address = str(_email.validate_python(contact_email))
            except ValidationError:
                raise InvalidInput(N_("Bitte geben Sie eine gültige E-Mail-Adresse an.")) from None
        moderation.report_post(
            session,
            viewer,
            post_id,
            reason=chosen,
            comment=comment,
            contact_email=address,
            client_ip=client_ip(request),
        )
    except CommunityError as exc:
        if exc.status_code not in (403, 409, 422, 429):
            raise
        session.rollback()
        return _report_page(request, session, viewer, post_id, form, exc.message, exc.status_code)
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
        return _see_other(f"/login?next=/moderation/posts/{post_id}/edit")
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
        moderation.edit_post(session, viewer, post_id, body, reason)
    except CommunityError as exc:
        if exc.status_code != 422:
            raise
        session.rollback()
        return render(
            request,
            "moderation_edit.html",
            {"post": post, "thread": thread, "body": body, "reason": reason, "error": exc.message},
            422,
        )
    return _see_other(f"/t/{thread.id}/{thread.slug}#post-{post_id}")


# ---- the queue ---------------------------------------------------------------------------------


def _queue_page(
    request: Request,
    session: SessionDep,
    viewer: Viewer,
    *,
    done: str | None = None,
    error: str | None = None,
    status_code: int = 200,
) -> Response:
    items = moderation.queue(session, viewer)
    held = moderation.pending(session, viewer)
    return render(
        request,
        "moderation.html",
        {
            "items": items,
            "reporters": forum.users_by_id(
                session, (r.reporter_id for i in items for r in i.reports)
            ),
            "pending": held,
            "boards": forum.list_categories(session, viewer),
            "reason_labels": {r.value: label for r, label in REASON_LABELS.items()},
            "done": DONE.get(done or ""),
            "error": error,
        },
        status_code,
    )


@moderation_web_router.get("/moderation", response_class=HTMLResponse)
def queue_page(
    request: Request,
    session: SessionDep,
    viewer: WebViewer,
    done: Annotated[str | None, Query(max_length=20)] = None,
) -> Response:
    if viewer.user is None:
        return _see_other("/login?next=/moderation")
    perms.require_moderator(viewer)
    return _queue_page(request, session, viewer, done=done)


def _decided(
    request: Request, session: SessionDep, viewer: Viewer, action: str, run: Callable[[], object]
) -> Response:
    """Run a decision; a refused one shows the queue again with the reason."""
    try:
        run()
    except CommunityError as exc:
        if exc.status_code not in (404, 409, 422):
            raise
        session.rollback()
        return _queue_page(request, session, viewer, error=exc.message, status_code=exc.status_code)
    return _see_other(f"/moderation?done={action}")


PostAction = Literal["hide", "restore", "delete", "dismiss", "approve", "reject"]
ThreadAction = Literal["lock", "unlock", "move", "duplicate", "not-duplicate"]
UserAction = Literal["suspend", "ban", "unsuspend"]
Reason = Annotated[CleanStr, Form(max_length=1000)]


@moderation_web_router.post("/moderation/posts/{post_id}/{action}", response_model=None)
def post_decision(
    post_id: IdPath,
    action: PostAction,
    request: Request,
    session: SessionDep,
    viewer: WebViewer,
    csrf_token: CsrfField,
    reason: Reason = "",
) -> Response:
    check_csrf(request, csrf_token)
    perms.require_moderator(viewer)
    calls = {
        "hide": moderation.hide_post,
        "restore": moderation.restore_post,
        "delete": moderation.delete_post,
        "dismiss": moderation.dismiss_reports,
        "approve": moderation.approve_post,
        "reject": moderation.reject_post,
    }
    call = calls[action]
    return _decided(
        request, session, viewer, action, lambda: call(session, viewer, post_id, reason)
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
) -> Response:
    check_csrf(request, csrf_token)
    perms.require_moderator(viewer)

    def run() -> None:
        if action in ("lock", "unlock"):
            moderation.set_locked(session, viewer, thread_id, action == "lock", reason)
        elif action == "move":
            moderation.move_thread(session, viewer, thread_id, category, reason)
        elif action == "duplicate":
            moderation.mark_duplicate(session, viewer, thread_id, _thread_number(original), reason)
        else:
            moderation.unmark_duplicate(session, viewer, thread_id, reason)

    return _decided(request, session, viewer, action, run)


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

    return _decided(request, session, viewer, action, run)


# ---- the audit log ----------------------------------------------------------------------------


@moderation_web_router.get("/admin/audit-log", response_class=HTMLResponse)
def audit_log_page(
    request: Request,
    session: SessionDep,
    viewer: WebViewer,
    before_id: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
) -> Response:
    """Read-only: the log has no page or route that changes an entry."""
    if viewer.user is None:
        return _see_other("/login?next=/admin/audit-log")
    entries = audit.list_entries(session, viewer, before_id=before_id, limit=100)
    return render(
        request,
        "audit_log.html",
        {"entries": entries, "next_before": entries[-1].id if len(entries) == 100 else None},
    )
