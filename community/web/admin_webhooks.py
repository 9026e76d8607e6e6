"""/admin/webhooks: a simple page for admins to add, switch and inspect webhook endpoints."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from community.api.deps import IdPath, SessionDep
from community.auth import check_csrf
from community.errors import CommunityError
from community.events.catalog import WEBHOOK_TYPES
from community.text import CleanStr
from community.web.pages import render
from community.web.routes import CsrfField, WebViewer
from community.webhooks import service as webhooks

admin_webhooks_router = APIRouter(include_in_schema=False)


def _page(
    request: Request,
    session: SessionDep,
    viewer: WebViewer,
    error: str | None = None,
    status_code: int = 200,
) -> Response:
    endpoints = webhooks.list_endpoints(session, viewer)
    deliveries = {
        e.id: webhooks.list_deliveries(session, viewer, e.id, limit=10)  # type: ignore[arg-type]
        for e in endpoints
    }
    return render(
        request,
        "admin_webhooks.html",
        {"endpoints": endpoints, "deliveries": deliveries, "types": WEBHOOK_TYPES, "error": error},
        status_code=status_code,
    )


@admin_webhooks_router.get("/admin/webhooks", response_class=HTMLResponse)
def page(request: Request, session: SessionDep, viewer: WebViewer) -> Response:
    return _page(request, session, viewer)


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
        if exc.status_code != 422:
            raise
        return _page(request, session, viewer, error=exc.message, status_code=422)
    return RedirectResponse("/admin/webhooks", status_code=303)


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
    return RedirectResponse("/admin/webhooks", status_code=303)


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
    return RedirectResponse("/admin/webhooks", status_code=303)
