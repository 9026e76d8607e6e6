"""/admin/webhooks: admins add, edit, switch, re-key, delete and inspect webhook
endpoints; a refused form keeps what was typed."""

from __future__ import annotations

from functools import partial
from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, Response

from community.accounts.viewer import Viewer
from community.auth import check_csrf
from community.db import MAX_ID
from community.deps import IdPath, SessionDep
from community.errors import CommunityError, InvalidInput
from community.events.catalog import WEBHOOK_TYPES
from community.forum import permissions as perms
from community.i18n import N_
from community.text import CleanStr
from community.web.deps import CsrfField, WebViewer, see_other, staff_gate, staff_write
from community.web.forms import form_error
from community.web.pages import render
from community.webhooks import service as webhooks

admin_webhooks_router = APIRouter(include_in_schema=False)


# What each event means for the receiving system, in the admin's words.
EVENT_LABELS = {
    "thread.created": N_("Eine Frage oder Diskussion wurde eröffnet."),
    "thread.solved": N_("Eine Antwort wurde als Lösung akzeptiert."),
    "thread.unsolved": N_("Die akzeptierte Lösung wurde zurückgenommen oder entfernt."),
    "faq.published": N_("Ein FAQ-Eintrag wurde veröffentlicht."),
    "faq.updated": N_("Der Wortlaut eines veröffentlichten FAQ-Eintrags hat sich geändert."),
    "faq.withdrawn": N_("Ein FAQ-Eintrag gilt nicht mehr; bitte von der Website entfernen."),
    "thread.escalated": N_("Das Team hat eine offene Frage an den Support übergeben."),
    "lead.created": N_(
        "Ein Kunde ist mit der Kontaktaufnahme durch den Vertrieb einverstanden "
        "(das einzige Ereignis mit personenbezogenen Daten)."
    ),
    "lead.consent_withdrawn": N_(
        "Ein Kunde hat die Einwilligung widerrufen; die Daten des Leads löschen."
    ),
    "user.erased": N_("Ein Konto wurde gelöscht; gespeicherte Daten zu diesem Mitglied löschen."),
    "idea.status_changed": N_("Das Team hat einer Idee einen neuen Status gegeben."),
    "article.published": N_("Ein Blog-Artikel ist erschienen."),
    "article.updated": N_("Ein erschienener Blog-Artikel wurde korrigiert."),
    "article.withdrawn": N_(
        "Ein Blog-Artikel wurde zurückgezogen; bitte von der Website entfernen."
    ),
}


def _context(
    session: SessionDep,
    viewer: Viewer,
    form: dict[str, object] | None = None,
    edit: dict[str, object] | None = None,
) -> dict[str, object]:
    """`form`: what was typed into the new endpoint's form; `edit`: into one endpoint's
    (by its id), whose form then stands open."""
    endpoints = webhooks.list_endpoints(session, viewer)
    deliveries = {
        e.id: webhooks.list_deliveries(session, viewer, e.id, limit=10)  # type: ignore[arg-type]
        for e in endpoints
    }
    return {
        "endpoints": endpoints,
        "deliveries": deliveries,
        "types": [(t, EVENT_LABELS.get(t, t)) for t in WEBHOOK_TYPES],
        "form": form or {"url": "", "event_types": []},
        "edit": edit or {},
    }


@admin_webhooks_router.get("/admin/webhooks", response_class=HTMLResponse)
def page(
    request: Request,
    session: SessionDep,
    viewer: WebViewer,
    renewed: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
) -> Response:
    if (gate := staff_gate(viewer, "/admin/webhooks", perms.require_admin)) is not None:
        return gate
    return render(request, "admin_webhooks.html", {**_context(session, viewer), "renewed": renewed})


@admin_webhooks_router.post("/admin/webhooks", response_class=HTMLResponse)
def create(
    request: Request,
    session: SessionDep,
    viewer: WebViewer,
    csrf_token: CsrfField,
    url: Annotated[CleanStr, Form(max_length=2000)] = "",
    event_types: Annotated[list[str] | None, Form()] = None,
) -> Response:
    check_csrf(request, csrf_token)
    staff_write(viewer, perms.require_admin)  # the console's 404 to anyone else
    try:
        webhooks.create_endpoint(session, viewer, url=url, event_types=event_types or [])
    except CommunityError as exc:
        typed: dict[str, object] = {"url": url, "event_types": event_types or []}
        context = partial(_context, session, viewer, typed)
        return form_error(request, session, "admin_webhooks.html", context, exc)
    return see_other("/admin/webhooks", flash="webhook_created")


