"""Seed a fresh SQLite database with demo content and report how fast it went.

    .venv/bin/python benchmarks/seed.py                # 10,000 threads, ~100,000 posts
    .venv/bin/python benchmarks/seed.py --threads 1000 --db /tmp/forum.sqlite3 --keep
    .venv/bin/python benchmarks/seed.py --threads 90000 \
        --database-url postgresql://postgres@127.0.0.1:5432/community_load

With --database-url (PostgreSQL or SQLite) the database is migrated and the threads are
added to whatever it holds, so a 10,000-thread seed can grow to 100,000 between two
measurements; nothing is deleted afterwards.

Each thread gets 8 to 10 replies (9 on average) besides its opening post, so the
posts come to about ten times the threads."""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from sqlalchemy import Engine, func, select
from sqlmodel import Session

import community.models  # noqa: F401  (every table)
from community.db import make_engine
from community.demo import seed_demo_content
from community.forum.models import Post, Thread
from community.migrate import upgrade

REPLIES = (8, 10)


def _size_mb(path: Path) -> float:
    # WAL mode: until a checkpoint, part of the data sits beside the main file.
    files = [path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")]
    return sum(f.stat().st_size for f in files if f.exists()) / 1_000_000


def _counts(engine: Engine) -> tuple[int, int]:
    with Session(engine) as session:
        threads = session.execute(select(func.count(Thread.id))).scalar_one()  # type: ignore[arg-type]
        posts = session.execute(select(func.count(Post.id))).scalar_one()  # type: ignore[arg-type]
    return threads, posts


def _seed_url(url: str, threads: int) -> None:
    engine = make_engine(url)
    upgrade(engine)
    threads_before, posts_before = _counts(engine)
    started = time.perf_counter()
    # A seed of its own per step: repeatable, yet a grown forum is not the same 10,000 again.
    seed_demo_content(
        engine, threads=threads, seed=threads_before + 1, replies=REPLIES, index=False
    )
    elapsed = time.perf_counter() - started
    total_threads, total_posts = _counts(engine)
    engine.dispose()
    added = total_posts - posts_before
    print(f"added:    {threads:,} threads, {added:,} posts in {elapsed:.1f} s")
    print(f"posts/s:  {added / elapsed:,.0f}")
    print(f"now:      {total_threads:,} threads, {total_posts:,} posts")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=10_000)
    parser.add_argument("--db", type=Path, help="SQLite file to create (default: a temp file)")
    parser.add_argument("--keep", action="store_true", help="keep the database file afterwards")
    parser.add_argument(
        "--database-url", help="seed this database (added to what it holds) instead of a file"
    )
    args = parser.parse_args(argv)
    if args.database_url:
        _seed_url(args.database_url, args.threads)
        return

    workdir = None
    if args.db is None:
        workdir = tempfile.TemporaryDirectory(prefix="community-bench-")
        path = Path(workdir.name) / "seed.sqlite3"
    else:
        path = args.db.resolve()
        if path.exists():
            parser.error(f"{path} exists; the benchmark needs a fresh database")
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)

    started = time.perf_counter()
    seed_demo_content(engine, threads=args.threads, seed=1, replies=REPLIES, index=False)
    elapsed = time.perf_counter() - started

    with Session(engine) as session:
        threads = session.execute(select(func.count(Thread.id))).scalar_one()  # type: ignore[arg-type]
        posts = session.execute(select(func.count(Post.id))).scalar_one()  # type: ignore[arg-type]
    engine.dispose()  # closing the last connection checkpoints the WAL into the file
    print(f"threads:  {threads:,}")
    print(f"posts:    {posts:,}")
    print(f"time:     {elapsed:.2f} s")
    print(f"posts/s:  {posts / elapsed:,.0f}")
    print(f"db size:  {_size_mb(path):.1f} MB  ({path})")

    if args.keep:
        if workdir is not None:
            kept = Path(tempfile.mkdtemp(prefix="community-bench-")) / path.name
            path.replace(kept)
            print(f"kept:     {kept}")
    elif workdir is not None:
        workdir.cleanup()
    else:
        for f in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
            f.unlink(missing_ok=True)


if __name__ == "__main__":
    main()
