"""Examples in the OpenAPI document for the bodies an integrator meets first: the FAQ export,
a page of events, a webhook endpoint and a new thread. tests/api/test_openapi_errors.py
validates each against its schema (and the event payload against docs/events/), so they
cannot drift from the models."""

from __future__ import annotations

from typing import Any

_AUTHOR = {
    "nickname": "Kundin-Berlin",
    "role": "member",
    "is_staff": False,
    "rank": {"key": "newcomer", "name_de": "Neuling", "name_en": "Newcomer"},
    "staff_display_name": None,
}
_THREAD_URL = "https://forum.example.com/t/42-rechnung-als-pdf-exportieren"

FAQ_EXPORT = {
    "items": [
        {
            "id": 7,
            "thread_id": 42,
            "board": "rechnungen",
            "url": _THREAD_URL,
            "public": True,
            "updated_at": "2026-11-27T14:00:00.123456",
            "status": "published",
            "question_title": "Rechnung als PDF exportieren",
            "question": "Wie bekomme ich meine Rechnung als PDF?",
            "answer": "Unter Konto › Rechnungen auf »PDF« klicken.",
            "asker": "Kundin-Berlin",
            "answerer": "Support-Team",
            "revision": 2,
        },
        {
            "id": 3,
            "thread_id": 17,
            "board": "rechnungen",
            "url": "https://forum.example.com/t/17-alte-rechnungsansicht",
            "public": True,
            "updated_at": "2026-11-28T09:30:00.000001",
            "status": "withdrawn",
            "reason": "Die Ansicht gibt es nicht mehr.",
        },
    ],
    "next_cursor": "MjAyNi0xMS0yOFQwOTozMDowMC4wMDAwMDF8Mw==",
}

EVENTS_PAGE = {
    "items": [
        {
            "id": 1041,
            "type": "thread.created",
            "occurred_at": "2026-11-27T14:00:00",
            "payload": {
                "thread_id": 42,
                "post_id": 311,
                "category_id": 3,
                "category_slug": "rechnungen",
                "kind": "question",
                "title": "Rechnung als PDF exportieren",
                "author": "Kundin-Berlin",
                "url": _THREAD_URL,
            },
        }
    ],
    "next_after": 1041,
}

ENDPOINT_CREATE = {
    "url": "https://crm.example.com/hooks/community",
    "event_types": ["thread.created", "thread.solved", "faq.published"],
}
ENDPOINT_CREATED = {
    "id": 5,
    "url": "https://crm.example.com/hooks/community",
    "event_types": ["thread.created", "thread.solved", "faq.published"],
    "active": True,
    "disabled_reason": None,
    "failing_since": None,
    "created_at": "2026-11-27T14:00:00",
    "secret": "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
}

THREAD_CREATE = {
    "category": "rechnungen",
    "kind": "question",
    "title": "Rechnung als PDF exportieren",
    "body": "Wie bekomme ich meine Rechnung als PDF?",
}
THREAD_CREATED = {
    "thread": {
        "id": 42,
        "title": "Rechnung als PDF exportieren",
        "slug": "rechnung-als-pdf-exportieren",
        "url": "/t/42-rechnung-als-pdf-exportieren",
        "kind": "question",
        "category": "rechnungen",
        "author": _AUTHOR,
        "created_at": "2026-11-27T14:00:00",
        "last_post_at": "2026-11-27T14:00:00",
        "last_poster": None,
        "reply_count": 0,
        "kudos_count": 0,
        "solved": False,
        "solution_post_id": None,
        "is_locked": False,
        "duplicate_of_thread_id": None,
        "is_pending": False,
    },
    "post": {
        "id": 311,
        "thread_id": 42,
        "is_opening": True,
        "author": _AUTHOR,
        "body": "Wie bekomme ich meine Rechnung als PDF?",
        "body_html": "<p>Wie bekomme ich meine Rechnung als PDF?</p>",
        "created_at": "2026-11-27T14:00:00",
        "edited_at": None,
        "edit_count": 0,
        "kudos_count": 0,
        "is_solution": False,
        "is_hidden": False,
        "is_deleted": False,
        "hidden_reason": None,
        "is_pending": False,
        "moderation_note": None,
    },
}

# operationId -> (request example or None, success response example)
EXAMPLES: dict[str, tuple[dict[str, Any] | None, dict[str, Any]]] = {
    "faq_export": (None, FAQ_EXPORT),
    "list_events": (None, EVENTS_PAGE),
    "create_endpoint": (ENDPOINT_CREATE, ENDPOINT_CREATED),
    "create_thread": (THREAD_CREATE, THREAD_CREATED),
}

# One example per status for every operation: what each says holds for any of them (an
# operation's scope is named by error_example); the codes and texts of a particular refusal
# are in the operation's description.
ERROR_EXAMPLES: dict[str, dict[str, Any]] = {
    "401": {"error": "not_authenticated", "detail": "Bitte melden Sie sich an."},
    "403": {"error": "forbidden", "detail": "Dafür fehlt Ihnen die Berechtigung."},
    "404": {"error": "not_found", "detail": "Thema nicht gefunden."},
    "409": {"error": "conflict", "detail": "Das passt nicht zum jetzigen Stand."},
    "429": {"error": "rate_limited", "detail": "Zu viele Versuche. Bitte warten Sie kurz."},
    "503": {
        "error": "unavailable",
        "detail": "Das Forum ist vorübergehend nicht erreichbar. Bitte versuchen Sie es in ein "
        "paar Sekunden noch einmal.",
    },
}

# A refused field as pydantic names it: a query parameter of a read, a body field of a write
_INVALID_QUERY = {
    "loc": ["query", "limit"],
    "msg": "Input should be less than or equal to 100",
    "type": "less_than_equal",
}
_INVALID_BODY = {"loc": ["body", "title"], "msg": "Field required", "type": "missing"}


def error_example(code: str, method: str, scope: str | None) -> dict[str, Any]:
    if code == "403" and scope:
        detail = f"Dafür braucht es die Berechtigung {scope}."
        return {"error": "missing_scope", "detail": detail}
    if code == "422":
        field = _INVALID_QUERY if method == "get" else _INVALID_BODY
        return {"error": "invalid_input", "detail": [field]}
    return ERROR_EXAMPLES[code]
