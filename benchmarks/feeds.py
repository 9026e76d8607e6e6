"""What following and finding cost on the demo seed: a board's Atom feed (full answer and
304), and the search page with a misspelling (one more search for "Meinten Sie …?", and the
public vocabulary: cold build and the cached check) against the same page spelt right.

    python benchmarks/feeds.py [--threads 3000] [--runs 100]

Seeds a fresh SQLite file and an embedded index in a temporary folder, then requests the
pages in-process through FastAPI's TestClient as an anonymous visitor and prints medians
and the ratios measured in this one run (absolute times depend on the machine's load).
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlmodel import Session, col

from community.app import create_app
from community.config import get_settings
from community.db import make_engine
from community.demo import seed_demo_content
from community.forum import searching
from community.forum.models import Category
from community.indexing import service as indexing
from community.migrate import upgrade


def _median_ms(client: TestClient, url: str, runs: int, **headers: str) -> float:
    expected = client.get(url, headers=headers).status_code
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        assert client.get(url, headers=headers).status_code == expected
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--threads", type=int, default=3000)
    parser.add_argument("--runs", type=int, default=100)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp())
    os.environ["COMMUNITY_DATA_DIR"] = str(folder)
    get_settings().data_dir = folder
    engine = make_engine(f"sqlite:///{folder / 'bench.sqlite3'}")
    upgrade(engine)
    seed_demo_content(engine, threads=args.threads, replies=(1, 3))
    with Session(engine) as session:
        indexing.reindex(session)
        board = (
            session.execute(select(Category).order_by(col(Category.thread_count).desc()))
            .scalars()
            .first()
        )
        assert board is not None
        started = time.perf_counter()
        words = searching.public_vocabulary(session)
        cold = (time.perf_counter() - started) * 1000
        started = time.perf_counter()
        for _ in range(args.runs):
            searching.public_vocabulary(session)
        cached = (time.perf_counter() - started) * 1000 / args.runs
    print(
        f"{args.threads} threads; vocabulary: {len(words)} words, cold build {cold:.0f} ms, "
        f"cached check {cached:.2f} ms"
    )
    client = TestClient(create_app(get_settings(), engine))  # no `with`: no worker
    feed_url = f"/c/{board.slug}/feed.atom"
    full = _median_ms(client, feed_url, args.runs)
    etag = client.get(feed_url).headers["etag"]
    not_modified = _median_ms(client, feed_url, args.runs, **{"If-None-Match": etag})
    print(f"board feed {feed_url}: median {full:.1f} ms; 304 {not_modified:.1f} ms")

    # A word of the seed spelt right, and with two letters swapped twice (beyond the
    # engine's typo tolerance), so that the page runs the second search for the suggestion.
    def swapped(word: str) -> str:
        return word[0] + word[2] + word[1] + word[3:5] + word[6] + word[5] + word[7:]

    long_words = sorted((w for w in words if len(w) >= 8), key=lambda w: -words[w])
    word = next(
        (w for w in long_words if "did-you-mean" in client.get(f"/search?q={swapped(w)}").text),
        long_words[0],
    )
    typo = swapped(word)
    right = _median_ms(client, f"/search?q={word}", args.runs)
    wrong = _median_ms(client, f"/search?q={typo}", args.runs)
    offered = "did-you-mean" in client.get(f"/search?q={typo}").text
    print(
        f"search page '{word}': median {right:.1f} ms; '{typo}' (suggestion "
        f"{'offered' if offered else 'not offered'}): {wrong:.1f} ms, ratio {wrong / right:.2f}"
    )


if __name__ == "__main__":
    main()
