"""The one way a web form answers a refusal: the same page again, what was typed still in
it, the service's message above it; 422, 401 for a failed sign-in, or 429 with Retry-After
when a limit said no.

Refusals about what was typed come back on the form; any other error (not signed in, not
allowed, not found) gets the error page with its own status, as on every other page.
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
    {"nickname_taken", "email_taken", "wrong_password", "invalid_credentials", "proof_required"}
)

# Statuses that tell the browser more than "invalid input": a failed sign-in (401) and a
# limit (429, with Retry-After). Every other refusal of the input is a 422.
_KEPT_STATUS = frozenset({401, 429})

INVALID = N_("Die Eingabe ist ungültig.")


def is_form_refusal(exc: CommunityError) -> bool:
    return exc.status_code in (422, 429) or exc.code in _ABOUT_THE_INPUT


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
    response = render(
        request,
        template,
        {**shown, key: exc.message, "retry_after": retry_after},
        exc.status_code if exc.status_code in _KEPT_STATUS else 422,
    )
    if retry_after is not None:
        response.headers["Retry-After"] = str(retry_after)
    return response


def parse_form(
    schema: type[Model], fields: Mapping[str, Any], messages: Mapping[str, str] | None = None
) -> Model:
    """A form's fields into the API's schema: the same rules on both surfaces. A field the
    schema refuses is an InvalidInput with the message for that field (or a general one),
    so the form shows it like any other refusal."""
    try:
        return schema.model_validate(dict(fields))
    except ValidationError as exc:
        loc = exc.errors()[0].get("loc", ())
        field = str(loc[0]) if loc else ""
        raise InvalidInput((messages or {}).get(field, INVALID)) from None
