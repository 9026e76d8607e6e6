"""The one way a web form answers a refusal: the same page again, what was typed still in
it, the service's message above it; 422, 401 for a failed sign-in, or 429 with Retry-After
when a limit said no.

Refusals about what was typed come back on the form, with `error_field` naming the field
they are about (templates show the message there); so does a member's unconfirmed address
(403), so the text is not lost. Any other error (not signed in, not allowed, not found)
gets the error page with its own status, as on every other page.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from fastapi import Request
from fastapi.responses import Response
from pydantic import BaseModel, ValidationError
from sqlmodel import Session

from community.errors import CommunityError, InvalidInput, TooManyRequests
from community.i18n import N_
from community.web.pages import render

Model = TypeVar("Model", bound=BaseModel)

# Refusals that name something typed into the form, whatever their status in the API.
_ABOUT_THE_INPUT = frozenset(
    {
        "nickname_taken",
        "email_taken",
        "wrong_password",
        "invalid_credentials",
        "proof_required",
        "group_exists",
        "group_name_taken",
        "category_exists",
        "webhook_exists",
    }
)

# Refusals that are not about the input but are still answered on the form, with their own
# status, so the text typed is not lost (a member who has not confirmed the address yet, an
# admin changing their own role or erasing the last admin account, a post reported twice).
_ON_THE_FORM = frozenset(
    {
        "email_not_verified",
        "own_role",
        "last_admin",
        "already_reported",
        # A thread closed, held or closed as a duplicate while the reply was being
        # written: the thread page shows the text to copy.
        "thread_locked",
        "thread_pending",
        "thread_duplicate",
    }
)

# Statuses that tell the browser more than "invalid input": a failed sign-in (401) and a
# limit (429, with Retry-After). Every other refusal of the input is a 422.
_KEPT_STATUS = frozenset({401, 429})

# The form field a refusal is about, by its code, so the page shows it there.
_FIELD_OF_CODE = {
    "invalid_title": "title",
    "invalid_body": "body",
    "board_required": "category",
    "email_not_verified": "body",
    "group_exists": "slug",
    "group_name_taken": "name",
    "category_exists": "slug",
    "invalid_nickname": "nickname",
    "nickname_taken": "nickname",
    "weak_password": "password",
}

INVALID = N_("Die Eingabe ist ungültig.")


def is_form_refusal(exc: CommunityError) -> bool:
    return exc.status_code in (422, 429) or exc.code in _ABOUT_THE_INPUT | _ON_THE_FORM


def field_errors(exc: CommunityError) -> dict[str, str]:
    """Each refused field's message: all of them when the service checked them all, else
    the one field the refusal names."""
    if exc.fields:
        return dict(exc.fields)
    field = error_field(exc)
    return {field: exc.message} if field else {}


def error_field(exc: CommunityError) -> str | None:
    """The field the refusal names: by its code, or `invalid_field_<name>` from parse_form."""
    if exc.code in _FIELD_OF_CODE:
        return _FIELD_OF_CODE[exc.code]
    prefix = "invalid_field_"
    return exc.code.removeprefix(prefix) if exc.code.startswith(prefix) else None


def form_error(
    request: Request,
    session: Session,
    template: str,
    context: Mapping[str, Any] | Callable[[], Mapping[str, Any]],
    exc: CommunityError,
    *,
    key: str = "error",
) -> Response:
    """The form again after `exc`; re-raises what is not a refusal of the input.

    Rolls back first, so nothing is half-saved; `context` may be a function, called after
    the rollback, when the page shows stored values beside the typed ones."""
    if not is_form_refusal(exc):
        raise exc
    session.rollback()
    retry_after = exc.retry_after if isinstance(exc, TooManyRequests) else None
    shown = context() if callable(context) else context
    kept = exc.status_code in _KEPT_STATUS or exc.code in _ON_THE_FORM
    response = render(
        request,
        template,
        {
            **shown,
            key: exc.message,
            "retry_after": retry_after,
            "error_field": error_field(exc),
            "field_errors": field_errors(exc),
            "error_code": exc.code,
        },
        exc.status_code if kept else 422,
    )
    if retry_after is not None:
        response.headers["Retry-After"] = str(retry_after)
    return response


def parse_form(
    schema: type[Model], fields: Mapping[str, Any], messages: Mapping[str, str] | None = None
) -> Model:
    """A form's fields into the API's schema: the same rules on both surfaces. A field the
    schema refuses is an InvalidInput with the message for that field (or a general one),
    so the form shows it like any other refusal. Only the schema's own fields are read: a
    form may hold fields for another schema too (a settings body refuses unknown ones)."""
    own = {name: value for name, value in fields.items() if name in schema.model_fields}
    try:
        return schema.model_validate(own)
    except ValidationError as exc:
        refused: dict[str, str] = {}
        for error in exc.errors():
            loc = error.get("loc", ())
            name = str(loc[0]) if loc else ""
            refused.setdefault(name, (messages or {}).get(name, INVALID))
        field, message = next(iter(refused.items()))
        invalid = InvalidInput(message, code=f"invalid_field_{field}" if field else None)
        invalid.fields = {name: text for name, text in refused.items() if name}
        raise invalid from None
