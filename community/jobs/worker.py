"""`community worker`: claims jobs from the outbox and runs their handlers."""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
import traceback

from sqlalchemy import Engine
from sqlmodel import Session

from community.config import get_settings
from community.jobs import heartbeat, service
from community.jobs.models import Job
from community.requestlog import request_id_var

log = logging.getLogger(__name__)


def _load_handlers() -> None:
    # Importing the modules registers their handlers.
    import community.accounts.mail
    import community.indexing.service
    import community.leads.mail
    import community.moderation.mail
    import community.notifications.mail
    import community.webhooks.delivery  # noqa: F401


class Worker:
    def __init__(self, engine: Engine, *, poll_seconds: float = 1.0, batch: int = 10):
        self.engine = engine
        self.poll_seconds = poll_seconds
        self.batch = batch
        self.worker_id = f"{socket.gethostname()}:{os.getpid()}:{threading.get_ident()}"
        self.stop_event = threading.Event()
        self._last_beat = 0.0
        self._last_tick = 0.0
        _load_handlers()

    # A write per poll would be one per second per worker; every few seconds is plenty
    # for a readiness check that waits minutes.
    BEAT_EVERY_SECONDS = 10.0

    def beat(self, *, force: bool = False) -> None:
        now = time.monotonic()
        if force or now - self._last_beat >= self.BEAT_EVERY_SECONDS:
            heartbeat.beat(self.engine, self.worker_id)
            self._last_beat = now

    # Periodic work that no write triggers: unanswered questions, the kudos digest.
    TICK_EVERY_SECONDS = 60.0

    def tick(self) -> None:
        now = time.monotonic()
        if self._last_tick and now - self._last_tick < self.TICK_EVERY_SECONDS:
            return
        self._last_tick = now
        from community.notifications.periodic import tick

        try:
            with Session(self.engine, expire_on_commit=False) as session:
                tick(session)
                session.commit()
        except Exception:
            log.exception("periodic notifications round failed")

    def run_once(self) -> int:
        """Claim and run one batch; returns how many jobs were run."""
        settings = get_settings()
        self.tick()  # first, so that the jobs it queues run in this very round
        with Session(self.engine, expire_on_commit=False) as session:
            service.requeue_stalled(session, settings.job_stall_seconds)
            jobs = service.claim(session, self.worker_id, self.batch)
            session.commit()
        self.beat()
        for job in jobs:
            self._run(job)
        return len(jobs)

    def _run(self, job: Job) -> None:
        # The job's log lines carry the id of the request that enqueued it.
        token = request_id_var.set(job.request_id)
        try:
            self._run_job(job)
        finally:
            request_id_var.reset(token)

    def _run_job(self, job: Job) -> None:
        assert job.id is not None
        with Session(self.engine) as session:
            ours = service.renew_claim(session, job.id, self.worker_id)
            session.commit()
        if not ours:
            log.info("job %s was given to another worker meanwhile; skipped", job.id)
            return
        run = service.HANDLERS.get(job.type)
        with Session(self.engine, expire_on_commit=False) as session:
            try:
                if run is None:
                    raise LookupError(f"no handler for job type {job.type!r}")
                run(session, dict(job.payload))
                current = session.get(Job, job.id)
                assert current is not None
                service.mark_done(session, current)
                session.commit()
                return
            except service.RetryLater as later:
                # The handler logged its attempt; keep that and run the job again later.
                current = session.get(Job, job.id)
                assert current is not None
                service.reschedule(session, current, later.seconds, str(later))
                session.commit()
                return
            except Exception as exc:
                session.rollback()
                error = "".join(traceback.format_exception_only(type(exc), exc)).strip()
                log.warning("job %s (%s) failed: %s", job.id, job.type, error)
        with Session(self.engine, expire_on_commit=False) as session:
            failed = session.get(Job, job.id)
            if failed is not None:
                service.mark_failed(session, failed, error)
                session.commit()

    def run_until_empty(self, max_rounds: int = 1000) -> int:
        """Run due jobs until none are left (tests and `seed-demo` use it)."""
        total = 0
        for _ in range(max_rounds):
            ran = self.run_once()
            total += ran
            if ran == 0:
                break
        return total

    def run_forever(self) -> None:
        log.info("worker %s started", self.worker_id)
        while not self.stop_event.is_set():
            try:
                ran = self.run_once()
            except Exception:
                log.exception("worker round failed")
                ran = 0
            if ran == 0:
                self.stop_event.wait(self.poll_seconds)

    def start_in_thread(self) -> threading.Thread:
        thread = threading.Thread(target=self.run_forever, name="community-worker", daemon=True)
        thread.start()
        return thread

    def stop(self) -> None:
        self.stop_event.set()
