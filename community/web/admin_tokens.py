"""/admin/tokens: integration tokens for other systems (the CRM reading the FAQ export,
the events and the leads). Admins create one, see its secret once (on the answer to the
form; only its hash is stored) and revoke it. Admins only, as in the API; the rules and
the audit entries are in the services."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response

from community.accounts import admin
from community.accounts import service as accounts
from community.accounts.models import GROUP_FAQ_SCOPE
from community.accounts.schemas import ApiTokenCreate
from community.accounts.viewer import Viewer
from community.auth import check_csrf
from community.deps import IdPath, SessionDep
from community.errors import CommunityError
from community.forum import permissions as perms
from community.i18n import N_
from community.text import CleanStr
from community.web.deps import CsrfField, WebViewer, see_other, staff_gate, staff_write
from community.web.forms import form_error, parse_form
from community.web.pages import render

admin_tokens_router = APIRouter(include_in_schema=False)

# What each scope lets the other system read, in the admin's words.
SCOPE_LABELS = {
    "faq:read": N_("Den FAQ-Export der öffentlichen Bereiche lesen."),
    "events:read": N_("Die Ereignisse lesen (dieselben wie bei den Webhooks)."),
    "leads:read": N_(
        "Die Leads lesen: Kontaktdaten von Kunden, die einer Kontaktaufnahme zugestimmt haben."
    ),
}
_MESSAGES = {
    "name": N_("Der Name braucht 1 bis 100 Zeichen."),
    "scopes": N_("Bitte höchstens 10 Berechtigungen wählen."),
}


def _context(
    session: SessionDep, viewer: Viewer, form: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    return {
        "tokens": admin.list_tokens(session, viewer),
        "groups": [group for group, _count in accounts.list_groups(session)],
        "scope_labels": SCOPE_LABELS,
        "group_scope": GROUP_FAQ_SCOPE,
        "form": form or {"name": "", "scopes": [], "groups": []},
    }


@admin_tokens_router.get("/admin/tokens", response_class=HTMLResponse)
def page(request: Request, session: SessionDep, viewer: WebViewer) -> Response:
    if (gate := staff_gate(viewer, "/admin/tokens", perms.require_admin)) is not None:
        return gate
    return render(request, "admin_tokens.html", _context(session, viewer))


@admin_tokens_router.post("/admin/tokens", response_class=HTMLResponse)
def create(
    request: Request,
    session: SessionDep,
    viewer: WebViewer,
    csrf_token: CsrfField,
    name: Annotated[CleanStr, Form(max_length=200)] = "",
    scopes: Annotated[list[str] | None, Form()] = None,
    groups: Annotated[list[str] | None, Form()] = None,
) -> Response:
    check_csrf(request, csrf_token)
    staff_write(viewer, perms.require_admin)
    form = {"name": name, "scopes": scopes or [], "groups": groups or []}
    wanted = [*form["scopes"], *(GROUP_FAQ_SCOPE + slug for slug in form["groups"])]
    try:
        data = parse_form(ApiTokenCreate, {"name": name, "scopes": wanted}, _MESSAGES)
        token, raw = admin.create_token(session, viewer, name=data.name, scopes=data.scopes)
    except CommunityError as exc:
        context = lambda: _context(session, viewer, form)  # noqa: E731
        return form_error(request, session, "admin_tokens.html", context, exc)
    # The secret is on this answer only (never in a redirect's address or a cookie): the
    # admin copies it now, and no cache keeps it.
    response = render(
        request, "admin_tokens.html", {**_context(session, viewer), "created": (token, raw)}
    )
    response.headers["Cache-Control"] = "no-store"
    return response


@admin_tokens_router.post("/admin/tokens/{token_id}/revoke")
def revoke(
    token_id: IdPath,
    request: Request,
    session: SessionDep,
    viewer: WebViewer,
    csrf_token: CsrfField,
) -> Response:
    check_csrf(request, csrf_token)
    staff_write(viewer, perms.require_admin)
    admin.revoke_token(session, viewer, token_id)
    return see_other("/admin/tokens", flash="token_revoked")
