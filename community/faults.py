"""What a request answers when something it needs fails.

- The database unreachable, too slow or out of connections: 503 with Retry-After ("temporarily
  unavailable", a page or `{"error": "unavailable"}` under /api), never a 500. The request's
  transaction was rolled back by the session dependency, so nothing is half-written.
- Any other unexpected error: the app's 500 answer, given here instead of by Starlette's
  outermost error layer, which re-raises after answering and so makes uvicorn close the
  keep-alive connection (the client's next request on it would meet a reset)."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response
from starlette.middleware import Middleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from community.db import DATABASE_FAULTS
from community.errors import CommunityError, ServiceUnavailable
from community.i18n import N_, api_locale, translate
from community.web.pages import error_page

log = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = 5
UNAVAILABLE = N_(
    "Das Forum ist vorübergehend nicht erreichbar. Bitte versuchen Sie es in ein paar "
    "Sekunden noch einmal."
)


async def database_unavailable(request: Request, exc: Exception) -> Response:
    log.warning(
        "database unavailable on %s %s: %s",
        request.method,
        request.url.path,
        str(exc).splitlines()[0] if str(exc) else type(exc).__name__,
    )
    headers = {"Retry-After": str(RETRY_AFTER_SECONDS)}
    if request.url.path.startswith("/api/"):
        locale = api_locale(request)
        headers["Content-Language"] = locale
        return JSONResponse(
            {"error": "unavailable", "detail": translate(UNAVAILABLE, locale)},
            status_code=503,
            headers=headers,
        )
    # The page must not ask the database who is signed in (the header's bell, the footer).
    request.state.viewer = None
    return error_page(request, 503, UNAVAILABLE, headers)


class AnswerUnexpectedErrors:
    """Innermost middleware: an exception no handler took becomes the app's own 500 answer
    (its handler for Exception) while the connection stays open. An answer already begun
    cannot be replaced: then the error goes on, and the connection is closed."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, tracking_send)
        except Exception as exc:
            handler = scope["app"].exception_handlers.get(Exception)
            if started or handler is None:
                raise
            response = await handler(Request(scope, receive), exc)
            await response(scope, receive, send)


class KeepConnectionAfterAnswer:
    """Outermost of all, outside Starlette's error layer: that layer answers 500 for an
    exception from a middleware and then raises it again, for servers to log; uvicorn then
    closes the connection. The error is logged already and the answer complete, so it ends
    here and the keep-alive connection stays. An answer cut short still closes it."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        complete = False

        async def tracking_send(message: Message) -> None:
            nonlocal complete
            await send(message)
            if message["type"] == "http.response.body" and not message.get("more_body"):
                complete = True

        try:
            await self.app(scope, receive, tracking_send)
        except Exception:
            if not complete:
                raise


async def _part_unavailable(request: Request, exc: Exception) -> Response:
    """A part a request needs is away (search engine, Redis): the app's own answer for
    its errors, told when to try again."""
    answer = request.app.exception_handlers[CommunityError]
    response: Response = await answer(request, exc)
    response.headers.setdefault("Retry-After", str(RETRY_AFTER_SECONDS))
    return response


def install(app: FastAPI) -> None:
    """Register the answers above on the app (called once by create_app, after its
    handler for CommunityError)."""
    for fault in DATABASE_FAULTS:
        app.add_exception_handler(fault, database_unavailable)
    app.add_exception_handler(ServiceUnavailable, _part_unavailable)
    # Appended, not added: add_middleware puts a layer outside the others, this one
    # belongs inside them all, so that metrics, request ids and headers see its answer.
    app.user_middleware.append(Middleware(AnswerUnexpectedErrors))
    build = app.build_middleware_stack
    app.build_middleware_stack = lambda: KeepConnectionAfterAnswer(build())  # type: ignore[method-assign]
