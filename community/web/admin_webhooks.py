"""/admin/webhooks: admins add, switch and inspect webhook endpoints; a refused form keeps
what was typed."""

from __future__ import annotations

from functools import partial
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response

from community.accounts.viewer import Viewer
from community.auth import check_csrf
from community.deps import IdPath, SessionDep
from community.errors import CommunityError
from community.events.catalog import WEBHOOK_TYPES
from community.i18n import N_
from community.text import CleanStr
from community.web.deps import CsrfField, WebViewer, see_other
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
    session: SessionDep, viewer: Viewer, form: dict[str, object] | None = None
) -> dict[str, object]:
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
    }


@admin_webhooks_router.get("/admin/webhooks", response_class=HTMLResponse)
def page(request: Request, session: SessionDep, viewer: WebViewer) -> Response:
    return render(request, "admin_webhooks.html", _context(session, viewer))


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
    try:
        webhooks.create_endpoint(session, viewer, url=url, event_types=event_types or [])
    except CommunityError as exc:
        typed: dict[str, object] = {"url": url, "event_types": event_types or []}
        context = partial(_context, session, viewer, typed)
        return form_error(request, session, "admin_webhooks.html", context, exc)
    return see_other("/admin/webhooks")


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
    webhooks.update_endpoint(session, viewer, endpoint_id, active=active)
    return see_other("/admin/webhooks")


@admin_webhooks_router.post("/admin/webhooks/deliveries/{delivery_id}/redeliver")
def redeliver(
    delivery_id: IdPath,
    request: Request,
    session: SessionDep,
    viewer: WebViewer,
    csrf_token: CsrfField,
) -> Response:
    check_csrf(request, csrf_token)
    webhooks.redeliver(session, viewer, delivery_id)
    return see_other("/admin/webhooks")
