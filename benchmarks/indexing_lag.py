"""Search indexing lag while a webhook endpoint is slow (issue 16, fault 6): the time from
a new thread's commit until search finds it, p50 and p95, in three runs of one program:

1. the worker as shipped (a lane for webhooks, one for everything else), no webhook;
2. the same worker, with an endpoint that takes 2-3 s per delivery;
3. one lane for all jobs (the worker before the lanes), with the same slow endpoint.

    python benchmarks/indexing_lag.py [--threads 20] [--every 0.5]

Fresh SQLite file and embedded index; the worker polls every second (its default); a
thread is committed every `--every` seconds. The goal: p95 under 2 s in run 2.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlmodel import Session

import community.jobs.worker as worker_module
from benchmarks._world import bench_world
from community.accounts.viewer import viewer_for
from community.config import get_settings
from community.forum import service as forum
from community.forum.models import ThreadKind
from community.indexing.backend import use_backend
from search.documents import Filters
from search.embedded import EmbeddedBackend


@contextmanager
def slow_receiver() -> Iterator[str]:
    """A loopback endpoint that takes 2-3 s to answer each delivery (a slow CRM)."""

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("content-length", 0)))
            time.sleep(random.uniform(2.0, 3.0))
            self.send_response(200)
            self.send_header("content-length", "0")
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/hook"
    finally:
        server.shutdown()
        server.server_close()


def _setup(directory: Path, endpoint: str | None):  # type: ignore[no-untyped-def]
    directory.mkdir(parents=True)
    backend = EmbeddedBackend(directory / "search")
    use_backend(backend)
    engine, author = bench_world(f"sqlite:///{directory / 'bench.sqlite3'}", endpoint)
    return engine, backend, author


def _lags(directory: Path, endpoint: str | None, threads: int, every: float) -> list[float]:
    engine, backend, author = _setup(directory, endpoint)
    worker = worker_module.Worker(engine)
    worker.start_in_thread()
    pending: dict[str, float] = {}
    found: dict[str, float] = {}
    lock = threading.Lock()
    done = threading.Event()

    def watch() -> None:
        while not done.is_set():
            with lock:
                words = list(pending)
            for word in words:
                hits = backend.search(word, filters=Filters(), visibility=None).hits
                if hits:
                    with lock:
                        found[word] = time.perf_counter() - pending.pop(word)
            time.sleep(0.02)

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    for n in range(threads):
        word = f"zzlag{n}x{random.randrange(10**6)}"
        with Session(engine, expire_on_commit=False) as s:
            forum.create_thread(
                s,
                viewer_for(s, author),
                category_slug="bench",
                kind=ThreadKind.question,
                title=f"Frage {word}",
                body=f"Wann ist {word} zu finden?",
            )
            s.commit()
            with lock:
                pending[word] = time.perf_counter()
        time.sleep(every)
    deadline = time.monotonic() + 60
    while pending and time.monotonic() < deadline:
        time.sleep(0.05)
    done.set()
    worker.stop()
    with lock:
        lags = sorted(found.values()) + [float("inf")] * len(pending)
    use_backend(None)
    backend.release_writer()
    engine.dispose()
    return lags


def _p95(values: list[float]) -> float:
    return values[max(0, int(len(values) * 0.95 + 0.5) - 1)]


def _show(label: str, lags: list[float]) -> float:
    p95 = _p95(lags)
    shown = f"{p95:.2f} s" if p95 != float("inf") else "> 60 s (not indexed)"
    print(f"{label}: p50 {statistics.median(lags):.2f} s, p95 {shown} ({len(lags)} threads)")
    return p95


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--threads", type=int, default=20)
    parser.add_argument("--every", type=float, default=0.5)
    args = parser.parse_args()
    get_settings().webhooks_allow_private = True  # the receiver is on loopback
    random.seed(1)
    root = Path(tempfile.mkdtemp(prefix="indexing-lag-"))
    print(f"commit -> searchable, a thread every {args.every} s, worker polls every 1 s")
    base = _show(
        "1 lanes, no webhook        ",
        _lags(root / "1", None, args.threads, args.every),
    )
    with slow_receiver() as url:
        slow = _show(
            "2 lanes, endpoint 2-3 s    ",
            _lags(root / "2", url, args.threads, args.every),
        )
        lanes = worker_module.LANES
        worker_module.LANES = (worker_module.ALL,)  # the worker before: one queue for all
        try:
            single = _show(
                "3 one lane, endpoint 2-3 s ",
                _lags(root / "3", url, args.threads, args.every),
            )
        finally:
            worker_module.LANES = lanes
    print(f"p95 ratio slow endpoint / none, with lanes: {slow / base:.2f}")
    print(f"p95 ratio one lane / lanes, slow endpoint: {single / slow:.2f}")
    print(f"goal p95 < 2 s with a slow endpoint: {'met' if slow < 2 else 'NOT met'}")


if __name__ == "__main__":
    main()
