"""The database cut or black-holed behind the app (issue 16, faults 3 and 4): every answer
during the fault is a 503 with Retry-After or a success, never a 500; the app recovers by
itself within seconds of the database coming back; nothing is half-written."""

from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select
from sqlmodel import Session, col

from community.forum.models import Post
from tests.factories import login, make_category, make_thread, make_user
from tests.faults.helpers import assert_recomputes_to_same
from tests.faults.proxy import FaultProxy

pytestmark = pytest.mark.commits

CLIENTS = 6
RECOVERY_LIMIT_SECONDS = 10.0


def _arrange(fault_db: Session) -> tuple[list, int, int]:  # type: ignore[type-arg]
    board = make_category(fault_db)
    members = [make_user(fault_db) for _ in range(CLIENTS)]
    thread = make_thread(fault_db, author=members[0], category=board)
    assert thread.id is not None
    opening = fault_db.execute(
        select(col(Post.id)).where(col(Post.thread_id) == thread.id)
    ).scalar_one()
    return members, thread.id, opening


def _client_loop(
    client: TestClient, thread_id: int, post_id: int, until: Callable[[], bool], i: int
) -> list[tuple[str, int, str | None, int | None]]:
    """One member reading and writing until told to stop: (what, status, Retry-After, id)."""
    seen = []
    n = 0
    while not until():
        n += 1
        calls = {
            "api read": ("GET", f"/api/v1/threads/{thread_id}", None),
            "page": ("GET", f"/t/{thread_id}", None),
            "reply": (
                "POST",
                f"/api/v1/threads/{thread_id}/posts",
                {"body": f"Antwort {i}-{n}: so klappt es bei uns."},
            ),
            "kudos": ("POST", f"/api/v1/posts/{post_id}/kudos", None),
        }
        for what, (method, url, body) in calls.items():
            r = client.request(method, url, json=body)
            new_id = r.json().get("id") if what == "reply" and r.status_code == 201 else None
            seen.append((what, r.status_code, r.headers.get("retry-after"), new_id))
    return seen


def _run_clients(app: FastAPI, members, thread_id: int, post_id: int, during: Callable[[], None]):  # type: ignore[no-untyped-def]
    """CLIENTS members at once while `during` injects and ends the fault."""
    done = False
    clients = [TestClient(app, raise_server_exceptions=False) for _ in members]
    for client, member in zip(clients, members, strict=True):
        client.__enter__()
        login(client, member)
    try:
        with ThreadPoolExecutor(CLIENTS) as pool:
            futures = [
                pool.submit(_client_loop, c, thread_id, post_id, lambda: done, i)
                for i, c in enumerate(clients)
            ]
            during()
            done = True
            return [s for f in futures for s in f.result()]
    finally:
        for client in clients:
            client.__exit__(None, None, None)


def _wait_until_serving(app: FastAPI, thread_id: int) -> float:
    start = time.monotonic()
    with TestClient(app, raise_server_exceptions=False) as client:
        while time.monotonic() - start < 30:
            if client.get(f"/api/v1/threads/{thread_id}").status_code == 200:
                return time.monotonic() - start
            time.sleep(0.1)
    return float("inf")


def _assert_fault_answers(seen) -> None:  # type: ignore[no-untyped-def]
    statuses = {(what, status) for what, status, _r, _id in seen}
    assert not [s for s in seen if s[1] >= 500 and s[1] != 503], statuses
    unavailable = [s for s in seen if s[1] == 503]
    assert unavailable, f"the fault was never noticed: {statuses}"
    assert all(retry and int(retry) > 0 for _w, _s, retry, _id in unavailable)
    assert {w for w, *_ in unavailable} >= {"api read", "reply"}


def test_cut_database_answers_503_with_retry_after_and_recovers(
    fault_app: FastAPI, proxy: FaultProxy, fault_db: Session, direct: Engine
) -> None:
    members, thread_id, post_id = _arrange(fault_db)
    restored_at = 0.0

    def cut_for_two_seconds() -> None:
        nonlocal restored_at
        time.sleep(0.5)  # some traffic before
        proxy.cut()
        time.sleep(2.0)
        proxy.restore()
        restored_at = time.monotonic()
        time.sleep(0.5)

    seen = _run_clients(fault_app, members, thread_id, post_id, cut_for_two_seconds)

    _assert_fault_answers(seen)
    assert _wait_until_serving(fault_app, thread_id) < RECOVERY_LIMIT_SECONDS
    # Nothing lost: every reply answered 201 is there; nothing half-written: the counters
    # kept during the fault are the ones recomputed from the rows.
    saved = [new_id for what, status, _r, new_id in seen if what == "reply" and status == 201]
    with Session(direct) as session:
        found = session.execute(
            select(func.count()).where(Post.id.in_(saved))  # type: ignore[union-attr]
        ).scalar_one()
    assert found == len(saved)
    assert_recomputes_to_same(direct)


