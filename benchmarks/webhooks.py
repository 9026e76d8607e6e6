"""Webhook delivery: events delivered per second, and the delay from the commit of the
change to the receipt at a loopback receiver (p50, p95), with one worker.

    python benchmarks/webhooks.py [--events 300] [--pg postgresql://postgres@127.0.0.1:5432/postgres]

Runs on a fresh SQLite file, and on a fresh PostgreSQL database when --pg or
COMMUNITY_TEST_POSTGRES_URL is given. Throughput: N events committed first, then one worker
delivers them all. Delay: with the worker polling every 50 ms, events are committed one by
one, 20 ms apart, and each one's receipt is timed against its commit.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import make_url, text
from sqlmodel import Session

from benchmarks._world import bench_world
from community.accounts.models import User
from community.accounts.viewer import viewer_for
from community.config import get_settings
from community.db import make_engine
from community.forum import service as forum
from community.forum.models import ThreadKind
from community.jobs.worker import Worker
from tests.webhooks.receiver import Receiver


def _setup(url: str, receiver: Receiver):  # type: ignore[no-untyped-def]
    return bench_world(url, receiver.url)


def _commit_thread(engine, author: User, n: int) -> tuple[int, float]:  # type: ignore[no-untyped-def]
    with Session(engine, expire_on_commit=False) as s:
        thread, _ = forum.create_thread(
            s,
            viewer_for(s, author),
            category_slug="bench",
            kind=ThreadKind.question,
            title=f"Benchmark-Frage {n}",
            body="Wie schnell kommt das an?",
        )
        s.commit()
        return thread.id or 0, time.perf_counter()


def _wait(receiver: Receiver, count: int, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while len(receiver.received) < count and time.monotonic() < deadline:
        time.sleep(0.005)


def run(label: str, url: str, events: int) -> None:
    receiver = Receiver().start()
    engine, author = _setup(url, receiver)
    # Throughput: a backlog, then one worker.
    for n in range(events):
        _commit_thread(engine, author, n)
    worker = Worker(engine, poll_seconds=0.05)
    started = time.perf_counter()
    worker.run_until_empty(max_rounds=100_000)
    _wait(receiver, events)
    rate = len(receiver.received) / (time.perf_counter() - started)
    # Delay: commit one by one while the worker polls.
    receiver.received.clear()
    thread = threading.Thread(target=worker.run_forever, daemon=True)
    thread.start()
    committed = {}
    for n in range(events // 3):
        thread_id, at = _commit_thread(engine, author, n)
        committed[thread_id] = at
        time.sleep(0.02)
    _wait(receiver, len(committed))
    worker.stop()
    thread.join()
    import json

    delays = []
    for r in receiver.received:
        tid = json.loads(r.body)["data"]["thread_id"]
        delays.append((r.at - committed[tid]) * 1000)
    delays.sort()
    p95 = delays[max(0, int(len(delays) * 0.95) - 1)]
    print(
        f"{label}: {rate:.0f} events/s delivered (backlog of {events}, one worker); "
        f"commit→receipt p50 {statistics.median(delays):.0f} ms, p95 {p95:.0f} ms "
        f"({len(delays)} events, worker polls every 50 ms)"
    )
    receiver.stop()
    engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=300)
    parser.add_argument("--pg", default=os.environ.get("COMMUNITY_TEST_POSTGRES_URL"))
    args = parser.parse_args()
    get_settings().webhooks_allow_private = True  # the receiver is on loopback
    path = Path(tempfile.mkdtemp()) / "bench.sqlite3"
    run("SQLite", f"sqlite:///{path}", args.events)
    if not args.pg:
        print("PostgreSQL: skipped (give --pg URL or set COMMUNITY_TEST_POSTGRES_URL)")
        return
    name = f"community_bench_{os.getpid()}"
    admin = make_engine(args.pg, isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        run("PostgreSQL", make_url(args.pg).set(database=name).render_as_string(False), args.events)
    finally:
        with admin.connect() as c:
            c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


if __name__ == "__main__":
    main()
