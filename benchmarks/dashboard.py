"""Moderators' statistics latency on the 10,000-thread / 100,000-post seed (SQLite).

    python benchmarks/dashboard.py [--db PATH] [--runs 50]

Seeds a fresh SQLite file (as benchmarks/seed.py does: 8 to 10 replies per thread, about
half the questions solved, kudos on 40 % of replies) unless --db names an already seeded
one, then computes the whole dashboard (all boards, period=year — on this seed every
thread falls into the year) for a moderator, as /api/v1/admin/stats serves it, and prints
the median and 95th percentile in milliseconds. Target: under 200 ms median.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path

from sqlalchemy import func, select
from sqlmodel import Session

import community.models  # noqa: F401  (every table)
from community.accounts.models import Role, User
from community.accounts.viewer import viewer_for
from community.db import make_engine
from community.demo import seed_demo_content
from community.forum.models import Post, Thread
from community.insights import service as insights
from community.insights.schemas import Period
from community.migrate import upgrade


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", type=Path, help="an SQLite file (seeded if new)")
    parser.add_argument("--threads", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=50)
    args = parser.parse_args()
    path = args.db or Path(tempfile.mkdtemp(prefix="community-bench-")) / "bench.sqlite3"
    engine = make_engine(f"sqlite:///{path}")
    fresh = not path.exists()
    upgrade(engine)
    if fresh:
        started = time.perf_counter()
        seed_demo_content(engine, threads=args.threads, seed=1, replies=(8, 10), index=False)
        print(f"seeded {args.threads} threads in {time.perf_counter() - started:.1f} s")
    with Session(engine) as session:
        threads = session.execute(select(func.count()).select_from(Thread)).scalar_one()
        posts = session.execute(select(func.count()).select_from(Post)).scalar_one()
        print(
            f"database: {path} ({path.stat().st_size / 1e6:.0f} MB, "
            f"{threads} threads, {posts} posts)"
        )
        moderator = (
            session.execute(
                select(User).where(User.role.in_([Role.moderator.value, Role.admin.value]))  # type: ignore[attr-defined]
            )
            .scalars()
            .first()
        )
        assert moderator is not None, "the demo seed has a moderator"
        viewer = viewer_for(session, moderator)
        window = insights.resolve_window(Period.year)
        times, cpu = [], []
        for _ in range(args.runs):
            started, started_cpu = time.perf_counter(), time.process_time()
            stats = insights.dashboard(session, viewer, window)
            times.append((time.perf_counter() - started) * 1000)
            cpu.append((time.process_time() - started_cpu) * 1000)
        times.sort()
        p95 = times[max(int(len(times) * 0.95) - 1, 0)]
        o = stats.overall
        # On a shared machine the wall time includes waiting for a core; the CPU time
        # of this process (SQLite runs inside it) is what the computation itself costs.
        load = os.getloadavg()[0]
        print(
            f"dashboard period=year, {len(stats.boards)} boards: "
            f"median {statistics.median(times):.1f} ms, p95 {p95:.1f} ms over {args.runs} runs; "
            f"CPU median {statistics.median(cpu):.1f} ms; load average {load:.1f} on "
            f"{os.cpu_count()} cores "
            f"({o.questions} questions, {o.solved} solved, first reply median "
            f"{o.first_reply.median_hours} h, {o.active_members} active members, "
            f"{o.kudos_given} kudos)"
        )


if __name__ == "__main__":
    main()
