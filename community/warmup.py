"""What the first request of each page would pay, paid once at start-up (issue 21: the first
request per route on a fresh process took 0.2-0.5 s): the mappers' configuration, Babel's
locale data, the catalogs, and one request to each public page through the app itself, which
fills SQLAlchemy's statement cache and FastAPI's per-route state. The warm-up requests go
through the whole middleware stack, as an anonymous crawler (no view is counted), and are
neither logged nor counted in the metrics."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import quote

from babel import Locale
from sqlalchemy import Engine, select
from sqlalchemy.orm import configure_mappers
from sqlmodel import Session, col

from community.accounts.viewer import ANONYMOUS
from community.forum import boards
from community.forum.models import Thread
from community.forum.permissions import visible_threads_filter
from community.i18n import LOCALES, translations
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


async def request(app: Any, path: str, language: str) -> int:
    """One GET through the ASGI app; its status."""
    target, _, query = path.partition("?")
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
        "headers": [(b"host", b"127.0.0.1"), (b"accept-language", language.encode())],
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
    except Exception:
        log.exception("warm-up failed; the first requests prepare what they need")
        return
    log.info("warmed up %s pages in %.0f ms", len(paths), (time.perf_counter() - started) * 1000)
