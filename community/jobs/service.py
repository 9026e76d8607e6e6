"""Enqueueing jobs and the worker's claim / finish / retry rules."""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from sqlalchemy import or_, select, update
from sqlmodel import Session, col

from community.clock import utcnow
from community.config import get_settings
from community.db import is_postgres
from community.jobs.models import Job, JobStatus

JobHandler = Callable[[Session, dict[str, Any]], None]
HANDLERS: dict[str, JobHandler] = {}

BACKOFF_BASE_SECONDS = 5.0
BACKOFF_MAX_SECONDS = 6 * 3600.0


def handler(type_: str) -> Callable[[JobHandler], JobHandler]:
    def register(fn: JobHandler) -> JobHandler:
        HANDLERS[type_] = fn
        return fn

    return register


def enqueue(
    session: Session,
    type_: str,
    payload: dict[str, Any],
    *,
    delay_seconds: float = 0,
    max_attempts: int | None = None,
) -> Job:
    """Add a job to the caller's transaction: it runs only if that transaction commits."""
    from community.requestlog import current_request_id

    job = Job(
        type=type_,
        payload=payload,
        request_id=current_request_id(),
        run_at=utcnow() + timedelta(seconds=delay_seconds),
        max_attempts=max_attempts or get_settings().job_max_attempts,
    )
    session.add(job)
    return job


def backoff_seconds(attempts: int) -> float:
    """Exponential backoff with full jitter, so failing jobs do not retry in lockstep."""
    ceiling = min(BACKOFF_MAX_SECONDS, BACKOFF_BASE_SECONDS * (2 ** max(attempts - 1, 0)))
    return random.uniform(ceiling / 2, ceiling)


class RetryLater(Exception):
    """Raised by a handler that keeps its own retry schedule (webhook deliveries): the job
    runs again after `seconds`, and what the handler wrote so far is committed."""

    def __init__(self, seconds: float, reason: str = "") -> None:
        super().__init__(reason or f"retry in {seconds:.0f} s")
        self.seconds = max(0.0, seconds)


def reschedule(session: Session, job: Job, seconds: float, reason: str) -> None:
    job.last_error = reason[:4000]
    job.locked_by = None
    job.locked_at = None
    if job.attempts >= job.max_attempts:
        job.status = JobStatus.failed.value
        job.finished_at = utcnow()
    else:
        job.status = JobStatus.queued.value
        job.run_at = utcnow() + timedelta(seconds=seconds)


STALLED_ERROR = "worker stopped while running the job"


def requeue_stalled(session: Session, stall_seconds: int) -> int:
    """Give jobs back to the queue whose worker died while running them: their lease
    (locked_at, renewed by a live worker every few seconds) is older than stall_seconds.

    A job that has used up its attempts this way is failed instead: a job that kills
    its worker every time must not restart workers forever."""
    cutoff = utcnow() - timedelta(seconds=stall_seconds)
    stalled = (
        update(Job)
        .where(Job.status == JobStatus.running.value)  # type: ignore[arg-type]
        .where(or_(col(Job.locked_at).is_(None), col(Job.locked_at) < cutoff))
    )
    session.execute(
        stalled.where(col(Job.attempts) >= col(Job.max_attempts)).values(
            status=JobStatus.failed.value,
            locked_by=None,
            locked_at=None,
            last_error=STALLED_ERROR,
            finished_at=utcnow(),
        )
    )
    result = session.execute(
        stalled.values(
            status=JobStatus.queued.value,
            locked_by=None,
            locked_at=None,
            last_error=STALLED_ERROR,
            run_at=utcnow(),
        )
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def claim(
    session: Session,
    worker_id: str,
    limit: int = 10,
    *,
    only: tuple[str, ...] = (),
    besides: tuple[str, ...] = (),
) -> list[Job]:
    """Mark due jobs as running for this worker. The caller commits to publish the claim.

    `only` and `besides` are prefixes of job types: a lane of the worker takes its own kind
    of job, so that slow webhook endpoints never hold up index updates and mail."""
    query = (
        select(Job)
        .where(Job.status == JobStatus.queued.value)  # type: ignore[arg-type]
        .where(Job.run_at <= utcnow())  # type: ignore[arg-type]
        .order_by(Job.run_at, Job.id)  # type: ignore[arg-type]
        .limit(limit)
    )
    if only:
        query = query.where(or_(*(col(Job.type).startswith(p) for p in only)))
    for prefix in besides:
        query = query.where(~col(Job.type).startswith(prefix))
    if is_postgres(session):
        # Several workers may poll at once; each takes rows no one else holds.
        query = query.with_for_update(skip_locked=True)
    jobs = list(session.execute(query).scalars())
    now = utcnow()
    for job in jobs:
        job.status = JobStatus.running.value
        job.locked_by = worker_id
        job.locked_at = now
        job.attempts += 1
    session.flush()
    return jobs


def hand_back(session: Session, worker_id: str, job_ids: list[int], *, ran: bool) -> int:
    """Return claimed jobs to the queue at once (the worker's round failed), instead of
    leaving them "running" until their lease runs out. A job that never ran gets its
    attempt back."""
    if not job_ids:
        return 0
    values: dict[str, Any] = {"status": JobStatus.queued.value, "locked_by": None}
    values["locked_at"] = None
    if not ran:
        values["attempts"] = col(Job.attempts) - 1
    result = session.execute(
        update(Job)
        .where(col(Job.id).in_(job_ids))
        .where(col(Job.status) == JobStatus.running.value)
        .where(col(Job.locked_by) == worker_id)
        .values(**values)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def renew_leases(session: Session, worker_id: str) -> int:
    """A live worker's mark on the jobs it runs: requeue_stalled leaves them alone while
    this is recent, also during a long job. A killed worker renews nothing."""
    result = session.execute(
        update(Job)
        .where(col(Job.status) == JobStatus.running.value)
        .where(col(Job.locked_by) == worker_id)
        .values(locked_at=utcnow())
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def renew_claim(session: Session, job_id: int, worker_id: str) -> bool:
    """Refresh a claimed job's lock just before running it; False when it is no longer ours.

    A worker claims a batch and runs it job by job: without this, the last jobs of a slow
    batch would look abandoned to other workers and run twice."""
    result = session.execute(
        update(Job)
        .where(col(Job.id) == job_id)
        .where(col(Job.status) == JobStatus.running.value)
        .where(col(Job.locked_by) == worker_id)
        .values(locked_at=utcnow())
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


def mark_done(session: Session, job: Job) -> None:
    job.status = JobStatus.done.value
    job.finished_at = utcnow()
    job.locked_by = None
    job.last_error = None


def mark_failed(session: Session, job: Job, error: str) -> None:
    """Retry later, or give up after max_attempts and keep the last error for an admin."""
    job.last_error = error[:4000]
    job.locked_by = None
    job.locked_at = None
    if job.attempts >= job.max_attempts:
        job.status = JobStatus.failed.value
        job.finished_at = utcnow()
    else:
        job.status = JobStatus.queued.value
        job.run_at = utcnow() + timedelta(seconds=backoff_seconds(job.attempts))
