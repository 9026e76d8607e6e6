"""The embedded search index during faults (issue 16, fault 9): a writer killed during a
reindex leaves a build folder, which the next writer removes; while the index cannot be
written (read-only folder, full disk) /readyz and the search page say "degraded", and both
recover by themselves once writes succeed again."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, update
from sqlmodel import Session

from community.clock import utcnow
from community.jobs.models import Job
from community.jobs.worker import Worker
from search import upkeep
from search.embedded import CURRENT, EmbeddedBackend
from search.upkeep import write_problem
from tests.factories import make_category, make_thread, make_user

pytestmark = pytest.mark.commits

KILLED_REINDEX = r"""
import sys, time
from search.documents import ThreadDocument
from search.embedded import EmbeddedBackend

def documents():
    for i in range(1, 10**9):
        if i == 200:
            print("building", flush=True)
        yield ThreadDocument(id=i, title=f"Thema {i}", question="Frage", solution="",
            replies="", board_id=1, board_slug="b", kind="question", solved=False,
            created=0, last_activity=0, kudos=0, reply_count=0)
        if i > 200:
            time.sleep(0.01)

EmbeddedBackend(sys.argv[1]).reindex(documents())
"""


def test_a_killed_reindex_leaves_no_build_folder_behind(
    search_backend: EmbeddedBackend, db: Session, run_worker
) -> None:  # type: ignore[no-untyped-def]
    make_thread(db, author=make_user(db), category=make_category(db), title="Router tauschen")
    run_worker()
    in_use = (search_backend.path / CURRENT).read_text().strip()
    search_backend.release_writer()  # as if this process had ended
    proc = subprocess.Popen(
        [sys.executable, "-c", KILLED_REINDEX, str(search_backend.path)],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None and proc.stdout.readline().strip() == "building"
    proc.send_signal(signal.SIGKILL)
    proc.wait(10)
    folders = {p.name for p in search_backend.path.iterdir() if p.is_dir()}
    assert len(folders) == 2  # the index in use and the killed build

    search_backend.claim_writer()  # the next writer (worker, serve) starts

    assert {p.name for p in search_backend.path.iterdir() if p.is_dir()} == {in_use}
    assert (search_backend.path / CURRENT).read_text().strip() == in_use
    assert search_backend.stats()["documents"] == 1


def _make_read_only(folders: list[Path]) -> None:
    for folder in folders:
        folder.chmod(0o555)
    if write_problem(folders[-1]) is None and os.geteuid() == 0:
        # root writes through file modes; the immutable flag stops it too
        for folder in folders:
            subprocess.run(["chattr", "+i", str(folder)], check=False, capture_output=True)
    if write_problem(folders[-1]) is None:
        _make_writable(folders)
        pytest.skip("cannot make a folder read-only here (root without chattr)")


def _make_writable(folders: list[Path]) -> None:
    for folder in folders:
        with contextlib.suppress(FileNotFoundError):
            subprocess.run(["chattr", "-i", str(folder)], check=False, capture_output=True)
        folder.chmod(0o755)


class ProbeClock:
    """The monotonic clock of the index's write probe, plus what a test let pass."""

    def __init__(self) -> None:
        self.offset = 0.0

    def monotonic(self) -> float:
        return time.monotonic() + self.offset

    def advance(self, seconds: float) -> None:
        self.offset += seconds


@pytest.fixture
def probe_clock(monkeypatch: pytest.MonkeyPatch) -> ProbeClock:
    """Lets the probe's cached answer age without sleeping."""
    clock = ProbeClock()
    monkeypatch.setattr(upkeep, "time", clock)
    return clock


@pytest.fixture
def read_only_index(search_backend: EmbeddedBackend) -> Iterator[list[Path]]:
    folders: list[Path] = []
    yield folders
    _make_writable(folders)


def test_index_that_cannot_be_written_is_reported_degraded_and_recovers(
    client: TestClient,
    db: Session,
    engine: Engine,
    search_backend: EmbeddedBackend,
    read_only_index: list[Path],
    run_worker,
    probe_clock: ProbeClock,
) -> None:  # type: ignore[no-untyped-def]
    author, board = make_user(db), make_category(db)
    make_thread(db, author=author, category=board, title="Router tauschen")
    run_worker()
    current = search_backend.path / (search_backend.path / CURRENT).read_text().strip()
    assert client.get("/readyz").json()["checks"]["search"]["status"] == "ok"

    read_only_index[:] = [search_backend.path, current]
    _make_read_only(read_only_index)
    probe_clock.advance(2.1)  # the probe's answer is kept for 2 s
    new = make_thread(db, author=author, category=board, title="Glasfaser bestellen")
    run_worker()  # the index update fails and waits for its retry

    search = client.get("/search", params={"q": "Glasfaser"})
    ready = client.get("/readyz").json()["checks"]["search"]
    assert ready["status"] == "degraded" and "read-only" in ready["error"]
    assert search.status_code == 200
    assert "Die Suche ist eingeschränkt" in search.text
    assert f'href="/t/{new.id}' not in search.text

    _make_writable(read_only_index)
    with Session(engine) as session:  # the retry's time comes (a backoff of seconds)
        session.execute(update(Job).values(run_at=utcnow()))
        session.commit()
    run_worker()
    probe_clock.advance(2.1)

    search = client.get("/search", params={"q": "Glasfaser"})
    assert client.get("/readyz").json()["checks"]["search"]["status"] == "ok"
    assert "Die Suche ist eingeschränkt" not in search.text
    assert f'href="/t/{new.id}' in search.text


@pytest.fixture
def run_worker(engine: Engine):  # type: ignore[no-untyped-def]
    return lambda: Worker(engine).run_until_empty()
