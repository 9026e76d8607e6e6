"""Leaderboard latency on the 10,000-thread / 100,000-post seed (SQLite).

    python benchmarks/leaderboard.py [--db PATH] [--runs 200]

Seeds a fresh SQLite file (about 40 % of replies carry kudos, half the questions are
solved) unless --db names an already seeded one, then times the leaderboard the API
serves for period=all (anonymous viewer, and a member of the closed group) and prints
the median and 95th percentile in milliseconds.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from sqlalchemy import func, select
from sqlmodel import Session

from community.accounts.models import GroupMember, User
from community.accounts.viewer import ANONYMOUS, viewer_for
from community.db import make_engine
from community.demo import seed_demo_content
from community.migrate import upgrade
from community.reputation.leaderboard import Period, leaderboard
from community.reputation.models import Kudo


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", type=Path, help="an SQLite file (seeded if new)")
    parser.add_argument("--threads", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=200)
    args = parser.parse_args()
    path = args.db or Path(tempfile.mkdtemp()) / "bench.sqlite3"
    engine = make_engine(f"sqlite:///{path}")
    fresh = not path.exists()
    upgrade(engine)
    if fresh:
        started = time.perf_counter()
        seed_demo_content(engine, threads=args.threads, replies=(8, 10), index=False)
        print(f"seeded {args.threads} threads in {time.perf_counter() - started:.1f} s")
    with Session(engine) as session:
        kudos = session.execute(select(func.count()).select_from(Kudo)).scalar_one()
        print(f"database: {path} ({path.stat().st_size / 1e6:.0f} MB, {kudos} kudos)")
        member_id = session.execute(select(GroupMember.user_id).limit(1)).scalar_one()
        member = viewer_for(session, session.get(User, member_id))
        for name, viewer in (("anonymous", ANONYMOUS), ("closed-group member", member)):
            times = []
            for _ in range(args.runs):
                started = time.perf_counter()
                result = leaderboard(session, viewer, period=Period.all)
                times.append((time.perf_counter() - started) * 1000)
            times.sort()
            p95 = times[int(len(times) * 0.95) - 1]
            top = result.members[0]
            print(
                f"leaderboard period=all, {name}: median {statistics.median(times):.1f} ms, "
                f"p95 {p95:.1f} ms over {args.runs} runs "
                f"(leader {top.user.nickname}: {top.solutions} solutions, {top.kudos} kudos)"
            )


if __name__ == "__main__":
    main()
