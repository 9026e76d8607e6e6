"""ASGI middleware: request-size limit, security headers, the CSRF cookie."""

from __future__ import annotations

import json
import re
from html import escape
from typing import Any

from starlette.requests import cookie_parser
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from community.auth import set_csrf_cookie
from community.i18n import LANG_COOKIE, LOCALES, N_, Formatted, negotiate, translate


class BodyTooLarge(Exception):
    pass


class BodySizeLimit:
    """Refuse bodies over the limit with 413 before anything parses them."""

    def __init__(
        self, app: ASGIApp, max_bytes: int, larger: dict[str, tuple[int, int]] | None = None
    ) -> None:
        self.app = app
        self.default_max = max_bytes
        # Paths that take more (picture uploads), each a regular expression of the whole
        # path with its limit and the size its page states (the form's own limit).
        self.larger = [(re.compile(path), sizes) for path, sizes in (larger or {}).items()]

    def _limits(self, path: str) -> tuple[int, int]:
        for pattern, sizes in self.larger:
            if pattern.fullmatch(path):
                return sizes
        return self.default_max, self.default_max

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        max_bytes, stated = self._limits(scope.get("path", ""))
        for name, value in scope.get("headers", []):
            if name == b"content-length":
                try:
                    too_big = int(value) > max_bytes
                except ValueError:
                    too_big = False
                if too_big:
                    await _too_large(scope, send, max_bytes, stated)
                    return
        received = 0
        response_started = False
        too_large = False
        replaced = False

        async def limited_receive() -> Message:
            nonlocal received, too_large
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > max_bytes:
                    too_large = True
                    raise BodyTooLarge()
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal response_started, replaced
            if message["type"] == "http.response.start" and too_large:
                # The framework may turn BodyTooLarge into an error of its own (FastAPI
                # answers 400 "error parsing the body"); the client gets the 413 instead.
                response_started = replaced = True
                await _too_large(scope, send, max_bytes, stated)
                return
            if replaced:
                return
            if message["type"] == "http.response.start":
                response_started = True
            await send(message)

        try:
            await self.app(scope, limited_receive, tracking_send)
        except BodyTooLarge:
            if not response_started:
                await _too_large(scope, send, max_bytes, stated)


class HeadAsGet:
    """HEAD answered as the GET it asks about, without the body (RFC 9110 9.3.2: a server
    must support it): uptime checks and link checkers ask with HEAD, and the routes know
    GET only, so every page answered 405. The headers, Content-Length included, are GET's."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "HEAD":
            await self.app(scope, receive, send)
            return

        async def without_body(message: Message) -> None:
            if message["type"] == "http.response.body":
                if message.get("more_body", False):
                    return
                message = {"type": "http.response.body", "body": b"", "more_body": False}
            await send(message)

        inner = {**scope, "method": "GET", HEAD: True}
        try:
            await self.app(inner, receive, without_body)
        finally:
            # The route the router found, for the access log and the metrics outside
            if "route" in inner:
                scope["route"] = inner["route"]


# Set in the scope of a GET that answers a HEAD: it counts no view and uses no one-time
# link (a mail scanner's HEAD must not confirm an address before its owner clicks).
HEAD = "community.head"


def asked_with_head(scope: Scope) -> bool:
    return bool(scope.get(HEAD))


class RefuseNulInUrl:
    """A NUL byte in the path or query matches no name, slug or token, and PostgreSQL
    refuses it in a text parameter (a 500 deep inside); refuse it at the door."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and (
            "\x00" in scope.get("path", "")
            or b"%00" in scope.get("query_string", b"")
            or b"\x00" in scope.get("query_string", b"")
        ):
            detail = N_("Die Adresse enthält ein NUL-Zeichen.")
            await _json_error(scope, send, 422, "invalid_input", detail)
            return
        await self.app(scope, receive, send)


async def _too_large(scope: Scope, send: Send, limit: int, stated: int) -> None:
    if not scope.get("path", "").startswith("/api/"):
        await _page_too_large(scope, send, stated)
        return
    detail = Formatted("Die Anfrage ist größer als %(limit)s Bytes.", limit=limit)
    await _json_error(scope, send, 413, "payload_too_large", detail)


async def _json_error(scope: Scope, send: Send, status: int, code: str, detail: str) -> None:
    # In the language of Accept-Language, as every API error (community/i18n.api_locale).
    header = dict(scope.get("headers") or []).get(b"accept-language", b"")
    locale = negotiate(header.decode("latin-1"))
    body = json.dumps({"error": code, "detail": translate(detail, locale)}).encode()
    await _send_whole(send, status, b"application/json", locale, body)


