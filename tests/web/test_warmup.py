"""The start-up's warm-up (community/warmup.py): the public pages are asked for once before
the first visitor, and leave no trace a person or an operator would see."""

from __future__ import annotations

import logging
import re

import babel.core
import pytest
from fastapi.testclient import TestClient
from prometheus_client import REGISTRY
from sqlalchemy import Engine, text
from sqlmodel import Session

from community.app import create_app
from community.config import get_settings
from community.forum.models import Thread
from community.i18n import LOCALES
from community.warmup import public_paths
from tests.factories import make_category, make_group, make_thread, make_user, sign_in


def test_the_start_warms_up_the_public_pages_without_counting_them(
    engine: Engine, db: Session, caplog: pytest.LogCaptureFixture
) -> None:
    author = make_user(db)
    board = make_category(db)
    thread = make_thread(db, author=author, category=board, title="Router einrichten")
    app = create_app(get_settings().model_copy(update={"warm_up": True}), engine)
    counted = {"method": "GET", "route": "/t/{thread_id}/{slug}", "status": "200"}
    # The requests for no page (which prepare every router's routes) are no 404s to count.
    not_found = {"method": "GET", "route": "<unmatched>", "status": "404"}
    before = [
        REGISTRY.get_sample_value("community_http_requests_total", c) for c in (counted, not_found)
    ]
    with caplog.at_level(logging.INFO), TestClient(app):
        after = [
            REGISTRY.get_sample_value("community_http_requests_total", c)
            for c in (counted, not_found)
        ]
    warmed = [r.getMessage() for r in caplog.records if r.name == "community.warmup"]
    assert warmed and warmed[-1].startswith("warmed up 5 pages"), warmed
    assert not [
        r for r in caplog.records if r.name == "community.warmup" and r.levelno >= logging.WARNING
    ]
    # No access line, no request in the metrics, no view of the thread.
    assert not [r for r in caplog.records if r.name == "community.access"]
    assert after == before
    db.expire_all()
    assert db.get(Thread, thread.id).view_count == 0  # type: ignore[union-attr]


def test_the_warm_up_asks_only_for_what_an_anonymous_visitor_sees(
    engine: Engine, db: Session
) -> None:
    author = make_user(db)
    public = make_category(db, slug="offen")
    seen = make_thread(db, author=author, category=public, title="Öffentliche Frage")
    closed = make_category(db, slug="intern", groups=[make_group(db, members=[author])])
    hidden = make_thread(db, author=author, category=closed, title="Geheime Frage")
    paths = public_paths(engine)
    assert f"/t/{seen.id}/{seen.slug}" in paths
    assert not [p for p in paths if f"/t/{hidden.id}/" in p or "intern" in p or "Geheime" in p]


def test_an_empty_forum_starts_all_the_same(engine: Engine) -> None:
    app = create_app(get_settings().model_copy(update={"warm_up": True}), engine)
    with TestClient(app) as client:
        assert client.get("/healthz").status_code == 200


def test_a_members_thread_page_is_warmed_by_a_member_who_never_existed(
    engine: Engine, db: Session, caplog: pytest.LogCaptureFixture
) -> None:
    author = make_user(db)
    reader = make_user(db, nickname="Leserin")
    board = make_category(db)
    thread = make_thread(db, author=author, category=board, title="Router einrichten")
    tables = ("users", "user_sessions", "thread_reads", "notifications", "drafts")

    def counts() -> list[int]:
        with engine.connect() as connection:
            return [
                connection.execute(text(f"SELECT count(*) FROM {t}")).scalar_one() for t in tables
            ]

    before = counts()
    app = create_app(get_settings().model_copy(update={"warm_up": True}), engine)
    with caplog.at_level(logging.INFO), TestClient(app) as client:
        kept = list(app.state.post_fragments._entries)
        assert [key for key in kept if key[0] == "shell" and key[2] == thread.id]
        # Not a row of the passing member is left, nor a name of it in what was kept.
        assert counts() == before
        assert app.state.engine is engine
        everything = repr([app.state.post_fragments._entries, app.state.thread_share._entries])
        assert "warm-up-" not in everything
        sign_in(client, reader)
        page = client.get(f"/t/{thread.id}/{thread.slug}")
        assert page.status_code == 200 and 'class="me">Leserin</a>' in page.text
        stores = app.state.post_fragments, app.state.thread_share
        app.state.post_fragments = app.state.thread_share = None
        try:
            assert client.get(f"/t/{thread.id}/{thread.slug}").text == page.text
        finally:
            app.state.post_fragments, app.state.thread_share = stores
    warned = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    assert not [m for m in warned if "warm-up" in m], warned


def test_after_the_warm_up_pages_show_dates_without_babels_global_data(
    engine: Engine, db: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The warm-up lets go of Babel's global data (~2.4 MiB per process): the pages a
    visitor and a member see next, in both languages, show their dates without Babel
    reading that file again (which would put it back)."""
    author = make_user(db)
    reader = make_user(db, nickname="Leserin")
    board = make_category(db)
    thread = make_thread(db, author=author, category=board, title="Router einrichten")
    app = create_app(get_settings().model_copy(update={"warm_up": True}), engine)
    with TestClient(app) as client:
        assert babel.core._global_data is None
        read_again: list[str] = []
        monkeypatch.setattr(babel.core, "get_global", read_again.append)
        shown = []
        for member in (None, reader):
            for language in LOCALES:
                if member is None:
                    client.cookies.set("lang", language)
                else:  # a member reads in the language of their settings
                    member.locale = language
                    db.commit()
                    sign_in(client, member)
                for path in ("/", f"/c/{board.slug}", f"/t/{thread.id}/{thread.slug}"):
                    page = client.get(path)
                    assert page.status_code == 200, path
                    shown += re.findall(r"<time datetime=\"[^\"]+\">([^<]+)</time>", page.text)
        assert read_again == []
        assert babel.core._global_data is None  # nor read again by another way in
    german = [t for t in shown if re.fullmatch(r"\d\d\.\d\d\.\d{4}, \d\d:\d\d", t)]
    english = [t for t in shown if re.fullmatch(r"[A-Z][a-z]{2} \d+, \d{4}, \d+:\d\d\W[AP]M", t)]
    assert len(german) == len(english) == len(shown) / 2 > 0, shown
