"""The jobs table is a transactional outbox: a side effect is a row written in the same
transaction as the change, and `community worker` runs it once, retrying with backoff."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, select, update
from sqlmodel import Session

from community.clock import utcnow
from community.db import session_scope
from community.jobs import service
from community.jobs.models import Job, JobStatus
from community.jobs.worker import Worker

JOB_TYPE = "test.xyz"


@pytest.fixture
def calls() -> Iterator[list[dict[str, Any]]]:
    """Registers a handler for JOB_TYPE that records its payloads; removed afterwards."""
    seen: list[dict[str, Any]] = []
    saved = dict(service.HANDLERS)

    @service.handler(JOB_TYPE)
    def record(_session: Session, payload: dict[str, Any]) -> None:
        seen.append(payload)

    yield seen
    service.HANDLERS.clear()
    service.HANDLERS.update(saved)


@pytest.fixture
def failures() -> Iterator[list[dict[str, Any]]]:
    """A handler for JOB_TYPE that always fails, as a mail server that is down would."""
    seen: list[dict[str, Any]] = []
    saved = dict(service.HANDLERS)

    @service.handler(JOB_TYPE)
    def fail(_session: Session, payload: dict[str, Any]) -> None:
        seen.append(payload)
        raise ConnectionRefusedError("SMTP-Server antwortet nicht")

    yield seen
    service.HANDLERS.clear()
    service.HANDLERS.update(saved)


def _jobs(engine: Engine) -> list[Job]:
    with Session(engine) as session:
        return list(session.execute(select(Job).order_by(Job.id)).scalars())  # type: ignore[arg-type]


def _enqueue_committed(engine: Engine, payload: dict[str, Any]) -> int:
    with Session(engine) as session:
        job = service.enqueue(session, JOB_TYPE, payload)
        session.commit()
        assert job.id is not None
        return job.id


def _make_due(engine: Engine) -> None:
    """Let the backoff pass without waiting for it."""
    with engine.begin() as conn:
        conn.execute(update(Job).values(run_at=utcnow() - timedelta(seconds=1)))


def _enqueue_then_fail(engine: Engine) -> None:
    """A request that queues a side effect and then fails, as a service error would."""
    for session in session_scope(engine):
        service.enqueue(session, JOB_TYPE, {"thread_id": 1})
        session.flush()
        raise RuntimeError("Abbruch nach dem Einreihen")


def test_job_enqueued_in_a_rolled_back_transaction_never_runs(engine, calls):
    with pytest.raises(RuntimeError, match="Abbruch"):
        _enqueue_then_fail(engine)

    assert _jobs(engine) == []
    assert Worker(engine).run_until_empty() == 0
    assert calls == []


def test_committed_job_runs_exactly_once(engine, calls):
    job_id = _enqueue_committed(engine, {"thread_id": 7})

    assert Worker(engine).run_until_empty() == 1
    assert Worker(engine).run_until_empty() == 0

    assert calls == [{"thread_id": 7}]
    [job] = _jobs(engine)
    assert job.id == job_id
    assert job.status == JobStatus.done
    assert job.attempts == 1
    assert job.finished_at is not None
    assert job.last_error is None


def test_job_with_a_delay_waits_until_it_is_due(engine, calls):
    with Session(engine) as session:
        service.enqueue(session, JOB_TYPE, {"later": True}, delay_seconds=3600)
        session.commit()

    assert Worker(engine).run_until_empty() == 0
    _make_due(engine)
    assert Worker(engine).run_until_empty() == 1
    assert calls == [{"later": True}]


def test_failing_handler_leaves_no_partial_writes_behind(engine):
    """The handler's writes and the job's `done` share one transaction."""
    saved = dict(service.HANDLERS)

    @service.handler(JOB_TYPE)
    def enqueue_follow_up_then_fail(session: Session, payload: dict[str, Any]) -> None:
        service.enqueue(session, "test.follow-up", {})
        session.flush()
        raise ValueError("halb erledigt")

    try:
        _enqueue_committed(engine, {})
        Worker(engine).run_once()
    finally:
        service.HANDLERS.clear()
        service.HANDLERS.update(saved)

    [job] = _jobs(engine)
    assert job.type == JOB_TYPE
    assert job.status == JobStatus.queued
    assert "halb erledigt" in (job.last_error or "")


def test_failing_job_is_retried_later_with_its_error_recorded(engine, failures):
    _enqueue_committed(engine, {"to": 1})

    before = utcnow()
    assert Worker(engine).run_once() == 1
    after = utcnow()

    [job] = _jobs(engine)
    assert job.status == JobStatus.queued
    assert job.attempts == 1
    assert job.locked_by is None
    assert "ConnectionRefusedError" in (job.last_error or "")
    assert "SMTP-Server antwortet nicht" in (job.last_error or "")
    # First retry: between half and all of the base delay from the moment it failed.
    delay_low = service.BACKOFF_BASE_SECONDS / 2
    delay_high = service.BACKOFF_BASE_SECONDS
    assert before + timedelta(seconds=delay_low) <= job.run_at
    assert job.run_at <= after + timedelta(seconds=delay_high)
    # Not due yet: the worker does not hammer a failing mail server.
    assert Worker(engine).run_until_empty() == 0
    assert len(failures) == 1

    _make_due(engine)
    assert Worker(engine).run_once() == 1
    [job] = _jobs(engine)
    assert job.attempts == 2
    assert job.status == JobStatus.queued
    assert len(failures) == 2


def test_job_failing_max_attempts_times_is_given_up(engine, failures, settings, monkeypatch):
    """COMMUNITY_JOB_MAX_ATTEMPTS decides how often a job is tried."""
    monkeypatch.setattr(settings, "job_max_attempts", 3)
    _enqueue_committed(engine, {"to": 1})
    worker = Worker(engine)

    for _ in range(3):
        _make_due(engine)
        assert worker.run_once() == 1

    [job] = _jobs(engine)
    assert job.status == JobStatus.failed
    assert job.attempts == job.max_attempts == 3
    assert job.finished_at is not None
    assert "SMTP-Server antwortet nicht" in (job.last_error or "")
    _make_due(engine)
    assert worker.run_until_empty() == 0
    assert len(failures) == 3


def test_job_of_unknown_type_fails_with_a_readable_error(engine):
    with Session(engine) as session:
        service.enqueue(session, "test.unbekannt", {})
        session.commit()

    Worker(engine).run_once()

    [job] = _jobs(engine)
    assert job.status == JobStatus.queued
    assert "no handler for job type 'test.unbekannt'" in (job.last_error or "")


@pytest.mark.parametrize("attempts", [1, 2, 3, 5, 8])
def test_backoff_grows_exponentially_with_jitter_in_the_upper_half(attempts):
    ceiling = service.BACKOFF_BASE_SECONDS * 2 ** (attempts - 1)
    delays = [service.backoff_seconds(attempts) for _ in range(200)]

    assert all(ceiling / 2 <= d <= ceiling for d in delays)
    # Jitter: failing jobs do not all come back at the same second.
    assert len(set(delays)) > 100


def test_backoff_is_capped():
    delays = [service.backoff_seconds(40) for _ in range(50)]
    assert all(service.BACKOFF_MAX_SECONDS / 2 <= d <= service.BACKOFF_MAX_SECONDS for d in delays)


def _insert_running(engine: Engine, locked_at: Any, *, attempts: int = 1) -> int:
    with Session(engine) as session:
        job = Job(
            type=JOB_TYPE,
            payload={"n": 1},
            status=JobStatus.running.value,
            attempts=attempts,
            max_attempts=3,
            locked_by="abgestuerzter-host:4711:1",
            locked_at=locked_at,
        )
        session.add(job)
        session.commit()
        assert job.id is not None
        return job.id


def test_job_left_running_by_a_dead_worker_is_requeued_and_run(engine, calls, settings):
    stalled_since = utcnow() - timedelta(seconds=settings.job_stall_seconds + 60)
    _insert_running(engine, stalled_since)

    assert Worker(engine).run_until_empty() == 1

    assert calls == [{"n": 1}]
    [job] = _jobs(engine)
    assert job.status == JobStatus.done
    assert job.attempts == 2


def test_job_that_keeps_killing_its_worker_is_given_up(engine, calls, settings):
    stalled_since = utcnow() - timedelta(seconds=settings.job_stall_seconds + 60)
    _insert_running(engine, stalled_since, attempts=3)

    assert Worker(engine).run_until_empty() == 0

    assert calls == []
    [job] = _jobs(engine)
    assert job.status == JobStatus.failed
    assert job.attempts == 3
    assert job.finished_at is not None
    assert job.last_error == service.STALLED_ERROR


def test_job_running_on_a_live_worker_is_not_taken_over(engine, calls, settings):
    recently = utcnow() - timedelta(seconds=settings.job_stall_seconds / 2)
    _insert_running(engine, recently)

    assert Worker(engine).run_until_empty() == 0

    assert calls == []
    [job] = _jobs(engine)
    assert job.status == JobStatus.running
    assert job.locked_by == "abgestuerzter-host:4711:1"


@pytest.mark.commits
def test_a_slow_batch_never_runs_a_job_twice(engine, settings):
    """The second job of a batch waits while the first runs; it must not look abandoned to
    another worker, and if another worker took it over anyway, the first one leaves it."""
    seen: list[str] = []
    slow = Worker(engine)
    other = Worker(engine)
    other.worker_id = "zweiter-worker"
    saved = dict(service.HANDLERS)

    @service.handler(JOB_TYPE)
    def record(_session: Session, payload: dict[str, Any]) -> None:
        seen.append(payload["n"])
        if payload["n"] == 1 and seen.count(1) == 1:
            # Job 2 has waited in the batch past the stall timeout; another worker looks.
            with engine.begin() as conn:
                conn.execute(
                    update(Job)
                    .where(Job.payload["n"].as_integer() == 2)  # type: ignore[index]
                    .values(locked_at=utcnow() - timedelta(seconds=settings.job_stall_seconds + 1))
                )
            other.run_once()

    try:
        _enqueue_committed(engine, {"n": 1})
        _enqueue_committed(engine, {"n": 2})
        slow.run_once()
        slow.run_until_empty()
        other.run_until_empty()
    finally:
        service.HANDLERS.clear()
        service.HANDLERS.update(saved)

    assert sorted(seen) == [1, 2]
    assert {job.status for job in _jobs(engine)} == {JobStatus.done.value}


@pytest.mark.commits
@pytest.mark.postgres_only  # FOR UPDATE SKIP LOCKED exists only on PostgreSQL
def test_two_workers_claiming_at_once_get_disjoint_jobs(engine):
    with Session(engine) as session:
        for n in range(15):
            service.enqueue(session, JOB_TYPE, {"n": n})
        session.commit()

    first_claimed = threading.Event()
    second_claimed = threading.Event()
    claimed: dict[str, list[int]] = {}
    overlapped: list[bool] = []
    errors: list[BaseException] = []

    def first() -> None:
        try:
            with Session(engine) as session:
                claimed["first"] = [j.id for j in service.claim(session, "w1", limit=10)]  # type: ignore[misc]
                first_claimed.set()
                # Keep the transaction (and its row locks) open while the other one claims.
                overlapped.append(second_claimed.wait(timeout=5))
                session.commit()
        except BaseException as exc:
            errors.append(exc)
            first_claimed.set()

    def second() -> None:
        try:
            first_claimed.wait(timeout=10)
            with Session(engine) as session:
                claimed["second"] = [j.id for j in service.claim(session, "w2", limit=10)]  # type: ignore[misc]
                second_claimed.set()
                session.commit()
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)

    assert errors == []
    # The second worker neither waited for the first one's locks nor took its rows.
    assert overlapped == [True]
    assert len(claimed["first"]) == 10
    assert len(claimed["second"]) == 5
    assert set(claimed["first"]).isdisjoint(claimed["second"])
    assert {j.id for j in _jobs(engine)} == set(claimed["first"]) | set(claimed["second"])
    owners = {j.id: j.locked_by for j in _jobs(engine)}
    assert {owners[i] for i in claimed["first"]} == {"w1"}
    assert {owners[i] for i in claimed["second"]} == {"w2"}
