"""One error hierarchy, rendered as JSON under /api and as a page on the web."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


class CommunityError(Exception):
    status_code = 400
    code = "bad_request"
    # Every field a form refused, by name, when a service checked them all (the message
    # and code are the first's, as the API answers): the page marks each field at once.
    fields: dict[str, str] | None = None

    def __init__(self, message: str, status_code: int | None = None, code: str | None = None):
        super().__init__(message)
        self.message = message
        if status_code is not None:
            self.status_code = status_code
        if code is not None:
            self.code = code


class NotFound(CommunityError):
    status_code = 404
    code = "not_found"


class Forbidden(CommunityError):
    status_code = 403
    code = "forbidden"


class NotAuthenticated(CommunityError):
    status_code = 401
    code = "not_authenticated"


class Conflict(CommunityError):
    status_code = 409
    code = "conflict"


class InvalidInput(CommunityError):
    status_code = 422
    code = "invalid_input"


class TooManyRequests(CommunityError):
    status_code = 429
    code = "rate_limited"

    def __init__(self, message: str, retry_after: int = 60, code: str | None = None):
        super().__init__(message, code=code)
        self.retry_after = retry_after


class ServiceUnavailable(CommunityError):
    """A part the request needs (e.g. the search engine) cannot be reached right now."""

    status_code = 503
    code = "service_unavailable"


def check_all(*checks: tuple[str, Callable[[], Any]]) -> list[Any]:
    """Runs each field's check and returns their results in order. Refuses with the first
    refusal of the input (its status, code and message, as the API has always answered),
    carrying every refused field's message in `fields`, so a form marks all of them at
    once instead of one per try. Other errors (not found, forbidden) go through at once."""
    results: list[Any] = []
    refused: list[tuple[str, CommunityError]] = []
    for field, check in checks:
        try:
            results.append(check())
        except (InvalidInput, Conflict) as exc:
            refused.append((field, exc))
            results.append(None)
    if refused:
        first = refused[0][1]
        first.fields = {field: exc.message for field, exc in refused}
        raise first
    return results