_TOO_LARGE_PAGE = """<!doctype html>
<html lang="{locale}">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title><link rel="stylesheet" href="/static/site.css"></head>
<body><main id="main" class="error-page"><h1>{title}</h1><p>{detail}</p>
<p><a class="button" href="/">{home}</a></p></main></body>
</html>
"""


async def _page_too_large(scope: Scope, send: Send, limit: int) -> None:
    """A page for the browser, not JSON: the body was never read, so no session, route or
    template is involved; in the language the pages pick without a session (cookie, else
    Accept-Language)."""
    headers = dict(scope.get("headers") or [])
    chosen = cookie_parser(headers.get(b"cookie", b"").decode("latin-1")).get(LANG_COOKIE)
    header = headers.get(b"accept-language", b"").decode("latin-1")
    locale = chosen if chosen in LOCALES else negotiate(header)
    megabytes = max(1, round(limit / 1_000_000))
    body = _TOO_LARGE_PAGE.format(
        locale=locale,
        title=escape(translate(N_("Anfrage zu groß"), locale)),
        detail=escape(
            translate(
                Formatted(
                    N_("Das Gesendete ist zu groß: Hier gehen höchstens %(megabytes)s MB."),
                    megabytes=megabytes,
                ),
                locale,
            )
        ),
        home=escape(translate(N_("Zur Startseite"), locale)),
    ).encode()
    await _send_whole(send, 413, b"text/html; charset=utf-8", locale, body)


async def _send_whole(
    send: Send, status: int, content_type: bytes, locale: str, body: bytes
) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", content_type),
                (b"content-language", locale.encode()),
                (b"content-length", str(len(body)).encode()),
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


# img-src without https: readers' browsers load no image from another host, not even from
# posts rendered before external images became links (forum/markdown.py).
SECURITY_HEADERS: list[tuple[bytes, bytes]] = [
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"strict-origin-when-cross-origin"),
    (b"x-frame-options", b"DENY"),
    (
        b"content-security-policy",
        b"default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        b"object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'",
    ),
]
# /docs and /redoc run Swagger UI's and ReDoc's inline start script and ReDoc's worker;
# their assets come from the forum itself (community/api/openapi.py), never from a CDN.
DOCS_CSP = (
    b"default-src 'self'; script-src 'self' 'unsafe-inline'; "
    b"style-src 'self' 'unsafe-inline'; img-src 'self' data:; worker-src 'self' blob:; "
    b"object-src 'none'; base-uri 'self'; frame-ancestors 'none'"
)


class SecurityHeaders:
    """On every answer, also those the outer middleware give (413, 422): it is added last
    of the request-refusing middleware, so it wraps them (community/app.py)."""

    def __init__(self, app: ASGIApp, hsts_max_age: int = 0):
        self.app = app
        # HSTS only when the forum is reached over https (the caller decides).
        self.hsts: list[tuple[bytes, bytes]] = (
            [(b"strict-transport-security", f"max-age={hsts_max_age}".encode())]
            if hsts_max_age > 0
            else []
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        is_docs = scope.get("path", "").startswith(("/docs", "/redoc"))

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers: list[Any] = list(message.get("headers", []))
                present = {h[0].lower() for h in headers}
                for name, value in [*SECURITY_HEADERS, *self.hsts]:
                    if name == b"content-security-policy" and is_docs:
                        value = DOCS_CSP
                    if name not in present:
                        headers.append((name, value))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)


class CsrfCookie:
    """The CSRF token a page made for a visitor without one (request.state.new_csrf) goes
    out as their cookie. Plain ASGI: as an `@app.middleware("http")` function it ran every
    answer through Starlette's BaseHTTPMiddleware (a task group and a stream per request),
    a sixth of the interpreter's time on the search API (issue 21)."""

    def __init__(self, app: ASGIApp, cookie_name: str) -> None:
        self.app = app
        self.cookie_name = cookie_name

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        state = scope.setdefault("state", {})  # shared with the route's copies of the scope

        async def with_cookie(message: Message) -> None:
            if message["type"] == "http.response.start":
                fresh = state.get("new_csrf")
                if fresh and not self._has_cookie(scope):
                    cookie = Response()
                    set_csrf_cookie(cookie, fresh)
                    made = [(n, v) for n, v in cookie.raw_headers if n == b"set-cookie"]
                    message["headers"] = [*message.get("headers", []), *made]
            await send(message)

        await self.app(scope, receive, with_cookie)

    def _has_cookie(self, scope: Scope) -> bool:
        # As Starlette's request.cookies: the first Cookie header.
        for name, value in scope.get("headers", []):
            if name == b"cookie":
                return bool(cookie_parser(value.decode("latin-1")).get(self.cookie_name))
        return False
