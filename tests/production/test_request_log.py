"""Request ids and JSON log lines: an operator follows one request into its jobs, and the
log holds no e-mail address, password, real name or token."""

from __future__ import annotations

import io
import json
import logging
import re
from collections.abc import Iterator

import httpx
import pytest
from sqlmodel import select

from community.config import get_settings
from community.jobs.models import Job
from community.jobs.worker import Worker
from community.requestlog import JsonFormatter
from community.supervisor import SERVER_OPTIONS
from tests.liveserver import serving


class Captured:
    def __init__(self) -> None:
        self.stream = io.StringIO()

    @property
    def text(self) -> str:
        return self.stream.getvalue()

    def lines(self) -> list[dict]:  # type: ignore[type-arg]
        return [json.loads(line) for line in self.text.splitlines() if line.strip()]


@pytest.fixture
def captured_log() -> Iterator[Captured]:
    captured = Captured()
    handler = logging.StreamHandler(captured.stream)
    handler.setFormatter(JsonFormatter())
    # The test client's own httpx lines are not the app's log (configure_logging
    # quiets httpx in the app).
    handler.addFilter(lambda record: not record.name.startswith("httpx"))
    root = logging.getLogger()
    old_level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    yield captured
    root.removeHandler(handler)
    root.setLevel(old_level)


def test_the_callers_request_id_comes_back_and_a_bad_one_is_replaced(client) -> None:  # type: ignore[no-untyped-def]
    kept = client.get("/healthz", headers={"X-Request-ID": "lb-7f3a.42"})
    assert kept.headers["X-Request-ID"] == "lb-7f3a.42"
    made = client.get("/healthz")
    assert len(made.headers["X-Request-ID"]) == 32
    replaced = client.get("/healthz", headers={"X-Request-ID": "x" * 65})
    assert replaced.headers["X-Request-ID"] not in ("x" * 65, made.headers["X-Request-ID"])


def test_jobs_carry_the_request_id_into_their_log_lines(  # type: ignore[no-untyped-def]
    client, db, engine, captured_log, monkeypatch
) -> None:
    response = client.post(
        "/api/v1/auth/register",
        json={"email": "neu@example.com", "password": "Sonnen-Blume-1977!", "nickname": "Neu"},
        headers={"X-Request-ID": "req-register-1"},
    )
    assert response.status_code == 201, response.text
    access = [line for line in captured_log.lines() if line["logger"] == "community.access"]
    assert access[-1]["route"] == "/api/v1/auth/register"
    assert access[-1]["request_id"] == "req-register-1"
    jobs = list(db.exec(select(Job)))
    assert jobs and {j.request_id for j in jobs} == {"req-register-1"}

    Worker(engine).run_until_empty()
    job_lines = [line for line in captured_log.lines() if line["logger"] == "community.mail"]
    assert job_lines, captured_log.text
    assert {line["request_id"] for line in job_lines} == {"req-register-1"}


def test_no_personal_data_reaches_the_log(client, db, engine, captured_log) -> None:  # type: ignore[no-untyped-def]
    email, password, real_name = "Erika.Muster@firma-geheim.de", "Geheim-Passwort-4711!", "Erika Q"
    client.post(
        "/api/v1/auth/register",
        json={"email": email, "password": password, "nickname": "Erika", "real_name": real_name},
    )
    client.post("/api/v1/auth/login", json={"email": email, "password": "falsch-" + password})
    client.post("/login", data={"email": email, "password": password})
    client.get("/search", params={"q": email})
    client.get("/verify-email", params={"token": "secret-token-value-123"})
    Worker(engine).run_until_empty()  # the mails it sends: their text has a sign-in link

    text = captured_log.text
    access = [line for line in captured_log.lines() if line["logger"] == "community.access"]
    assert len(access) >= 5, text  # the requests were logged, only without the data
    assert {"route", "status", "duration_ms", "request_id"} <= set(access[0])
    for secret in (email, email.lower(), password, real_name, "secret-token-value-123"):
        assert secret not in text
    assert "firma-geheim" not in text


