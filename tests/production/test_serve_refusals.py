"""`community serve` refuses, before touching the database, what cannot work in production."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import uvicorn
from typer.testing import CliRunner

from community import cli
from community.cli import app
from community.config import get_settings

runner = CliRunner(env={"COLUMNS": "200"})


@pytest.fixture
def fresh_settings(monkeypatch, tmp_path) -> Iterator[None]:  # type: ignore[no-untyped-def]
    monkeypatch.delenv("COMMUNITY_MEILI_URL", raising=False)
    monkeypatch.setenv("COMMUNITY_DATABASE_URL", f"sqlite:///{tmp_path / 'never.sqlite3'}")
    # A refusal that fails must not leave a real server running in the test.
    monkeypatch.setattr(uvicorn, "run", _no_server)
    monkeypatch.setattr(cli, "_supervise", _no_server)  # several processes: exec'd
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def _no_server(*args: object, **kwargs: object) -> None:
    raise AssertionError("the server was started")


def test_several_workers_on_the_embedded_search_are_refused(
    fresh_settings, monkeypatch, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    # As on the SQLite default outside tests: every app process would run the job worker.
    monkeypatch.setenv("COMMUNITY_RUN_WORKER_IN_PROCESS", "true")
    result = runner.invoke(app, ["serve", "--workers", "2", "--no-demo"])
    assert result.exit_code == 2, result.output
    assert "embedded search index" in result.output
    assert "COMMUNITY_MEILI_URL" in result.output
    assert not (tmp_path / "never.sqlite3").exists()  # refused before migrating anything


def test_production_on_the_default_secret_is_refused(fresh_settings, monkeypatch, tmp_path) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("COMMUNITY_ENVIRONMENT", "production")
    monkeypatch.delenv("COMMUNITY_SECRET_KEY", raising=False)
    get_settings.cache_clear()
    result = runner.invoke(app, ["serve", "--no-demo"])
    assert result.exit_code == 2, result.output
    assert "COMMUNITY_SECRET_KEY" in result.output
    assert "https://" in result.output
    assert not (tmp_path / "never.sqlite3").exists()


def test_a_port_in_use_is_refused_before_anything_starts(fresh_settings, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """uvicorn found it only after the migrations, the worker and the warm-up (exit 3)."""
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = runner.invoke(app, ["serve", "--port", str(port), "--no-demo"])
    assert result.exit_code == 2, result.output
    assert f"127.0.0.1:{port} ist schon belegt" in " ".join(result.output.split())
    assert not (tmp_path / "never.sqlite3").exists()  # nothing migrated
