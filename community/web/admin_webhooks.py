"""/admin/webhooks: a simple page for admins to add, switch and inspect webhook endpoints."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response

from community.accounts.viewer import Viewer
from community.auth import check_csrf
from community.deps import IdPath, SessionDep
from community.errors import CommunityError
from community.events.catalog import WEBHOOK_TYPES
from community.text import CleanStr
from community.web.deps import CsrfField, WebViewer, see_other
from community.web.forms import form_error
from community.web.pages import render
from community.webhooks import service as webhooks

admin_webhooks_router = APIRouter(include_in_schema=False)


def _context(session: SessionDep, viewer: Viewer) -> dict[str, object]:
    endpoints = webhooks.list_endpoints(session, viewer)
    deliveries = {
        e.id: webhooks.list_deliveries(session, viewer, e.id, limit=10)  # type: ignore[arg-type]
        for e in endpoints
    }
    return {"endpoints": endpoints, "deliveries": deliveries, "types": WEBHOOK_TYPES}


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
        return form_error(request, session, "admin_webhooks.html", _context(session, viewer), exc)
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