def test_production_does_not_log_the_text_of_unsent_mail(  # type: ignore[no-untyped-def]
    client, engine, captured_log, monkeypatch
) -> None:
    settings = get_settings()
    monkeypatch.setattr(settings, "environment", "production")
    response = client.post(
        "/api/v1/auth/register",
        json={"email": "prod@example.com", "password": "Sonnen-Blume-1977!", "nickname": "Prod"},
    )
    assert response.status_code == 201, response.text
    Worker(engine).run_until_empty()
    mail_lines = [line for line in captured_log.lines() if line["logger"] == "community.mail"]
    assert mail_lines
    assert all("COMMUNITY_SMTP_URL is not set" in line["message"] for line in mail_lines)
    assert "http" not in " ".join(line["message"] for line in mail_lines)


@pytest.fixture
def text_log() -> Iterator[io.StringIO]:
    """The server's own logging set-up (text format), its handler writing to a buffer."""
    from community.config import Settings
    from community.requestlog import configure_logging

    root = logging.getLogger()
    old_handlers, old_level = root.handlers[:], root.level
    configure_logging(Settings(_env_file=None))  # type: ignore[call-arg]
    buffer = io.StringIO()
    handler = root.handlers[0]
    assert isinstance(handler, logging.StreamHandler)
    handler.setStream(buffer)
    yield buffer
    root.handlers[:] = old_handlers
    root.setLevel(old_level)


def test_text_access_lines_carry_time_method_route_status_duration_and_id(  # type: ignore[no-untyped-def]
    client, text_log
) -> None:
    client.get("/api/v1/threads/424242", headers={"X-Request-ID": "req-1"})
    [line] = [x for x in text_log.getvalue().splitlines() if "community.access" in x]
    pattern = (
        r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+00:00 INFO community\.access "
        r"GET /api/v1/threads/\{thread_id\} 404 \d+(\.\d+)?ms req-1"
    )
    assert re.fullmatch(pattern, line), line


def test_health_probes_log_nothing_at_info(client, text_log) -> None:  # type: ignore[no-untyped-def]
    assert client.get("/healthz").status_code == 200
    client.get("/readyz")
    client.get("/api/v1/categories")  # an ordinary request is still logged
    lines = text_log.getvalue().splitlines()
    assert (
        [x for x in lines if "community.access" in x]
        == [x for x in lines if "community.access GET /api/v1/categories 200" in x]
        != []
    )
    assert not [x for x in lines if "alembic" in x or "Context impl" in x], lines


def test_a_websocket_upgrade_is_answered_as_the_page_without_a_warning(  # type: ignore[no-untyped-def]
    app, text_log
) -> None:
    """The forum serves no WebSockets (uvicorn runs with `serve`'s options): a request to
    upgrade gets the page it asks for, and the log no advice to install a WebSocket
    library."""
    upgrade = {
        "Connection": "Upgrade",
        "Upgrade": "websocket",
        "Sec-WebSocket-Version": "13",
        "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ==",
    }
    with serving(app, lifespan="off", **SERVER_OPTIONS) as base:
        page = httpx.get(f"{base}/", headers=upgrade)
    assert page.status_code == 200 and "<html" in page.text
    lines = text_log.getvalue().splitlines()
    assert not [x for x in lines if "WARNING" in x or "ebSocket" in x or "upgrade" in x], lines


def test_a_migration_at_start_logs_no_plugin_announcements(text_log, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """Alembic announced each of its plugins at every start: seven lines saying nothing."""
    from sqlalchemy import create_engine

    from community.migrate import upgrade

    engine = create_engine(f"sqlite:///{tmp_path / 'start.sqlite3'}")
    try:
        upgrade(engine)
    finally:
        engine.dispose()
    lines = text_log.getvalue().splitlines()
    assert any("alembic" in x for x in lines)  # the migrations themselves are still named
    assert not [x for x in lines if "setup plugin" in x], lines
