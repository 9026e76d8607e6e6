"""`community worker`: claims jobs from the outbox and runs their handlers."""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
import traceback
from dataclasses import dataclass

from sqlalchemy import Engine
from sqlmodel import Session

from community import memory
from community.config import get_settings
from community.db import is_database_fault
from community.jobs import heartbeat, service
from community.jobs.models import Job
from community.requestlog import request_id_var

log = logging.getLogger(__name__)


def _load_handlers() -> None:
    # Importing the modules registers their handlers.
    import community.accounts.mail
    import community.blog.service
    import community.indexing.service
    import community.moderation.mail
    import community.notifications.mail
    import community.webhooks.delivery  # noqa: F401


@dataclass(frozen=True)
class Lane:
    """Jobs of some types, run one at a time by a thread of their own."""

    name: str
    only: tuple[str, ...] = ()
    besides: tuple[str, ...] = ()


WEBHOOK_JOBS = ("webhook.",)
# A webhook delivery may wait up to its timeout on a slow endpoint: in a lane of its own,
# it never holds up search updates and mail, which run in the other.
LANES: tuple[Lane, ...] = (Lane("main", besides=WEBHOOK_JOBS), Lane("webhooks", only=WEBHOOK_JOBS))
ALL = Lane("all")


class Worker:
    def __init__(self, engine: Engine, *, poll_seconds: float = 1.0, batch: int = 10):
        self.engine = engine
        self.poll_seconds = poll_seconds
        self.batch = batch
        self.worker_id = f"{socket.gethostname()}:{os.getpid()}:{threading.get_ident()}"
        self.stop_event = threading.Event()
        self._last_beat = 0.0
        self._last_tick = 0.0
        # Claims a failed round could not hand back yet (the database was away): by id,
        # and whether the job had run.
        self._unreturned: dict[int, bool] = {}
        self._unreturned_lock = threading.Lock()
        _load_handlers()

    # A write per poll would be one per second per worker; every few seconds is plenty
    # for a readiness check that waits minutes. The leases of running jobs are renewed
    # with it, well within the time after which other workers take them over.
    BEAT_EVERY_SECONDS = 10.0

    def _beat_every(self) -> float:
        return min(self.BEAT_EVERY_SECONDS, get_settings().job_stall_seconds / 3)

    def beat(self, *, force: bool = False) -> None:
        now = time.monotonic()
        if force or now - self._last_beat >= self._beat_every():
            heartbeat.beat(self.engine, self.worker_id)
            with Session(self.engine) as session:
                service.renew_leases(session, self.worker_id)
                session.commit()
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

    def run_once(self, lane: Lane = ALL) -> int:
        """Claim and run one batch of the lane's jobs; returns how many were claimed.

        When the round fails (the database went away), the claims not yet run go back to
        the queue at once, for this or another worker, rather than wait out their lease."""
        settings = get_settings()
        self._hand_back_unreturned()
        if lane.name in ("all", "main"):
            self.tick()  # first, so that the jobs it queues run in this very round
        with Session(self.engine, expire_on_commit=False) as session:
            service.requeue_stalled(session, settings.job_stall_seconds)
            jobs = service.claim(
                session, self.worker_id, self.batch, only=lane.only, besides=lane.besides
            )
            session.commit()
        if lane.name == "all":
            self.beat()
        for i, job in enumerate(jobs):
            assert job.id is not None
            try:
                started = self._start(job)
            except Exception:
                self._hand_back(jobs[i:], ran=False)
                raise
            if not started:
                continue
            try:
                self._run(job)
            except Exception:
                # Its outcome was not recorded: it runs again (at least once, as ever).
                self._hand_back([job], ran=True)
                self._hand_back(jobs[i + 1 :], ran=False)
                raise
        return len(jobs)

    def _hand_back(self, jobs: list[Job], *, ran: bool) -> None:
        with self._unreturned_lock:
            for job in jobs:
                assert job.id is not None
                self._unreturned[job.id] = ran
        self._hand_back_unreturned()

    def _hand_back_unreturned(self) -> None:
        with self._unreturned_lock:
            pending = dict(self._unreturned)
        if not pending:
            return
        try:
            with Session(self.engine) as session:
                for ran in (True, False):
                    ids = [i for i, r in pending.items() if r is ran]
                    service.hand_back(session, self.worker_id, ids, ran=ran)
                session.commit()
        except Exception as exc:
            # Still away: the next round tries again (and leases end it in any case).
            log.warning("could not hand back %s claimed jobs yet: %s", len(pending), exc)
            return
        with self._unreturned_lock:
            for job_id in pending:
                self._unreturned.pop(job_id, None)
        log.info("handed back %s claimed jobs after a failed round", len(pending))

    def _start(self, job: Job) -> bool:
        """Refresh the claim just before running; False when another worker has it now."""
        assert job.id is not None
        with Session(self.engine) as session:
            ours = service.renew_claim(session, job.id, self.worker_id)
            session.commit()
        if not ours:
            log.info("job %s was given to another worker meanwhile; skipped", job.id)
        return ours

    def _run(self, job: Job) -> None:
        # The job's log lines carry the id of the request that enqueued it.
        token = request_id_var.set(job.request_id)
        try:
            self._run_job(job)
        finally:
            request_id_var.reset(token)

    def _run_job(self, job: Job) -> None:
        assert job.id is not None
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
                if is_database_fault(exc):
                    raise  # not the job's fault: the round ends, its claims go back
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

    def _run_lane(self, lane: Lane) -> None:
        worked = False
        while not self.stop_event.is_set():
            try:
                ran = self.run_once(lane)
            except Exception:
                log.exception("worker round failed (lane %s)", lane.name)
                ran = 0
            if ran == 0:
                if worked:
                    # What the jobs freed (the index writer's heap, rendered mails) goes
                    # back to the system while the lane waits, not kept by the allocator.
                    memory.trim()
                    worked = False
                self.stop_event.wait(self.poll_seconds)
            else:
                worked = True

    def _run_beat(self) -> None:
        while not self.stop_event.is_set():
            try:
                self.beat(force=True)
            except Exception as exc:
                log.warning("worker heartbeat failed: %s", exc)
            self.stop_event.wait(self._beat_every())

    def run_forever(self) -> None:
        """A thread per lane and one for the heartbeat, until stop()."""
        log.info("worker %s started", self.worker_id)
        threads = [
            threading.Thread(target=self._run_beat, name="community-worker-beat", daemon=True)
        ]
        for lane in LANES:
            threads.append(
                threading.Thread(
                    target=self._run_lane, args=(lane,), name=f"community-worker-{lane.name}"
                )
            )
            threads[-1].daemon = True
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

    def start_in_thread(self) -> threading.Thread:
        thread = threading.Thread(target=self.run_forever, name="community-worker", daemon=True)
        thread.start()
        return thread

    def stop(self) -> None:
        self.stop_event.set()
