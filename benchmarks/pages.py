"""Server time of the thread page (50 replies) and a board page on the 10,000-thread seed.

    python benchmarks/pages.py [--db PATH] [--runs 200]

Seeds a fresh SQLite file with community.demo.seed_demo_content(threads=10_000,
replies=(8, 10)) unless --db names an already seeded one, adds one thread with 50 replies,
then requests both pages in-process through FastAPI's TestClient (no network, no worker)
as an anonymous visitor and prints the median and 95th percentile in milliseconds.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlmodel import Session, col

from community.accounts.models import User
from community.accounts.viewer import viewer_for
from community.app import create_app
from community.config import get_settings
from community.db import make_engine
from community.demo import seed_demo_content
from community.forum import service as forum
from community.forum.models import Category, Thread, ThreadKind
from community.migrate import upgrade

TITLE = "Benchmark: ein Thema mit fünfzig Antworten"


def _thread_with_50_replies(engine) -> tuple[int, str]:  # type: ignore[no-untyped-def]
    with Session(engine) as session:
        existing = session.execute(select(Thread).where(col(Thread.title) == TITLE)).scalar()
        if existing is not None:
            return existing.id, existing.slug  # type: ignore[return-value]
        users = list(
            session.execute(
                select(User).where(col(User.email_verified_at).is_not(None)).limit(10)
            ).scalars()
        )
        board = (
            session.execute(select(Category).order_by(col(Category.thread_count).desc()))
            .scalars()
            .first()
        )
        assert board is not None and users
        thread, _post = forum.create_thread(
            session,
            viewer_for(session, users[0]),
            category_slug=board.slug,
            kind=ThreadKind.question,
            title=TITLE,
            body="Wie messen wir die Seite mit **fünfzig** Antworten?",
        )
        for n in range(50):
            author = users[1 + n % (len(users) - 1)]
            forum.create_reply(
                session,
                viewer_for(session, author),
                thread.id,  # type: ignore[arg-type]
                f"Antwort Nummer {n + 1}: *so* geht das.",
            )
        session.commit()
        return thread.id, thread.slug  # type: ignore[return-value]


def _measure(client: TestClient, url: str, runs: int) -> tuple[float, float]:
    assert client.get(url).status_code == 200, url  # warm caches and templates
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        response = client.get(url)
        times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200
    times.sort()
    return statistics.median(times), times[int(len(times) * 0.95) - 1]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", type=Path, help="an SQLite file (seeded if new)")
    parser.add_argument("--threads", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=200)
    args = parser.parse_args()
    path = args.db or Path(tempfile.mkdtemp()) / "bench.sqlite3"
    os.environ.setdefault("COMMUNITY_DATA_DIR", str(path.parent))
    engine = make_engine(f"sqlite:///{path}")
    fresh = not path.exists()
    upgrade(engine)
    if fresh:
        started = time.perf_counter()
        seed_demo_content(engine, threads=args.threads, replies=(8, 10), index=False)
        print(f"seeded {args.threads} threads in {time.perf_counter() - started:.1f} s")
    thread_id, slug = _thread_with_50_replies(engine)
    with Session(engine) as session:
        board = (
            session.execute(select(Category).order_by(col(Category.thread_count).desc()))
            .scalars()
            .first()
        )
        assert board is not None
        threads = session.execute(select(func.count()).select_from(Thread)).scalar_one()
    print(f"database: {path} ({path.stat().st_size / 1e6:.0f} MB, {threads} threads)")
    client = TestClient(create_app(get_settings(), engine))  # no `with`: no in-process worker
    for name, url in (
        ("thread page, 50 replies", f"/t/{thread_id}/{slug}"),
        (f"board page /c/{board.slug} ({board.thread_count} threads)", f"/c/{board.slug}"),
    ):
        median, p95 = _measure(client, url, args.runs)
        print(f"{name}: median {median:.1f} ms, p95 {p95:.1f} ms over {args.runs} requests")


if __name__ == "__main__":
    main()
