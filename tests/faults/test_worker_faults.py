"""The worker during faults (issue 16, fault 5): a round that fails because the database
went away hands its claimed jobs back at once; a killed worker's jobs are taken over when
its lease runs out (COMMUNITY_JOB_STALL_SECONDS, 45 s by default), not after minutes."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.exc import OperationalError
from sqlmodel import Session, col

from community.config import get_settings
from community.jobs import service
from community.jobs.models import Job, JobStatus
from community.jobs.worker import Worker
from tests.factories import make_user
from tests.faults.proxy import FaultProxy

pytestmark = pytest.mark.commits

PROBE = "test.fault_probe"


def _jobs(engine: Engine) -> list[Job]:
    with Session(engine) as session:
        return list(session.execute(select(Job).order_by(col(Job.id))).scalars())


@pytest.fixture
def probe_handler() -> Iterator[list[int]]:
    """A job type whose first run cuts the database under the worker (see the test)."""
    ran: list[int] = []
    yield ran
    service.HANDLERS.pop(PROBE, None)


def test_round_failing_in_a_cut_hands_back_its_claims_at_once(
    proxied: Engine, direct: Engine, proxy: FaultProxy, probe_handler: list[int]
) -> None:
    def probe(_session: Session, payload: dict) -> None:  # type: ignore[type-arg]
        probe_handler.append(payload["n"])
        if probe_handler == [0]:
            proxy.cut()  # the database goes away in the middle of the round

    service.HANDLERS[PROBE] = probe
    with Session(direct) as session:
        for n in range(8):
            service.enqueue(session, PROBE, {"n": n})
        session.commit()
    worker = Worker(proxied)

    with pytest.raises(OperationalError):
        worker.run_once()
    assert probe_handler == [0]
    proxy.restore()
    start = time.monotonic()
    worker.run_once()  # hands back first, then claims them again

    jobs = _jobs(direct)
    assert time.monotonic() - start < 5
    assert [j.status for j in jobs] == [JobStatus.done.value] * 8
    assert sorted(probe_handler) == [0, *range(8)]  # the interrupted one ran again
    # The seven that never ran lost no attempt; the one interrupted ran twice.
    assert [j.attempts for j in jobs] == [2, 1, 1, 1, 1, 1, 1, 1]


def _blackhole_smtp() -> socket.socket:
    """Accepts connections (the kernel does) and never greets: a mail job hangs on it."""
    return socket.create_server(("127.0.0.1", 0), backlog=16)


def test_killed_worker_jobs_are_taken_over_when_its_lease_ends(
    fault_database_url: str, direct: Engine, fault_db: Session, tmp_path: Path, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    stall = 3
    smtp = _blackhole_smtp()
    user = make_user(fault_db)
    with Session(direct) as session:
        service.enqueue(
            session, "mail.account", {"user_id": user.id, "purpose": "verify", "token": "t"}
        )
        session.commit()
    env = {
        **os.environ,
        "COMMUNITY_DATABASE_URL": fault_database_url,
        "COMMUNITY_DATA_DIR": str(tmp_path),
        "COMMUNITY_SMTP_URL": f"smtp://127.0.0.1:{smtp.getsockname()[1]}",
        "COMMUNITY_JOB_STALL_SECONDS": str(stall),
    }
    proc = subprocess.Popen(
        [str(Path(sys.executable).parent / "community"), "worker"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            (job,) = _jobs(direct)
            if job.status == JobStatus.running.value:
                break
            time.sleep(0.1)
        assert job.status == JobStatus.running.value, "the worker never took the job"
        time.sleep(stall + 1)
        # Alive, the worker renews its lease: no one takes its job.
        monkeypatch.setattr(get_settings(), "job_stall_seconds", stall)
        with Session(direct) as session:
            assert service.requeue_stalled(session, stall) == 0
            session.rollback()
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
        killed_at = time.monotonic()

        other = Worker(direct)
        while time.monotonic() - killed_at < 20:
            other.run_once()
            (job,) = _jobs(direct)
            if job.status == JobStatus.done.value:
                break
            time.sleep(0.2)
        taken_over_after = time.monotonic() - killed_at
    finally:
        proc.kill()
        smtp.close()
    assert job.status == JobStatus.done.value
    assert taken_over_after < stall + 3
