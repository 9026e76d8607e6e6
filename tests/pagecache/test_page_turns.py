"""A member's thread page is computed a few at a time per process (web/pagethreads.py): a
request whose turn does not come within the pool timeout answers 503 with Retry-After, as
when no pooled connection is free, and the pages answer again once the turns are free."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest
from fastapi.testclient import TestClient

from community.config import get_settings
from community.web import forum as web_forum
from community.web import pagethreads
from tests.factories import sign_in
from tests.pagecache.conftest import Scene


def test_a_page_that_waits_too_long_for_a_turn_answers_503(
    make_client: Any, scene: Scene, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(pagethreads, "SQLITE_AT_ONCE", 1)
    monkeypatch.setattr(pagethreads, "OTHER_AT_ONCE", 1)
    monkeypatch.setattr(get_settings(), "db_pool_timeout", 0.3)
    inside, release = threading.Event(), threading.Event()
    compute = web_forum._thread_page

    def held(*args: Any) -> Any:
        if not inside.is_set():  # the first page holds its turn, as on a hanging database
            inside.set()
            assert release.wait(10)
        return compute(*args)

    monkeypatch.setattr(web_forum, "_thread_page", held)
    # One client: its requests share one event loop, so one set of turns.
    client: TestClient = make_client()
    sign_in(client, scene.reader)
    first: list[int] = []
    holder = threading.Thread(target=lambda: first.append(client.get(scene.path).status_code))
    holder.start()
    try:
        assert inside.wait(10)
        started = time.monotonic()
        waited = client.get(scene.path)
        assert waited.status_code == 503
        assert waited.headers["Retry-After"]
        assert time.monotonic() - started < 3
    finally:
        release.set()
        holder.join(10)
    assert first == [200]
    assert client.get(scene.path).status_code == 200
