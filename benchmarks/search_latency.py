"""(Not named search.py: run as a script, that name would shadow the search package.)

Search with the embedded engine (tantivy) on 100,000 seeded threads.

    python benchmarks/search_latency.py [--db PATH] [--threads 100000] [--queries 500]

Seeds a fresh SQLite file unless --db names an already seeded one, then prints:
reindex throughput (threads per second, documents built from the database included),
search latency p50 / p95 over mixed queries (typos, prefixes, filters, empty query,
anonymous and closed-group viewers) and similar-thread latency, in milliseconds.
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
    p95 = statistics.quantiles(values, n=20)[-1]
    return f"p50 {statistics.median(values):.1f} ms, p95 {p95:.1f} ms, max {max(values):.1f} ms"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", type=Path, help="an SQLite file (seeded if new)")
    parser.add_argument("--threads", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=500)
    args = parser.parse_args()
    path = args.db or Path(tempfile.mkdtemp()) / "bench.sqlite3"
    engine = make_engine(f"sqlite:///{path}")
    fresh = not path.exists()
    upgrade(engine)
    if fresh:
        started = time.perf_counter()
        seed_demo_content(engine, threads=args.threads, replies=(1, 3))
        print(f"seeded {args.threads} threads in {time.perf_counter() - started:.1f} s")
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
        timings: list[float] = []
        totals = 0
        for i in range(args.queries):
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
            totals += result.total
        print(f"search ({args.queries} mixed queries, with snippets): {_ms(timings)}")

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


if __name__ == "__main__":
    main()
