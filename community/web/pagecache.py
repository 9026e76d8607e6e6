"""The page cache for anonymous readers of public boards (issue 21): the start page, a
board and a thread, as a visitor without a session sees them, are the same for every such
visitor in one language, so the HTML is kept and served again without routing, queries or
templates.

- Only what a route marks with `allow()` is kept: the start page, a public board and a
  public thread rendered for a visitor without a session, answered 200 without a flash.
  A signed-in member, a token, a closed board, an error or a redirect passes through.
- Keyed by path, query and the page's language (the language cookie, else
  Accept-Language, as `i18n.pick_locale` chooses for a visitor), and valid only under the
  version of the public pages read before rendering (community/pageversion.py): every
  change a page shows gives a new version in its own transaction, so the next request
  after it renders afresh. A page also expires after COMMUNITY_PAGE_CACHE_SECONDS
  (view counts are written apart from the version, every few seconds); while one request
  renders an expired page of an unchanged version, the others are served the old one.
- The one thing of the visitor's own on such a page is the CSRF token of its forms (the
  language switch). A page is rendered for the cache without the visitor's token cookie,
  so it carries a token this process made; that token is cut out when storing, and each
  answer puts the visitor's own back (a fresh one with its cookie for a new visitor). A
  visitor's cookie never shapes what is stored.
- ETag (of the page and the visitor's token) with 304 on If-None-Match, Last-Modified,
  and Cache-Control: no-cache, so a browser always asks again.
- The pages live in this process's memory, least recently used first out beyond
  COMMUNITY_PAGE_CACHE_MIB. The version is in the database, so several processes agree on
  it; a cached page is a few tens of KiB, rendered again once per process and change.
  Requests missing the same page together wait for one rendering of it.
"""

from __future__ import annotations

import hashlib
import html
import re
import secrets
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from email.utils import formatdate
from urllib.parse import parse_qsl

import anyio
from fastapi import Request
from fastapi.responses import Response
from starlette.requests import cookie_parser
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from community import i18n, pageversion
from community.accounts.viewer import Viewer
from community.auth import set_csrf_cookie
from community.config import Settings, get_settings
from community.db import DATABASE_FAULTS
from community.forum.reading import is_crawler
from community.middleware import asked_with_head
from community.web import flash

STATE_KEY = "page_cache"
# How long a request waits for the same page another one is rendering, before it renders.
WAIT_FOR_RENDER_SECONDS = 5.0
# The pages worth keeping: the start page, a board, a thread (with or without its slug).
_PATHS = re.compile(r"/|/c/[^/]+|/t/[0-9]+(?:/[^/]+)?")
# The queries these pages read (pager, filters); a page asked for with any other is
# rendered but not kept, so made-up queries cannot push the real pages out.
_QUERY_KEYS = frozenset({"page", "cursor", "before", "solved", "sort"})
# A token as auth.csrf_token makes it; anything else in the cookie is replaced.
_TOKEN = re.compile(r"[A-Za-z0-9_-]{20,100}")
_STAND_IN = "T" * 43  # in a cookie header made once, for the token of each new visitor


@dataclass
class Mark:
    """What a route says about a page it may share (set by `allow`)."""

    thread_id: int | None = None


def allow(request: Request, viewer: Viewer, *, public: bool, thread_id: int | None = None) -> None:
    """A page route's consent: this answer may be kept for every visitor without a session.
    Only for the public view of public content; the middleware checks the rest."""
    if public and viewer.user is None and viewer.token_scopes is None:
        request.state.page_cache = Mark(thread_id)


@dataclass
class Entry:
    version: int
    parts: list[bytes]  # the page split at the CSRF token it was rendered with
    headers: list[tuple[bytes, bytes]]
    digest: str
    stored: float
    last_modified: bytes
    thread_id: int | None
    route: object = None  # the route that rendered it, for the metrics outside (route_of)
    size: int = field(init=False)

    def __post_init__(self) -> None:
        self.size = sum(len(p) for p in self.parts) + 200


