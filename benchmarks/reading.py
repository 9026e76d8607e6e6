"""What the reading state costs a signed-in member's lists, as ratios measured in one run.

    python benchmarks/reading.py [--threads 3000] [--runs 50]

Seeds a fresh SQLite file with community.demo.seed_demo_content, takes a member who joined
before all of it (the worst case: every thread is tracked) and has read every tenth thread,
and times, in-process:
- the start page's unread count per board (one query over every board) against the
  board list the page already reads;
- a board page's unread marks for its 25 threads against the query that lists them.
Prints medians and the ratios (unread work / list work), which do not depend on the machine.
Nothing older than reading.NEW_WITHIN (14 days) counts, so the seed's older threads cost
nothing; "recent" below is how many threads had activity within that window.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlmodel import Session, col

from community.accounts.models import User
from community.accounts.viewer import viewer_for
from community.db import make_engine
from community.demo import seed_demo_content
from community.forum import boards as forum_boards
from community.forum import reading
from community.forum import service as forum
from community.forum.models import Category, Thread
from community.migrate import upgrade


def _median_ms(fn: Callable[[], Any], runs: int) -> float:
    fn()  # warm up
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--threads", type=int, default=3000)
    parser.add_argument("--runs", type=int, default=50)
    args = parser.parse_args()
    path = Path(tempfile.mkdtemp()) / "reading.sqlite3"
    os.environ.setdefault("COMMUNITY_DATA_DIR", str(path.parent))
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    seed_demo_content(engine, threads=args.threads, replies=(2, 8))
    with Session(engine) as session:
        member = session.execute(select(User).order_by(col(User.id))).scalars().first()
        assert member is not None
        member_id = member.id
        oldest = session.execute(
            select(Thread.created_at).order_by(col(Thread.created_at))
        ).scalar()
        assert oldest is not None
        member.created_at = oldest - timedelta(days=1)
        session.add(member)
        session.commit()
        viewer = viewer_for(session, member)
        for thread in session.execute(select(Thread).where(col(Thread.id) % 10 == 0)).scalars():
            assert thread.last_post_id is not None
            reading.mark_read(session, viewer, thread, thread.last_post_id - 1, None)
        session.commit()
    # A fresh session, as a request has: no thousands of loaded rows to check on autoflush.
    with Session(engine) as session:
        member = session.get(User, member_id)
        viewer = viewer_for(session, member)
        categories = forum_boards.list_categories(session, viewer)
        ids = [c.id for c in categories if c.id is not None]
        board = max(categories, key=lambda c: c.thread_count)
        page = forum.list_threads(session, viewer, category=board, limit=25)

        boards_ms = _median_ms(lambda: forum_boards.list_categories(session, viewer), args.runs)
        per_board_ms = _median_ms(
            lambda: reading.unread_threads_by_category(session, viewer, ids), args.runs
        )
        list_ms = _median_ms(
            lambda: forum.list_threads(session, viewer, category=board, limit=25), args.runs
        )
        marks_ms = _median_ms(
            lambda: reading.unread_for_threads(session, viewer, page.items), args.runs
        )
        counts = reading.unread_threads_by_category(session, viewer, ids)
        total = session.execute(select(Category)).scalars().all()
    print(f"{args.threads} threads in {len(total)} boards; member tracks all of them")
    print(f"unread threads per board: {sum(counts.values())} in total")
    print(
        f"start page: board list {boards_ms:.2f} ms, unread per board {per_board_ms:.2f} ms "
        f"(ratio {per_board_ms / boards_ms:.1f})"
    )
    print(
        f"board page: 25 threads {list_ms:.2f} ms, their unread marks {marks_ms:.2f} ms "
        f"(ratio {marks_ms / list_ms:.1f})"
    )


if __name__ == "__main__":
    main()
