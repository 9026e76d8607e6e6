"""The embedded search index has one writer process: whatever runs the job worker. Others
read it, and a second writer is refused with a message that names the way out
(COMMUNITY_MEILI_URL). These tests use real processes, since the lock is between them."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from sqlalchemy import Engine, select
from sqlmodel import Session
from typer.testing import CliRunner

from community import cli, supervisor
from community.backup import BackupError, backup, restore
from community.cli import app
from community.config import get_settings
from community.db import get_engine
from community.forum.models import Thread
from community.indexing.service import REINDEX
from community.jobs.models import Job
from search.documents import Filters, ThreadDocument
from search.embedded import EmbeddedBackend, IndexLocked, holds_writer
from tests.factories import make_category, make_thread, make_user

ROOT = Path(__file__).resolve().parents[2]
COMMUNITY = str(Path(sys.executable).with_name("community"))
runner = CliRunner(env={"COLUMNS": "200"})

HOLD_LOCK = """
import sys, time
from search.embedded import claim_writer
claim_writer(sys.argv[1])
print("claimed", flush=True)
time.sleep(300)
"""

# Writes one document, then another after a line on stdin: what `community worker` does.
WRITE_TWO = """
import sys
from search.documents import ThreadDocument
from search.embedded import EmbeddedBackend

def doc(i, title):
    return ThreadDocument(id=i, title=title, question="", solution="", replies="",
        board_id=1, board_slug="b", kind="question", solved=False, created=1,
        last_activity=1, kudos=0, reply_count=0)

backend = EmbeddedBackend(sys.argv[1])
backend.upsert([doc(1, "Glasfaseranschluss im Gewerbegebiet")])
print("one", flush=True)
sys.stdin.readline()
backend.upsert([doc(2, "Rufumleitung auf das Handy")])
print("two", flush=True)
sys.stdin.readline()
"""


@contextmanager
def other_process(script: str, path: Path) -> Iterator[subprocess.Popen[str]]:
    proc = subprocess.Popen(
        [sys.executable, "-c", script, str(path)],
        cwd=ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        yield proc
    finally:
        proc.kill()
        proc.wait(timeout=30)


@contextmanager
def writer_elsewhere(path: Path) -> Iterator[subprocess.Popen[str]]:
    with other_process(HOLD_LOCK, path) as proc:
        assert proc.stdout is not None and proc.stdout.readline().strip() == "claimed"
        yield proc


def _doc(doc_id: int) -> ThreadDocument:
    return ThreadDocument(
        id=doc_id,
        title="Router",
        question="",
        solution="",
        replies="",
        board_id=1,
        board_slug="b",
        kind="question",
        solved=False,
        created=1,
        last_activity=1,
        kudos=0,
        reply_count=0,
    )


def _eventually(check: Callable[[], bool], seconds: float = 20) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.1)
    return check()


def test_a_second_process_cannot_write_until_the_writer_ends(
    search_backend: EmbeddedBackend,
) -> None:
    with writer_elsewhere(search_backend.path) as proc:
        with pytest.raises(IndexLocked) as refused:
            search_backend.claim_writer()
        assert f"pid {proc.pid}" in refused.value.holder
        with pytest.raises(IndexLocked):  # nor by writing straight away
            search_backend.upsert([_doc(1)])
    # The kernel drops the lock with the process: a crashed writer blocks no successor.
    search_backend.upsert([_doc(1)])
    assert holds_writer(search_backend.path)
    assert search_backend.stats()["documents"] == 1


def test_other_processes_read_what_the_writer_commits(search_backend: EmbeddedBackend) -> None:
    def found(q: str) -> bool:
        return search_backend.search(q, filters=Filters(), visibility=None).total == 1

    with other_process(WRITE_TWO, search_backend.path) as writer:
        assert writer.stdin is not None and writer.stdout is not None
        assert writer.stdout.readline().strip() == "one"
        assert _eventually(lambda: found("Glasfaseranschluss"))
        writer.stdin.write("\n")
        writer.stdin.flush()
        assert writer.stdout.readline().strip() == "two"
        # Picked up from the writer's commit, without any write or reopen here.
        assert _eventually(lambda: found("Rufumleitung"))
        assert not holds_writer(search_backend.path)


def test_reading_before_the_writer_built_the_index_finds_nothing(tmp_path: Path) -> None:
    reader = EmbeddedBackend(tmp_path / "never-built")
    reader.ensure()  # not the writer: creates nothing
    assert reader.search("Router", filters=Filters(), visibility=None).total == 0
    assert reader.similar("Router verliert Verbindung", visibility=None) == []
    assert reader.stats()["documents"] == 0
    assert not (tmp_path / "never-built" / "CURRENT").exists()


def _subprocess_env(engine: Engine, data_dir: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.pop("COMMUNITY_MEILI_URL", None)
    env.update(
        COMMUNITY_DATABASE_URL=engine.url.render_as_string(hide_password=False),
        COMMUNITY_DATA_DIR=str(data_dir),
        COLUMNS="200",
    )
    return env


@pytest.mark.commits
def test_a_second_community_worker_is_refused(engine: Engine, tmp_path: Path) -> None:
    env = _subprocess_env(engine, tmp_path / "data")
    lock = tmp_path / "data" / "search" / "WRITER.lock"
    first = subprocess.Popen([COMMUNITY, "worker"], env=env, cwd=ROOT, stdout=subprocess.DEVNULL)
    try:
        assert _eventually(
            lambda: lock.exists() and f"pid {first.pid} " in lock.read_text(), seconds=60
        ), "the first worker did not claim the index"
        second = subprocess.run(
            [COMMUNITY, "worker", "--once"],
            env=env,
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=120,
        )
    finally:
        first.terminate()
        first.wait(timeout=30)
    assert second.returncode == 2, second.stdout + second.stderr
    assert "already written by another process" in second.stdout
    assert f"pid {first.pid}" in second.stdout
    assert "COMMUNITY_MEILI_URL" in second.stdout


@pytest.fixture
def cli_settings(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    """The CLI on this test's data dir, whose search folder is the test's search backend."""

    def reset() -> None:
        if get_engine.cache_info().currsize:
            get_engine().dispose()
        get_engine.cache_clear()
        get_settings.cache_clear()

    reset()
    monkeypatch.delenv("COMMUNITY_MEILI_URL", raising=False)
    monkeypatch.setenv("COMMUNITY_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("COMMUNITY_DATABASE_URL", f"sqlite:///{tmp_path / 'cli.sqlite3'}")
    yield
    reset()


def test_serve_with_the_worker_inside_is_refused_beside_a_running_writer(
    cli_settings: None,
    monkeypatch: pytest.MonkeyPatch,
    search_backend: EmbeddedBackend,
    tmp_path: Path,
) -> None:
    monkeypatch.setenv("COMMUNITY_RUN_WORKER_IN_PROCESS", "true")
    monkeypatch.setattr(uvicorn, "run", lambda *a, **k: pytest.fail("the server was started"))
    with writer_elsewhere(search_backend.path):
        result = runner.invoke(app, ["serve", "--no-demo"])
    assert result.exit_code == 2, result.output
    assert "already written by another process" in result.output
    assert "COMMUNITY_MEILI_URL" in result.output
    assert not (tmp_path / "cli.sqlite3").exists()  # refused before migrating


def test_several_app_processes_start_when_the_worker_runs_apart(
    cli_settings: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """They only read the embedded index; the one `community worker` writes it."""
    monkeypatch.setenv("COMMUNITY_RUN_WORKER_IN_PROCESS", "false")
    started: list[int] = []
    monkeypatch.setattr(uvicorn, "run", lambda *a, **k: pytest.fail("started in this process"))
    monkeypatch.setattr(cli, "_supervise", lambda host, port, workers: started.append(workers))
    result = runner.invoke(app, ["serve", "--no-demo", "--workers", "2"])
    assert result.exit_code == 0, result.output
    assert started == [2]


def test_the_supervisor_starts_the_app_processes_with_what_serve_was_given(
    cli_settings: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What `serve --workers 2` execs into (community/supervisor.py) runs uvicorn's
    supervisor of the app module, on the address and with the count given to `serve`."""
    started: list[tuple[Any, dict[str, Any]]] = []
    monkeypatch.setattr(uvicorn, "run", lambda target, **kwargs: started.append((target, kwargs)))
    supervisor.main(["127.0.0.2", "8123", "3"])
    [(target, kwargs)] = started
    assert target == "community.asgi:app"
    assert (kwargs["host"], kwargs["port"], kwargs["workers"]) == ("127.0.0.2", 8123, 3)
    assert kwargs["access_log"] is False  # our own access line, without query strings


