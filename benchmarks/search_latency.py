"""(Not named search.py: run as a script, that name would shadow the search package.)

Search with the embedded engine (tantivy) at 10,000 and 100,000 seeded threads.

    python benchmarks/search_latency.py [--dir DIR] [--threads 10000,100000] [--queries 500]

For each size, seeds a fresh SQLite file (DIR/<size>/bench.sqlite3, kept for the next run
when --dir is given) unless it is there already, reindexes it and prints: reindex throughput
(threads per second, documents built from the database included), search latency p50 / p95
over mixed queries (typos, prefixes, filters, empty query, anonymous and closed-group
viewers) and similar-thread latency, in milliseconds. Then the growth from the smallest to
the largest size (p50 and p95 ratios). The goals of issue 22: p95 <= 30 ms at 100,000
threads and growth <= 1.3x.
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
from pathlib import Path

from sqlalchemy import select
from sqlmodel import Session

from community.accounts.models import GroupMember, User
from community.accounts.viewer import ANONYMOUS, viewer_for
from community.db import make_engine
from community.demo import QUESTIONS, seed_demo_content
from community.indexing import service as indexing
from community.indexing.backend import synonyms, use_backend
from community.indexing.service import SearchQuery
from community.migrate import upgrade
from search.embedded import EmbeddedBackend

WORDS = [
    "Router", "Rooter", "Telefonanlagen", "Telefonanl", "Glasf", "eSIM", "Roaming Schweiz",
    "feste IP VPN", "Rufumleitung Handy", "SSL-Zertifikat", "Spam DKIM", "Headset klingelt",
    "Umzug Anschluss", "Störung Festnetz", "Upload langsam", "Rufnummernblock", "Sammelrechnung",
    "Zwangstrennung", "Netzabdeckung Lager", "Domain Hoster", "Breitband", "Tischtelefon",
]  # fmt: skip


def _ms(values: list[float]) -> str:
    return (
        f"p50 {statistics.median(values):.1f} ms, p95 {_p95(values):.1f} ms, "
        f"max {max(values):.1f} ms"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--dir", type=Path, help="a folder for the seeded SQLite files")
    parser.add_argument("--threads", default="10000,100000", help="sizes, comma-separated")
    parser.add_argument("--queries", type=int, default=500)
    args = parser.parse_args()
    root = args.dir or Path(tempfile.mkdtemp())
    sizes = [int(n) for n in args.threads.split(",")]
    measured: dict[int, list[float]] = {}
    for size in sizes:
        print(f"--- {size:,} threads")
        measured[size] = run(root / str(size) / "bench.sqlite3", size, args.queries)
    if len(sizes) > 1:
        small, large = measured[min(sizes)], measured[max(sizes)]
        p50 = statistics.median(large) / statistics.median(small)
        p95 = _p95(large) / _p95(small)
        print(f"growth {min(sizes):,} -> {max(sizes):,} threads: p50 {p50:.2f}x, p95 {p95:.2f}x")


def _p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[-1]


def run(path: Path, threads: int, queries: int) -> list[float]:
    path.parent.mkdir(parents=True, exist_ok=True)
    engine = make_engine(f"sqlite:///{path}")
    fresh = not path.exists()
    upgrade(engine)
    if fresh:
        started = time.perf_counter()
        seed_demo_content(engine, threads=threads, replies=(1, 3))
        print(f"seeded {threads} threads in {time.perf_counter() - started:.1f} s")
    backend = EmbeddedBackend(path.parent / "search", synonyms=synonyms())
    use_backend(backend)
    rng = random.Random(7)
    with Session(engine) as session:
        started = time.perf_counter()
        count = indexing.reindex(session)
        seconds = time.perf_counter() - started
        print(f"reindex: {count} threads in {seconds:.1f} s = {count / seconds:,.0f} threads/s")
        print(f"index: {backend.stats()}")

        member_id = session.execute(select(GroupMember.user_id).limit(1)).scalar_one()
        member = viewer_for(session, session.get(User, member_id))
        boards = list(QUESTIONS)
        for q in WORDS[:20]:  # warm up: the word list, the first readers of each segment
            indexing.search(session, ANONYMOUS, SearchQuery(q=q))
        timings: list[float] = []
        capped = 0
        for i in range(queries):
            q = rng.choice(WORDS) if i % 10 else ""
            query = SearchQuery(
                q=q,
                board=rng.choice(boards) if i % 4 == 0 else None,
                solved=rng.choice([True, False]) if i % 5 == 0 else None,
                page=1 if i % 7 else 2,
            )
            viewer = member if i % 2 else ANONYMOUS
            started = time.perf_counter()
            result = indexing.search(session, viewer, query)
            timings.append((time.perf_counter() - started) * 1000)
            capped += result.total_capped
        print(
            f"search ({queries} mixed queries, with snippets; {capped} over 1,000 hits): "
            f"{_ms(timings)}"
        )

        titles = [t for qs in QUESTIONS.values() for t, _ in qs]
        similar: list[float] = []
        for _ in range(200):
            title = rng.choice(titles)
            words = title.split()
            typed = " ".join(words[: rng.randint(2, len(words))])
            started = time.perf_counter()
            indexing.similar(session, ANONYMOUS, typed)
            similar.append((time.perf_counter() - started) * 1000)
        print(f"similar (200 partly typed titles): {_ms(similar)}")
    use_backend(None)
    backend.release_writer()
    return timings


if __name__ == "__main__":
    main()