class PageStore:
    """Least recently used pages, bounded by their bytes."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self.used = 0
        self._entries: OrderedDict[tuple[str, bytes, str], Entry] = OrderedDict()

    def get(
        self, key: tuple[str, bytes, str], version: int, read_at: float, max_age: float
    ) -> Entry | None:
        """The page kept under `version`, read at `read_at`. A page under another version
        stored before that read is out of date and goes; one stored after it may be newer
        than the version this request read, and stays. A page past its age under this
        version stays until its new rendering replaces it (`aged`)."""
        entry = self._entries.get(key)
        if entry is None:
            return None
        if entry.version != version:
            if entry.stored < read_at:
                self._drop(key)
            return None
        if entry.stored < read_at - max_age:
            return None
        self._entries.move_to_end(key)
        return entry

    def aged(self, key: tuple[str, bytes, str], version: int) -> Entry | None:
        """The page kept under `version` though past its age: nothing it shows has changed
        since (the version says so) but view counts and relative times."""
        entry = self._entries.get(key)
        return entry if entry is not None and entry.version == version else None

    def put(self, key: tuple[str, bytes, str], entry: Entry) -> None:
        if entry.size > self.max_bytes:
            return
        if key in self._entries:
            self._drop(key)
        self._entries[key] = entry
        self.used += entry.size
        while self.used > self.max_bytes:
            self._drop(next(iter(self._entries)))

    def _drop(self, key: tuple[str, bytes, str]) -> None:
        self.used -= self._entries.pop(key).size

    def clear(self) -> None:
        self._entries.clear()
        self.used = 0

    def __len__(self) -> int:
        return len(self._entries)


class PageCache:
    """ASGI middleware in front of the routes (community/app.py adds it); only GETs of
    the pages in _PATHS by a visitor without a session are looked at."""

    def __init__(self, app: ASGIApp, store: PageStore, settings: Settings) -> None:
        self.app = app
        self.store = store
        self.max_age = settings.page_cache_seconds
        self.session_cookie = settings.session_cookie.encode()
        self.csrf_cookie = settings.csrf_cookie
        self._locales: dict[bytes, str] = {}
        self._rendering: dict[tuple[str, bytes, str], anyio.Event] = {}
        self._cookie_for: Settings | None = None
        self._cookie_parts: list[bytes] = []

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] != "http"
            or scope["method"] != "GET"
            or not _PATHS.fullmatch(scope["path"])
        ):
            await self.app(scope, receive, send)
            return
        headers: dict[bytes, bytes] = {}
        cookie_headers = 0
        for name, value in scope["headers"]:
            # A repeated header: its first value, the one Starlette's request reads.
            headers.setdefault(name, value)
            cookie_headers += name == b"cookie"
        raw_cookies = headers.get(b"cookie", b"")
        cookies = cookie_parser(raw_cookies.decode("latin-1")) if raw_cookies else {}
        if (
            cookie_headers > 1
            or self.session_cookie.decode() in cookies
            or flash.COOKIE in cookies
            or b"authorization" in headers
            or b"hx-request" in headers
        ):
            await self.app(scope, receive, send)
            return
        engine = scope["app"].state.engine
        read_at = time.monotonic()
        # Read on the loop itself where the database allows (an SQLite file, PostgreSQL).
        version = await pageversion.read_on_loop(engine)
        if version is None:
            try:
                version = await anyio.to_thread.run_sync(pageversion.current, engine)
            except DATABASE_FAULTS:
                # The route meets the fault too and answers it as every page does (503).
                version = None
        if version is None:
            await self.app(scope, receive, send)
            return
        key = (scope["path"], scope["query_string"], self._locale(cookies, headers))
        token = cookies.get(self.csrf_cookie, "")
        token = token if _TOKEN.fullmatch(token) else ""
        entry = self.store.get(key, version, read_at, self.max_age)
        rendering = self._rendering.get(key)
        if entry is None and rendering is not None:
            # A page only past its age is served as it is while one request renders it
            # afresh: waiting for that rendering paused all of a busy page's readers at
            # once, every COMMUNITY_PAGE_CACHE_SECONDS in every process (issue 21's tail).
            entry = self.store.aged(key, version)
        if entry is None and rendering is not None:
            # After a change, the connections on a busy page all miss at once: one renders,
            # the others wait for its page instead of rendering it as well.
            with anyio.move_on_after(WAIT_FOR_RENDER_SECONDS):
                await rendering.wait()
            entry = self.store.get(key, version, read_at, self.max_age)
        if entry is not None:
            await self._hit(scope, send, entry, token, headers)
            return
        mine = anyio.Event()
        self._rendering.setdefault(key, mine)
        try:
            await self._miss(scope, receive, send, key, version, token, raw_cookies)
        finally:
            if self._rendering.get(key) is mine:
                del self._rendering[key]
            mine.set()

    def _locale(self, cookies: dict[str, str], headers: dict[bytes, bytes]) -> str:
        chosen = cookies.get(i18n.LANG_COOKIE)
        if chosen in i18n.LOCALES:
            return str(chosen)
        header = headers.get(b"accept-language", b"")
        locale = self._locales.get(header)
        if locale is None:
            if len(self._locales) > 512:  # the header is the visitor's: bounded
                self._locales.clear()
            locale = self._locales[header] = i18n.negotiate(header.decode("latin-1"))
        return locale

    async def _hit(
        self, scope: Scope, send: Send, entry: Entry, token: str, headers: dict[bytes, bytes]
    ) -> None:
        extra: list[tuple[bytes, bytes]] = []
        if not token:
            token = secrets.token_urlsafe(32)
            extra.append(self._token_cookie(token))
        agent = headers.get(b"user-agent", b"").decode("latin-1")
        if entry.thread_id is not None and not is_crawler(agent) and not asked_with_head(scope):
            scope["app"].state.views.add(entry.thread_id)
        if entry.route is not None:
            scope["route"] = entry.route
        etag = _etag(entry.digest, token)
        validators = [
            *[(n, v) for n, v in entry.headers if n.lower() == b"vary"],
            (b"etag", etag),
            (b"last-modified", entry.last_modified),
            (b"cache-control", b"no-cache"),
        ]
        if etag in _tags(headers.get(b"if-none-match", b"")):
            await send(
                {"type": "http.response.start", "status": 304, "headers": validators + extra}
            )
            await send({"type": "http.response.body", "body": b""})
            return
        body = html.escape(token).encode().join(entry.parts)
        length = [(b"content-length", str(len(body)).encode())]
        others = [(n, v) for n, v in entry.headers if n.lower() != b"vary"]
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": others + length + validators + extra,
            }
        )
        await send({"type": "http.response.body", "body": body})

    async def _miss(
        self,
        scope: Scope,
        receive: Receive,
        send: Send,
        key: tuple[str, bytes, str],
        version: int,
        token: str,
        raw_cookies: bytes,
    ) -> None:
        # Rendered without the visitor's token cookie: the page gets a token of our own.
        inner = dict(scope)
        inner["headers"] = [(n, v) for n, v in scope["headers"] if n != b"cookie"]
        csrf = self.csrf_cookie.encode()
        others = [c for c in raw_cookies.split(b";") if c.split(b"=", 1)[0].strip() != csrf]
        if any(c.strip() for c in others):
            inner["headers"].append((b"cookie", b";".join(others)))
        state = inner["state"] = scope.setdefault("state", {})
        start: Message = {}
        chunks: list[bytes] = []

        async def capture(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                start = message
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))

        await self.app(inner, receive, capture)
        if "route" in inner:  # the router sets it on the scope it was given, a copy
            scope["route"] = inner["route"]
        body = b"".join(chunks)
        status = start.get("status", 500)
        raw_headers: list[tuple[bytes, bytes]] = list(start.get("headers", []))
        ours = state.get("new_csrf")
        cookie_prefix = f"{self.csrf_cookie}=".encode()
        kept, set_cookies = [], []
        for name, value in raw_headers:
            if name.lower() == b"content-length":
                continue
            if name.lower() == b"set-cookie":
                set_cookies.append((name, value))
                continue
            kept.append((name, value))
        mark = state.get(STATE_KEY) if _known_query(scope["query_string"]) else None
        language = dict(kept).get(b"content-language", b"").decode("latin-1")
        viewer = state.get("viewer")
        only_token_cookie = all(v.startswith(cookie_prefix) for _n, v in set_cookies)
        entry = None
        if (
            status == 200
            and isinstance(mark, Mark)
            and viewer is not None
            and viewer.user is None
            and viewer.token_scopes is None
            and ours
            and only_token_cookie
            and language == key[2]  # rendered in the language it is kept for
        ):
            entry = Entry(
                version=version,
                parts=body.split(ours.encode()),
                headers=kept,
                digest=hashlib.blake2b(
                    body.replace(ours.encode(), b""), digest_size=12
                ).hexdigest(),
                stored=time.monotonic(),  # after the version was read: PageStore.get
                last_modified=formatdate(time.time(), usegmt=True).encode(),
                thread_id=mark.thread_id,
                route=inner.get("route"),
            )
            self.store.put(key, entry)
        if token and ours:
            # The visitor keeps the token its other tabs' forms carry.
            body = body.replace(ours.encode(), html.escape(token).encode())
            set_cookies = [(n, v) for n, v in set_cookies if not v.startswith(cookie_prefix)]
        served = token or ours or ""
        out = kept + set_cookies + [(b"content-length", str(len(body)).encode())]
        if entry is not None:
            out += [
                (b"etag", _etag(entry.digest, served)),
                (b"last-modified", entry.last_modified),
                (b"cache-control", b"no-cache"),
            ]
        await send({**start, "status": status, "headers": out})
        await send({"type": "http.response.body", "body": body})

    def _token_cookie(self, token: str) -> tuple[bytes, bytes]:
        # The header set_csrf_cookie writes, made once per settings with a stand-in token
        # and filled in: a token's alphabet is never quoted. A Response and a SimpleCookie
        # for each new visitor (and each crawler, which keeps no cookie) were a fifth of
        # a cached page's time.
        settings = get_settings()
        if self._cookie_for is not settings:
            response = Response()
            set_csrf_cookie(response, _STAND_IN)
            made = next(v for n, v in response.raw_headers if n == b"set-cookie")
            self._cookie_parts = made.split(_STAND_IN.encode())
            self._cookie_for = settings
        return (b"set-cookie", token.encode().join(self._cookie_parts))


def _known_query(query: bytes) -> bool:
    if not query:
        return True
    pairs = parse_qsl(query.decode("latin-1"), keep_blank_values=True)
    return all(name in _QUERY_KEYS for name, _value in pairs)


def _etag(digest: str, token: str) -> bytes:
    # The page and whose token it carries: the same bytes, the same tag.
    mine = hashlib.blake2b(token.encode(), digest_size=6).hexdigest()
    return f'"{digest}-{mine}"'.encode()


def _tags(header: bytes) -> set[bytes]:
    return {t.strip().removeprefix(b"W/") for t in header.split(b",") if t.strip()}