@pytest.mark.commits
def test_reindex_beside_a_running_worker_leaves_the_rebuild_to_it(
    engine: Engine,
    db: Session,
    monkeypatch: pytest.MonkeyPatch,
    search_backend: EmbeddedBackend,
    tmp_path: Path,
) -> None:
    get_engine.cache_clear()
    get_settings.cache_clear()
    monkeypatch.setenv("COMMUNITY_DATABASE_URL", engine.url.render_as_string(hide_password=False))
    try:
        with writer_elsewhere(search_backend.path) as proc:
            result = runner.invoke(app, ["reindex"])
    finally:
        if get_engine.cache_info().currsize:
            get_engine().dispose()
        get_engine.cache_clear()
        get_settings.cache_clear()
    assert result.exit_code == 0, result.output
    assert f"pid {proc.pid}" in result.output and "Auftrag eingereiht" in result.output
    queued = db.execute(select(Job).where(Job.type == REINDEX)).scalars().all()  # type: ignore[arg-type]
    assert len(queued) == 1
    assert search_backend.stats()["documents"] == 0  # nothing written from here


@pytest.mark.commits
def test_restore_is_refused_while_a_worker_writes_the_index(
    db: Session, engine: Engine, search_backend: EmbeddedBackend, tmp_path: Path
) -> None:
    member = make_user(db)
    board = make_category(db)
    file = backup(engine, tmp_path / "before.backup")
    later = make_thread(db, author=member, category=board, title="Nach der Sicherung")
    db.close()
    with (
        writer_elsewhere(search_backend.path),
        pytest.raises(BackupError, match="Stop the app and the worker"),
    ):
        restore(engine, file)
    assert db.get(Thread, later.id) is not None  # the database was not touched
