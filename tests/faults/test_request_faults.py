"""Requests that fail (issue 16, faults 7 and 8): a failed post uses up no posting interval,
an unexpected error keeps the keep-alive connection, and the first requests of a fresh
process, arriving together, build one rate limiter between them (no 500s)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlmodel import Session

from community import middleware, ratelimit
from community.clock import utcnow
from community.forum import service as forum
from tests.factories import login, make_category, make_thread, make_user
from tests.liveserver import serving

REDIS_ENV = "COMMUNITY_TEST_REDIS_URL"
pytestmark = pytest.mark.commits


def test_reply_refused_by_a_500_does_not_use_up_the_posting_interval(
    app: FastAPI, db: Session, settings, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(settings, "antispam_enabled", True)
    board = make_category(db)
    thread = make_thread(db, author=make_user(db), category=board)
    member = make_user(db)
    member.created_at = utcnow() - timedelta(days=30)  # not new: the 5 s interval
    db.add(member)
    db.commit()
    publish = forum.publish_reply
    calls = 0

    def fails_once(*args, **kwargs):  # type: ignore[no-untyped-def]
        nonlocal calls
        calls += 1
        if calls == 1:
            raise RuntimeError("a bug after the interval was counted")
        return publish(*args, **kwargs)

    monkeypatch.setattr(forum, "publish_reply", fails_once)
    with TestClient(app, raise_server_exceptions=False) as client:
        login(client, member)
        url = f"/api/v1/threads/{thread.id}/posts"
        failed = client.post(url, json={"body": "Erster Versuch, leider mit Fehler."})
        retried = client.post(url, json={"body": "Zweiter Versuch, jetzt klappt es."})
        too_soon = client.post(url, json={"body": "Dritter Versuch, gleich danach."})
    assert failed.status_code == 500
    assert retried.status_code == 201
    assert too_soon.status_code == 429  # saved posts still count


@pytest.fixture
def live_server(app: FastAPI) -> Iterator[str]:
    """The app under a real uvicorn on a loopback port."""
    with serving(app, log_level="warning", lifespan="on") as base:
        yield base


def _local_port(response: httpx.Response) -> int:
    stream = response.extensions["network_stream"]
    return int(stream.get_extra_info("client_addr")[1])


def test_unexpected_error_keeps_the_keep_alive_connection(
    live_server: str, db: Session, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    thread = make_thread(db, author=make_user(db), category=make_category(db))

    def broken(*_args, **_kwargs):  # type: ignore[no-untyped-def]
        raise RuntimeError("a bug")

    with httpx.Client(base_url=live_server) as client:
        ok = client.get(f"/api/v1/threads/{thread.id}")
        monkeypatch.setattr(forum, "get_thread", broken)
        monkeypatch.setattr(forum, "get_thread_and_board", broken)  # the thread page's
        error = client.get(f"/api/v1/threads/{thread.id}")
        page_error = client.get(f"/t/{thread.id}")
        monkeypatch.undo()
        # A bug in a middleware, outside the app's error handlers
        monkeypatch.setattr(middleware, "SECURITY_HEADERS", [(b"x-broken",)])
        middleware_error = client.get("/healthz")
        monkeypatch.undo()
        after = client.get(f"/api/v1/threads/{thread.id}")
        ports = {_local_port(r) for r in (ok, error, page_error, middleware_error, after)}
    assert ok.status_code == 200
    assert error.status_code == 500 and error.json()["error"] == "internal_error"
    assert page_error.status_code == 500
    assert middleware_error.status_code == 500
    assert after.status_code == 200
    assert "close" not in error.headers.get("connection", "")
    # One connection served them all.
    assert len(ports) == 1


FIRST_REQUESTS = r"""
import json, os, sys, threading, time
from concurrent.futures import ThreadPoolExecutor
import httpx, uvicorn
from community.accounts import security
from community.app import create_app
from community.db import get_engine
from community.migrate import upgrade
# The subject is the limiter, built on first use; argon2 at production cost only made 20
# parallel password checks take seconds each (the tests of hashing are in tests/accounts).
security.set_hash_cost(security.MINIMAL_COST)
upgrade(get_engine())
server = uvicorn.Server(uvicorn.Config(create_app(), host="127.0.0.1", port=0, log_level="error"))
serving = threading.Thread(target=server.run, daemon=True)
serving.start()
while not server.started:
    time.sleep(0.02)
url = "http://127.0.0.1:%d/api/v1/auth/login" % server.servers[0].sockets[0].getsockname()[1]
barrier = threading.Barrier(20)
def login(i):
    with httpx.Client(timeout=90) as c:
        barrier.wait()
        body = {"email": "nobody%d@example.com" % i, "password": "falsch-falsch"}
        return c.post(url, json=body).status_code
with ThreadPoolExecutor(20) as pool:
    print(json.dumps(list(pool.map(login, range(20)))))
server.should_exit = True
# Wait for the server's shutdown: an interpreter that exits while the app's lifespan is still
# closing its threads and native handles can crash (a SIGSEGV at exit, seen in CI).
serving.join(timeout=60)
"""


def test_parallel_first_logins_of_a_fresh_process_share_one_limiter(tmp_path: Path) -> None:
    redis_url = os.environ.get(REDIS_ENV)
    if not redis_url:
        pytest.skip(f"needs Redis: set {REDIS_ENV}")
    env = {
        **os.environ,
        "COMMUNITY_REDIS_URL": redis_url,
        "COMMUNITY_DATA_DIR": str(tmp_path),
        "COMMUNITY_ENVIRONMENT": "test",
        "COMMUNITY_LOGIN_RATE": "100/minute",
    }
    env.pop("COMMUNITY_DATABASE_URL", None)
    done = subprocess.run(
        # faulthandler: a crash of the process prints its threads' stacks into the failure
        [sys.executable, "-X", "faulthandler", "-c", FIRST_REQUESTS],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    statuses = json.loads(done.stdout.strip().splitlines()[-1])
    assert statuses == [401] * 20, statuses


def test_login_while_the_limit_storage_is_away_answers_503_with_retry_after(
    app: FastAPI, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    # Nothing listens on port 1: every count fails as with Redis down.
    monkeypatch.setattr(ratelimit, "_limiter", ratelimit.make_limiter("redis://127.0.0.1:1/0"))
    with TestClient(app) as client:
        response = client.post(
            "/api/v1/auth/login", json={"email": "a@example.com", "password": "egal-egal"}
        )
    assert response.status_code == 503
    assert int(response.headers["retry-after"]) > 0
