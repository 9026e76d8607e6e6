"""Thread pages are computed a few at a time per process (web/pagethreads.py): a page waits
for a turn, but never longer than WAIT_SECONDS; a page that holds its turn (waiting for
the database's lock, say) does not hold up the pages behind it any longer."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest
from fastapi.testclient import TestClient

from community.web import forum as web_forum
from community.web import pagethreads
from tests.factories import sign_in
from tests.pagecache.conftest import Scene


def test_a_page_waits_for_a_turn_then_is_computed_beside_the_one_holding_it(
    make_client: Any, scene: Scene, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(pagethreads, "AT_ONCE", 1)
    monkeypatch.setattr(pagethreads, "WAIT_SECONDS", 0.5)
    inside, release = threading.Event(), threading.Event()
    compute = web_forum._thread_page

    def held(*args: Any) -> Any:
        if not inside.is_set():  # the first page holds its turn, as behind a lock
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
        took = time.monotonic() - started
        assert waited.status_code == 200
        assert "Unter Einstellungen, Mobilfunk." in waited.text
        assert 0.5 <= took < 5  # it waited for the turn, then no longer
        assert not first  # while the first still held it
    finally:
        release.set()
        holder.join(10)
    assert first == [200]
