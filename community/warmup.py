"""What the first request of each page would pay, paid once at start-up (issue 21: the first
request per route on a fresh process took 0.2-0.5 s): the mappers' configuration, Babel's
locale data, the catalogs, and one request to each public page through the app itself, which
fills SQLAlchemy's statement cache and FastAPI's per-route state (every router's, by a
request for no page; the administration's stay unloaded, community/lazyroutes.py). The
warm-up requests go through the whole middleware stack, as an anonymous crawler (no view is
counted), and are neither logged nor counted in the metrics.

A member's thread page reads and writes through statements of its own (the session, the
member's reads, the read mark) and keeps its posts and shell (web/thread_shell.py): it is
asked for once more by a member who exists only inside one transaction of the warm-up,
rolled back at its end, so no row of it, no read mark and no session is ever seen outside
it. Its name is nowhere in what is kept: the posts and the shell are every member's alike,
and the header with its name is kept by its session's token, which no one else holds."""

from __future__ import annotations

import logging
import secrets
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any
from urllib.parse import quote

from babel import Locale
from sqlalchemy import Connection, Engine, insert, select
from sqlalchemy.orm import configure_mappers
from sqlmodel import Session, col

from community.accounts import security
from community.accounts.models import User, UserSession
from community.accounts.viewer import ANONYMOUS
from community.clock import utcnow
from community.config import get_settings
from community.forum import boards
from community.forum.models import Thread
from community.forum.permissions import visible_threads_filter
from community.i18n import LOCALES, release_babel_global_data, translations
from community.metrics import WARM_UP

log = logging.getLogger(__name__)


def prepare() -> None:
    """What needs no database: the ORM's mappers, each language's catalog and Babel data."""
    configure_mappers()
    for locale in LOCALES:
        translations(locale)
        data = Locale.parse(locale)
        # Number and date formats are read from Babel's pickled locale data on first use.
        _ = data.decimal_formats, data.date_formats, data.datetime_formats, data.time_formats
    release_babel_global_data()


# FastAPI builds the state of an included router's routes (their dependencies and models)
# when the first request reaches that router: 40-70 ms for a router of forms, which the first
# visitor of any of its pages waited for (/search, /blog, /login). A path
# that no route matches is tried against every router, so one such request of each kind, a
# page and an API call, builds them all (~0.2 s of the start, 3.3 MiB, which a process
# that serves every page holds after its first few requests anyway).
UNMATCHED_PATHS = ("/warm-up/none", "/api/v1/warm-up/none")


def public_paths(engine: Engine) -> list[str]:
    """The start page, a public board, its newest thread and a search: the pages a fresh
    process is asked for first. Fewer on an empty forum."""
    paths = ["/", "/healthz"]
    with Session(engine) as session:
        categories = boards.list_categories(session, ANONYMOUS)
        if categories:
            paths.append(f"/c/{categories[0].slug}")
        row = session.execute(
            select(col(Thread.id), col(Thread.slug), col(Thread.title))
            .where(visible_threads_filter(ANONYMOUS))
            .order_by(col(Thread.id).desc())
            .limit(1)
        ).first()
    if row is not None:
        thread_id, slug, title = row
        paths.append(f"/t/{thread_id}/{slug}")
        word = max(str(title).split(), key=len)
        paths.append(f"/api/v1/search?q={quote(word)}")
    return paths


async def request(app: Any, path: str, language: str, cookie: str | None = None) -> int:
    """One GET through the ASGI app; its status."""
    target, _, query = path.partition("?")
    headers = [(b"host", b"127.0.0.1"), (b"accept-language", language.encode())]
    if cookie is not None:
        headers.append((b"cookie", cookie.encode()))
    scope = {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.3"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": target,
        "raw_path": target.encode(),
        "query_string": query.encode(),
        "root_path": "",
        "headers": headers,
        "client": ("127.0.0.1", 0),
        "server": ("127.0.0.1", 80),
        "state": {},
        WARM_UP: True,
    }
    status = 0
    sent = False

    async def receive() -> dict[str, Any]:
        nonlocal sent
        if sent:  # the request is over: the app waits here only for a disconnect
            return {"type": "http.disconnect"}
        sent = True
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = int(message["status"])

    await app(scope, receive, send)
    return status


@contextmanager
def _unlogged() -> Iterator[None]:
    access = logging.getLogger("community.access")
    was = access.disabled
    access.disabled = True
    try:
        yield
    finally:
        access.disabled = was


def _passing_member(connection: Connection, locale: str) -> str:
    """A verified member and their session, in the connection's transaction; the session
    cookie's value."""
    name = f"warm-up-{secrets.token_hex(6)}"
    inserted = connection.execute(
        insert(User).values(
            email=f"{name}@warm-up.invalid",
            nickname=name,
            nickname_key=name,
            # No look-alike key (its column's default): computing one would load the
            # confusables tables, ~4 MiB a process that never takes a sign-up or rename.
            password_hash=security.NO_PASSWORD,  # no password opens it
            email_verified_at=utcnow(),
            locale=locale,
            created_at=utcnow(),
        )
    ).inserted_primary_key
    assert inserted is not None
    raw = security.new_token()
    now = utcnow()
    connection.execute(
        insert(UserSession).values(
            token_hash=security.token_hash(raw),
            user_id=inserted[0],
            created_at=now,
            expires_at=now + timedelta(minutes=5),
            last_seen_at=now,
        )
    )
    return f"{get_settings().session_cookie}={raw}"


async def warm_member_page(app: Any, engine: Engine, path: str) -> None:
    """The thread page at `path` for a member of each language, twice (the first keeps the
    posts, the second the shell), in one transaction that is rolled back: the requests' own
    sessions join it (app.state.engine is its connection meanwhile; nothing else runs
    before the start-up ends)."""
    with engine.connect() as connection:
        transaction = connection.begin()
        app.state.engine = connection
        try:
            for language in LOCALES:
                cookie = _passing_member(connection, language)
                for _ in range(2):
                    status = await request(app, path, language, cookie)
                    if status != 200:
                        log.warning("warm-up: %s answered %s to a member", path, status)
        finally:
            app.state.engine = engine
            transaction.rollback()


async def warm_up(app: Any, engine: Engine) -> None:
    """Never stops a start: a page that fails here fails for its first visitor instead."""
    started = time.perf_counter()
    try:
        prepare()
        paths = public_paths(engine)
        with _unlogged():
            for path in paths:
                for language in LOCALES:
                    status = await request(app, path, language)
                    if status != 200:
                        log.warning("warm-up: %s answered %s", path, status)
            for path in UNMATCHED_PATHS:
                status = await request(app, path, LOCALES[0])
                if status != 404:
                    log.warning("warm-up: %s answered %s", path, status)
            threads = [path for path in paths if path.startswith("/t/")]
            if threads:
                await warm_member_page(app, engine, threads[0])
    except Exception:
        log.exception("warm-up failed; the first requests prepare what they need")
        return
    log.info("warmed up %s pages in %.0f ms", len(paths), (time.perf_counter() - started) * 1000)