@admin_webhooks_router.post("/admin/webhooks/{endpoint_id}", response_class=HTMLResponse)
def edit(
    endpoint_id: IdPath,
    request: Request,
    session: SessionDep,
    viewer: WebViewer,
    csrf_token: CsrfField,
    url: Annotated[CleanStr, Form(max_length=2000)] = "",
    event_types: Annotated[list[str] | None, Form()] = None,
) -> Response:
    check_csrf(request, csrf_token)
    staff_write(viewer, perms.require_admin)  # the console's 404 to anyone else
    try:
        webhooks.update_endpoint(
            session, viewer, endpoint_id, url=url, event_types=event_types or []
        )
    except CommunityError as exc:
        typed: dict[str, object] = {"id": endpoint_id, "url": url, "event_types": event_types}
        context = partial(_context, session, viewer, None, typed)
        return form_error(request, session, "admin_webhooks.html", context, exc, key="edit_error")
    # To the top of the page, where the confirmation stands (an anchor scrolled it away).
    return see_other("/admin/webhooks", flash="webhook_saved")


@admin_webhooks_router.post("/admin/webhooks/{endpoint_id}/secret")
def rotate_secret(
    endpoint_id: IdPath,
    request: Request,
    session: SessionDep,
    viewer: WebViewer,
    csrf_token: CsrfField,
) -> Response:
    check_csrf(request, csrf_token)
    staff_write(viewer, perms.require_admin)  # the console's 404 to anyone else
    webhooks.update_endpoint(session, viewer, endpoint_id, rotate_secret=True)
    # The new secret stands open (renewed=): the admin copies it to the receiver now.
    return see_other(f"/admin/webhooks?renewed={endpoint_id}", flash="webhook_secret_rotated")


@admin_webhooks_router.post("/admin/webhooks/{endpoint_id}/delete", response_class=HTMLResponse)
def delete(
    endpoint_id: IdPath,
    request: Request,
    session: SessionDep,
    viewer: WebViewer,
    csrf_token: CsrfField,
    confirm: Annotated[bool, Form()] = False,
) -> Response:
    check_csrf(request, csrf_token)
    staff_write(viewer, perms.require_admin)  # the console's 404 to anyone else
    try:
        if not confirm:
            webhooks.get_endpoint(session, viewer, endpoint_id)  # a missing one is a 404
            raise InvalidInput(N_("Bitte bestätigen Sie das Löschen."), code="not_confirmed")
        webhooks.delete_endpoint(session, viewer, endpoint_id)
    except CommunityError as exc:
        # Nothing typed but the tick: that endpoint's section opens with its stored values.
        context = partial(_context, session, viewer, None, {"id": endpoint_id})
        return form_error(request, session, "admin_webhooks.html", context, exc, key="delete_error")
    return see_other("/admin/webhooks", flash="webhook_deleted")


@admin_webhooks_router.post("/admin/webhooks/{endpoint_id}/active")
def switch(
    endpoint_id: IdPath,
    request: Request,
    session: SessionDep,
    viewer: WebViewer,
    csrf_token: CsrfField,
    active: Annotated[bool, Form()] = False,
) -> Response:
    check_csrf(request, csrf_token)
    staff_write(viewer, perms.require_admin)  # the console's 404 to anyone else
    webhooks.update_endpoint(session, viewer, endpoint_id, active=active)
    return see_other("/admin/webhooks", flash="webhook_on" if active else "webhook_off")


@admin_webhooks_router.post("/admin/webhooks/deliveries/{delivery_id}/redeliver")
def redeliver(
    delivery_id: IdPath,
    request: Request,
    session: SessionDep,
    viewer: WebViewer,
    csrf_token: CsrfField,
) -> Response:
    check_csrf(request, csrf_token)
    staff_write(viewer, perms.require_admin)  # the console's 404 to anyone else
    webhooks.redeliver(session, viewer, delivery_id)
    return see_other("/admin/webhooks", flash="webhook_redelivered")
