"""`community serve --port N` (what `bash scripts/start.sh --port N` runs) without
COMMUNITY_PUBLIC_URL puts that port in its links: a new member's verification mail, the
sitemap address in robots.txt. A set COMMUNITY_PUBLIC_URL still wins."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import uvicorn
from typer.testing import CliRunner

from community.cli import app
from community.config import get_settings
from tests.smtp import Mailbox, smtp_server  # noqa: F401  (the session's SMTP server)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_until_up(process: subprocess.Popen[bytes], port: int) -> None:
    deadline = time.monotonic() + 60
    while True:
        if process.poll() is not None:
            stream = process.stderr or process.stdout
            raise AssertionError(stream.read().decode() if stream else "the server left")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz").status_code == 200:
                return
        except httpx.HTTPError:
            pass
        assert time.monotonic() < deadline, "the server did not start"
        time.sleep(0.2)


@pytest.fixture
def server(tmp_path: Path, smtp_server: Mailbox) -> Iterator[tuple[int, Mailbox]]:  # noqa: F811
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("COMMUNITY_")}
    env.update(
        COMMUNITY_DATA_DIR=str(tmp_path / "data"),
        COMMUNITY_SMTP_URL=smtp_server.url,
        COMMUNITY_ANTISPAM_ENABLED="false",
    )
    smtp_server.clear()
    command = ["-c", "from community.cli import app; app()", "serve", "--no-demo"]
    process = subprocess.Popen(
        [sys.executable, *command, "--port", str(port)],
        cwd=tmp_path,  # no .env of the developer's
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        _wait_until_up(process, port)
        yield port, smtp_server
    finally:
        process.terminate()
        process.wait(timeout=30)


def test_links_name_the_port_the_server_was_started_on(server: tuple[int, Mailbox]) -> None:
    port, mailbox = server
    base = f"http://127.0.0.1:{port}"
    robots = httpx.get(f"{base}/robots.txt").text
    assert f"Sitemap: {base}/sitemap.xml" in robots
    with httpx.Client(base_url=base) as browser:
        browser.get("/")
        csrf = browser.cookies.get("community_csrf")
        assert csrf
        registered = browser.post(
            "/api/v1/auth/register",
            json={
                "email": "neu@example.com",
                "password": "ein langes Passwort 7",
                "nickname": "Neu",
            },
            headers={"X-CSRF-Token": csrf},
        )
        assert registered.status_code == 201, registered.text
    deadline = time.monotonic() + 30
    while not mailbox.to("neu@example.com"):
        assert time.monotonic() < deadline, "no verification mail"
        time.sleep(0.2)
    link = mailbox.to("neu@example.com")[0].link("/verify-email")
    assert link.startswith(f"{base}/verify-email")
    assert httpx.get(link).status_code == 200  # the link works: the member is verified


def test_a_set_public_url_wins_over_the_port(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    started: list[str] = []
    monkeypatch.setenv("COMMUNITY_PUBLIC_URL", "https://forum.example.com")
    monkeypatch.setenv("COMMUNITY_DATABASE_URL", f"sqlite:///{tmp_path / 'db.sqlite3'}")
    monkeypatch.setattr(
        uvicorn,
        "run",
        lambda application, **kw: started.append(application.state.settings.public_url),
    )
    get_settings.cache_clear()
    try:
        result = CliRunner().invoke(app, ["serve", "--no-demo", "--port", "9000"])
    finally:
        get_settings.cache_clear()
    assert result.exit_code == 0, result.output
    assert started == ["https://forum.example.com"]


def test_with_json_logs_every_line_the_server_writes_is_json(tmp_path: Path) -> None:
    """A log collector reads one JSON object per line; a plain "Forum läuft auf …" among
    them broke its parsing."""
    import json

    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("COMMUNITY_")}
    env.update(COMMUNITY_DATA_DIR=str(tmp_path / "data"), COMMUNITY_LOG_FORMAT="json")
    command = ["-c", "from community.cli import app; app()", "serve", "--no-demo"]
    process = subprocess.Popen(
        [sys.executable, *command, "--port", str(port)],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,  # as `docker logs` shows both
    )
    try:
        _wait_until_up(process, port)
    finally:
        process.terminate()
        output, _ = process.communicate(timeout=30)
    lines = [line for line in output.decode().splitlines() if line.strip()]
    assert lines
    records = [json.loads(line) for line in lines]  # raises on a line that is not JSON
    assert any(f"127.0.0.1:{port}" in str(record.get("message")) for record in records)