def test_web_page_during_cut_is_the_unavailable_page_in_german_and_english(
    fault_app: FastAPI, proxy: FaultProxy, fault_db: Session
) -> None:
    members, thread_id, _ = _arrange(fault_db)
    with TestClient(fault_app, raise_server_exceptions=False) as client:
        login(client, members[0])
        assert client.get(f"/t/{thread_id}").status_code == 200
        proxy.cut()
        de = client.get(f"/t/{thread_id}")
        en = client.get(f"/t/{thread_id}", headers={"Accept-Language": "en"})
        api = client.get(f"/api/v1/threads/{thread_id}")
        proxy.restore()
    assert de.status_code == 503 and de.headers["retry-after"]
    assert "vorübergehend nicht erreichbar" in de.text
    assert api.status_code == 503 and api.headers["retry-after"]
    assert api.json()["error"] == "unavailable"
    assert en.status_code == 503 and "temporarily unavailable" in en.text


def test_a_visitors_page_during_cut_is_the_unavailable_page(
    fault_app: FastAPI, proxy: FaultProxy, fault_db: Session
) -> None:
    """The page cache reads the version of the pages first: a fault there is the same 503."""
    _members, thread_id, _ = _arrange(fault_db)
    with TestClient(fault_app, raise_server_exceptions=False) as visitor:
        assert visitor.get(f"/t/{thread_id}", follow_redirects=True).status_code == 200
        proxy.cut()
        page = visitor.get(f"/t/{thread_id}", follow_redirects=True)
        start = visitor.get("/")
        proxy.restore()
    assert page.status_code == 503 and page.headers["retry-after"]
    assert "vorübergehend nicht erreichbar" in page.text
    assert start.status_code == 503


def test_a_visitors_page_behind_a_black_hole_fails_fast_and_recovers(
    fault_app: FastAPI, proxy: FaultProxy, fault_db: Session
) -> None:
    """The page cache reads the version on the event loop (pageversion.LoopReader): a
    server that never answers is given up after a quarter second, and the engine's own
    bounds answer the 503; once the server is back, the visitor's pages come back too."""
    _members, thread_id, _ = _arrange(fault_db)
    with TestClient(fault_app, raise_server_exceptions=False) as visitor:
        assert visitor.get(f"/t/{thread_id}", follow_redirects=True).status_code == 200
        proxy.blackhole()
        started = time.monotonic()
        page = visitor.get(f"/t/{thread_id}", follow_redirects=True)
        waited = time.monotonic() - started
        proxy.restore()
        started = time.monotonic()
        while visitor.get(f"/t/{thread_id}", follow_redirects=True).status_code != 200:
            assert time.monotonic() - started < RECOVERY_LIMIT_SECONDS
            time.sleep(0.1)
    assert page.status_code == 503 and page.headers["retry-after"]
    # The loop's quarter second, then through the engine the statement bound (1 s + 2 s)
    # and a reconnect, and the page's own reconnect: seconds, not minutes.
    assert waited < 9.0


def test_black_holed_database_fails_fast_and_recovers(
    fault_app: FastAPI, proxy: FaultProxy, fault_db: Session, direct: Engine
) -> None:
    members, thread_id, _ = _arrange(fault_db)
    with TestClient(fault_app, raise_server_exceptions=False) as client:
        login(client, members[0])
        assert client.get(f"/api/v1/threads/{thread_id}").status_code == 200
        proxy.blackhole()

        start = time.monotonic()
        health = client.get("/healthz")
        health_s = time.monotonic() - start
        start = time.monotonic()
        ready = client.get("/readyz")
        ready_s = time.monotonic() - start
        start = time.monotonic()
        read = client.get(f"/api/v1/threads/{thread_id}")
        read_s = time.monotonic() - start
        write = client.post(
            f"/api/v1/threads/{thread_id}/posts", json={"body": "Geht das auch ohne Router?"}
        )

        proxy.restore()
    # A /healthz that waited on the black hole would take the statement bound (7 s); on two
    # busy CI workers an answer that does not wait still takes up to ~1 s.
    assert health.status_code == 200 and health_s < 1.5
    assert ready.status_code == 503 and ready_s < 2.0
    assert ready.json()["checks"]["database"] == {"ok": False, "error": "timeout"}
    # statement bound (1 s + 2 s) and a reconnect (libpq: at least 2 s), not minutes
    assert read.status_code == 503 and read.headers["retry-after"]
    assert read_s < 7.0
    assert write.status_code == 503
    assert _wait_until_serving(fault_app, thread_id) < RECOVERY_LIMIT_SECONDS
    with Session(direct) as session:
        assert (
            session.execute(
                select(func.count()).where(Post.body == "Geht das auch ohne Router?")  # type: ignore[arg-type]
            ).scalar_one()
            == 0
        )
    assert_recomputes_to_same(direct)
