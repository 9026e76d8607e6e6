"""The admins' audit log page: one sentence per entry with links, readable changes, filters
and paging. Read-only: the log has no page or route that changes an entry."""

from __future__ import annotations

import json
from datetime import date
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response
from markupsafe import Markup, escape

from community import i18n
from community.db import MAX_ID
from community.deps import SessionDep
from community.i18n import N_
from community.moderation import audit, audit_text
from community.web.deps import WebViewer, login_first
from community.web.pages import render, templates

audit_log_router = APIRouter(include_in_schema=False)

PAGE = 50
BAD_DATE = N_("Bitte geben Sie das Datum als JJJJ-MM-TT an.")


def _sentence(line: audit_text.AuditLine) -> Markup:
    """The translated sentence with its parts escaped, and linked where they exist."""
    values = {}
    for name, part in line.parts.items():
        text = escape(part.text)
        values[name] = Markup('<a href="{}">{}</a>').format(part.href, text) if part.href else text
    return escape(i18n.gettext(line.sentence)) % values


def _action_label(sentence: str) -> str:
    """An action for the filter's choice: its sentence without the names ("hat das Thema
    „…“ geschlossen")."""
    names = dict.fromkeys(audit_text.placeholders(sentence), "…")
    return str(i18n.gettext(sentence) % names).removeprefix("… ")


def _raw(state: object) -> str:
    """Stored state as JSON a person can read: umlauts as they are, indented."""
    return json.dumps(state, ensure_ascii=False, indent=2, sort_keys=True, default=str)


templates.env.filters["audit_sentence"] = _sentence
templates.env.filters["audit_action"] = _action_label
templates.env.filters["audit_raw"] = _raw


def _day(text: str) -> date | None:
    return date.fromisoformat(text) if text else None


@audit_log_router.get("/admin/audit-log", response_class=HTMLResponse)
def audit_log_page(
    request: Request,
    session: SessionDep,
    viewer: WebViewer,
    before_id: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
    actor: Annotated[str, Query(max_length=40)] = "",
    action: Annotated[str, Query(max_length=40)] = "",
    target_type: Annotated[str, Query(max_length=16)] = "",
    since: Annotated[str, Query(max_length=10)] = "",
    until: Annotated[str, Query(max_length=10)] = "",
) -> Response:
    if viewer.user is None:
        return login_first("/admin/audit-log")
    filters = {
        "actor": actor.strip(),
        "action": action if action in audit_text.SENTENCES else "",
        "target_type": target_type if target_type in audit_text.TARGET_TYPES else "",
        "since": since,
        "until": until,
    }
    error = None
    try:
        days = (_day(since), _day(until))
    except ValueError:
        days, error = (None, None), BAD_DATE
    entries = audit.list_entries(
        session,
        viewer,
        before_id=before_id,
        limit=PAGE,
        actor=filters["actor"] or None,
        action=filters["action"] or None,
        target_type=filters["target_type"] or None,
        since=days[0],
        until=days[1],
    )
    kept = {name: value for name, value in filters.items() if value}
    older = None
    if len(entries) == PAGE and entries[-1].id is not None:
        older = "/admin/audit-log?" + urlencode({**kept, "before_id": entries[-1].id})
    return render(
        request,
        "audit_log.html",
        {
            "lines": audit_text.describe(session, entries),
            "filters": filters,
            "actions": audit_text.SENTENCES,
            "target_types": audit_text.TARGET_TYPES,
            "older": older,
            "newest": "/admin/audit-log?" + urlencode(kept) if before_id else None,
            "error": error,
        },
        422 if error else 200,
    )
