"""Pages under load against the app's own trivial route, in one run (issue 21).

    .venv/bin/python benchmarks/pages.py                       # SQLite, 10,000 threads
    .venv/bin/python benchmarks/pages.py --threads 1000 --duration 3 --rounds 1
    .venv/bin/python benchmarks/pages.py --postgres postgresql://postgres@127.0.0.1:5432/community_bench

Seeds a database with the demo content (the SQLite file
/tmp/community-bench-sqlite-<threads>/forum.sqlite3, kept and reused by later runs; or the
PostgreSQL database named by --postgres, created if missing), adds a thread of 20 posts in a
public board and a signed-in member, then starts `community serve --workers 2` (the job
worker apart, as in production with several processes). Each round runs every route for
--duration seconds at --concurrency connections, one route after the other, so the ratios
are measured under the same load of the shared machine: /healthz, the thread page anonymous
and signed in, a board page, the start page and the search API. It prints req/s, the ratio
to /healthz, p50, p99 and p99/p50 over all rounds (and the worst round's p99/p50), the first
request per route on the fresh processes (and the second, at once on the same connection;
also for pages the rounds do not load, VISITOR_PAGES and MEMBER_PAGES),
the app processes' CPU time per request (from /proc: what the server spends, whatever the
client and the machine's other work take of the cores), and the RSS of each process (and of
a job worker started beside them, `community worker`) at start-up and after the run, split
into the process's own (anonymous) memory and mapped files. Last, the stack's floor: a
process that imports every library module an app process imports and serves one FastAPI
route under uvicorn (benchmarks/_floor.py), loaded like /healthz for one round; the app
processes' RSS is printed beside it, as what the forum adds to it.

The load generator is a small keep-alive HTTP/1.1 client on asyncio (uvloop) in this
process: httpx costs more CPU per request than the trivial route itself, which on two
cores would understate /healthz. Each request must answer 200, else it counts as an error.
A round's connections open 2 ms apart (CONNECTION_GAP_SECONDS), as visitors arrive: in one
burst the first app process to wake accepted all of them about every other round. `wrk
-t2 -c16 --latency` against the same server gave the same p99/p50 as this client (within
the run-to-run noise), so the client's share of the two cores is not what makes the tail.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import uvloop
from sqlalchemy import func, select
from sqlmodel import Session, col

import community.models  # noqa: F401  (every table)
from community.accounts import service as accounts
from community.accounts.models import Role, User
from community.accounts.viewer import viewer_for
from community.db import make_engine
from community.demo import seed_demo_content
from community.forum import service as forum
from community.forum.models import Category, CategoryGroup, Thread, ThreadKind
from community.migrate import upgrade

TITLE = "Benchmark: ein Thema mit zwanzig Beiträgen"
SESSION_COOKIE = "community_session"
BROWSER = "Mozilla/5.0 (X11; Linux x86_64) benchmark"  # a person, not a crawler: views count


@dataclass
class Route:
    name: str
    path: str
    cookie: str | None = None
    times: list[float] = field(default_factory=list)
    rounds: list[tuple[int, float, float, float]] = field(default_factory=list)
    errors: int = 0
    first_ms: float = 0.0
    second_ms: float = 0.0
    cpu_seconds: float = 0.0  # the app processes' over the rounds


# ---- the database ---------------------------------------------------------------------


def _public_board(session: Session) -> Category:
    closed = select(col(CategoryGroup.category_id))
    board = (
        session.execute(
            select(Category)
            .where(col(Category.id).not_in(closed))
            .order_by(col(Category.thread_count).desc())
        )
        .scalars()
        .first()
    )
    assert board is not None, "no public board"
    return board


def prepare(url: str, threads: int) -> tuple[str, str, str, int]:
    """Seed if empty; return the thread page's path, a board's path, a member's session
    cookie and the thread count."""
    engine = make_engine(url)
    upgrade(engine)
    with Session(engine) as session:
        have = session.execute(select(func.count(col(Thread.id)))).scalar_one()
    if have == 0:
        started = time.perf_counter()
        seed_demo_content(engine, threads=threads, replies=(8, 10))
        print(f"seeded {threads:,} threads in {time.perf_counter() - started:.0f} s")
    with Session(engine) as session:
        members = list(
            session.execute(
                select(User)
                .where(col(User.email_verified_at).is_not(None), col(User.role) == Role.member)
                .order_by(col(User.id))
                .limit(20)
            ).scalars()
        )
        board = _public_board(session)
        thread = session.execute(select(Thread).where(col(Thread.title) == TITLE)).scalar()
        if thread is None:
            thread, _ = forum.create_thread(
                session,
                viewer_for(session, members[0]),
                category_slug=board.slug,
                kind=ThreadKind.question,
                title=TITLE,
                body="Wie schnell ist die Seite mit **zwanzig** Beiträgen?",
            )
            for n in range(19):
                author = members[1 + n % (len(members) - 1)]
                forum.create_reply(
                    session,
                    viewer_for(session, author),
                    thread.id,  # type: ignore[arg-type]
                    f"Antwort Nummer {n + 1}: *so* geht das, mit einem [Link](https://example.org).",
                )
        cookie = accounts.start_session(session, members[-1])
        session.commit()
        count = session.execute(select(func.count(col(Thread.id)))).scalar_one()
        paths = (f"/t/{thread.id}/{thread.slug}", f"/c/{board.slug}")
    engine.dispose()
    return paths[0], paths[1], cookie, count


# ---- the server -----------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_server(workers: int, port: int, env: dict[str, str]) -> subprocess.Popen[bytes]:
    community = Path(sys.executable).with_name("community")
    # The log tells when each process has finished its start-up (the warm-up included): the
    # first requests are timed only then, not while another process still starts beside them.
    with tempfile.TemporaryFile() as log:
        server = subprocess.Popen(
            [str(community), "serve", "--no-demo", "--workers", str(workers), "--port", str(port)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=log,
            start_new_session=True,
        )
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            log.seek(0)
            if log.read().count(b"Application startup complete") >= workers:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5)
                return server
            time.sleep(0.2)
    server.kill()
    raise SystemExit("the server did not start within 120 s")


def start_worker(env: dict[str, str]) -> subprocess.Popen[bytes]:
    """`community worker`, as in production beside several app processes; it runs the jobs
    the seeding left and those the load makes."""
    community = Path(sys.executable).with_name("community")
    # Its log goes to a file so that a failed start says why (it prints every mail it sends
    # without COMMUNITY_SMTP_URL, so only the end is shown).
    log = tempfile.TemporaryFile()  # noqa: SIM115 (open as long as the worker runs)
    worker = subprocess.Popen(
        [str(community), "worker"],
        env=env,
        stdout=log,  # a refusal (the index writer taken) is printed there
        stderr=log,
        start_new_session=True,
    )
    time.sleep(3)  # its start-up: imports, the index writer, the first round of jobs
    if worker.poll() is not None:
        log.seek(0)
        tail = log.read().decode(errors="replace")[-3000:]
        raise SystemExit(f"the job worker did not start (exit {worker.returncode}):\n{tail}")
    return worker


def _descendants(pid: int) -> list[int]:
    found = []
    for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split():
        found.append(int(child))
        found.extend(_descendants(int(child)))
    return found


def _cpu_seconds(pids: list[int]) -> float:
    """User and system CPU time of these processes so far (/proc/PID/stat)."""
    ticks = 0
    for pid in pids:
        fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
        ticks += int(fields[11]) + int(fields[12])
    return ticks / os.sysconf("SC_CLK_TCK")


def _rss_mib(pid: int, field: str = "VmRSS") -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1]) / 1024
    return 0.0


def _memory(pid: int) -> str:
    """RSS (what issue 21's 100 MiB counts), split into the process's own (anonymous) memory
    and mapped files: the libraries' pages in use and the search index's (SQLite's database
    is read, not mapped: community/db.py). Mapped pages are the kernel's shared page cache,
    which it can drop, but they count in each process's RSS that maps them."""
    anon, files = _rss_mib(pid, "RssAnon"), _rss_mib(pid, "RssFile")
    return f"{_rss_mib(pid):.0f} MiB ({anon:.0f} own + {files:.0f} mapped files)"


# ---- the load -------------------------------------------------------------------------


def _request(port: int, route: Route) -> bytes:
    lines = [
        f"GET {route.path} HTTP/1.1",
        f"Host: 127.0.0.1:{port}",
        f"User-Agent: {BROWSER}",
        "Accept-Language: de",
    ]
    if route.cookie:
        lines.append(f"Cookie: {SESSION_COOKIE}={route.cookie}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


async def _one(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, request: bytes
) -> tuple[int, float]:
    started = time.perf_counter()
    writer.write(request)
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head[9:12])
    length = None
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.lower() == b"content-length":
            length = int(value)
    if length is None:
        raise RuntimeError("a response without Content-Length")
    await reader.readexactly(length)
    return status, (time.perf_counter() - started) * 1000


# Connections open this far apart, as visitors arrive, not in one burst: the app processes
# share one listening socket, and uvloop accepts every waiting connection at once, so in a
# burst the first process to wake took all 16 in about half the rounds while the other
# idled. That moved whole rounds (the search API at 14 % or 38 % of /healthz) and split a
# round's latencies in two (the busy process's and the idle one's), which is no tail of the
# server's. Opened one after the other, a new connection goes to the process that is less
# busy, as it does with real visitors. 16 connections take 30 ms of a round of seconds.
CONNECTION_GAP_SECONDS = 0.002


async def _connection(
    port: int, route: Route, until: float, times: list[float], number: int = 0
) -> int:
    errors = 0
    request = _request(port, route)
    await asyncio.sleep(number * CONNECTION_GAP_SECONDS)
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        while time.perf_counter() < until:
            status, ms = await _one(reader, writer, request)
            if status == 200:
                times.append(ms)
            else:
                errors += 1
    finally:
        writer.close()
    return errors


async def run_round(
    port: int, route: Route, concurrency: int, duration: float, app_pids: list[int]
) -> None:
    times: list[float] = []
    cpu_before = _cpu_seconds(app_pids)
    started = time.perf_counter()
    until = started + duration
    results = await asyncio.gather(
        *(_connection(port, route, until, times, number) for number in range(concurrency))
    )
    elapsed = time.perf_counter() - started
    route.cpu_seconds += _cpu_seconds(app_pids) - cpu_before
    route.errors += sum(results)
    route.times.extend(times)
    times.sort()
    p50, p99 = _pct(times, 0.50), _pct(times, 0.99)
    route.rounds.append((len(times), len(times) / elapsed, p50, p99))


async def first_requests(port: int, routes: list[Route]) -> None:
    for route in routes:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        status, route.first_ms = await _one(reader, writer, _request(port, route))
        # The same again at once: what the first paid beyond it was its being the first.
        _status, route.second_ms = await _one(reader, writer, _request(port, route))
        writer.close()
        if status != 200:
            raise SystemExit(f"{route.path} answered {status}")


# Pages the rounds do not load, asked for once each (and at once again) after the loaded
# routes' first requests: the first request of every page a visitor or member reaches
# should be prepared at start-up as well (issue 21). The administration's pages are left
# out: their routes are imported by the first request under /admin (community/lazyroutes.py).
VISITOR_PAGES = (
    "/login",
    "/register",
    "/blog",
    "/leaderboard",
    "/impressum",
    "/solved.atom",
    "/sitemap.xml",
    "/sitemap-threads-1.xml",
    "/api/v1/categories",
    "/api/v1/threads",
)
MEMBER_PAGES = ("/notifications", "/settings", "/new", "/settings/feeds")


async def first_pages(port: int, cookie: str, query: str) -> None:
    """Print the first and second request of each page the rounds do not load. They come
    before the rounds, so the RSS after the run is that of processes that served them."""
    pages = [Route(path, path) for path in (*VISITOR_PAGES, f"/search?q={query}")]
    pages += [Route(f"{path} (member)", path, cookie) for path in MEMBER_PAGES]
    await first_requests(port, pages)
    slowest = max(pages, key=lambda page: page.first_ms)
    listed = ", ".join(f"{page.name} {page.first_ms:.0f}/{page.second_ms:.0f}" for page in pages)
    print(f"first/second ms of pages not loaded: {listed}")
    print(f"slowest first request of those: {slowest.name} {slowest.first_ms:.0f} ms")


def _pct(times: list[float], q: float) -> float:
    return times[min(len(times) - 1, int(len(times) * q))] if times else 0.0


# ---- the report -----------------------------------------------------------------------


def report(
    routes: list[Route],
    server: subprocess.Popen[bytes],
    worker: subprocess.Popen[bytes] | None,
) -> list[float]:
    """Print the table and the processes' memory; return the app processes' RSS."""
    base = sum(r[1] for r in routes[0].rounds) / len(routes[0].rounds)
    print()
    print(
        "| route | req/s | ratio | p50 ms | p99 ms | p99/p50 | worst round "
        "| first ms | second ms | app CPU ms | errors |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for route in routes:
        rate = sum(r[1] for r in route.rounds) / len(route.rounds)
        route.times.sort()
        p50, p99 = _pct(route.times, 0.5), _pct(route.times, 0.99)
        worst = max(r[3] / r[2] for r in route.rounds if r[2])
        # The app processes' CPU time per request served (errors too), whatever the client
        # and the machine's other work took: less noisy than req/s on a shared machine.
        served = sum(r[0] for r in route.rounds) + route.errors
        cpu_ms = route.cpu_seconds * 1000 / served if served else 0.0
        print(
            f"| {route.name} | {rate:,.0f} | {rate / base:.1%} | {p50:.1f} | {p99:.1f} "
            f"| {p99 / p50:.1f} | {worst:.1f} | {route.first_ms:.0f} | {route.second_ms:.0f} "
            f"| {cpu_ms:.2f} | {route.errors} |"
        )
    errors = sum(r.errors for r in routes)
    total = sum(len(r.times) for r in routes)
    print(f"\n{total:,} requests, {errors} errors")
    if worker is not None:
        print(f"RSS: job worker {_memory(worker.pid)}")
    role = "serve master" if _descendants(server.pid) else "serve (the app process)"
    print(f"RSS: {role} {_memory(server.pid)}", end="")
    for pid in _descendants(server.pid):
        kind = "app process" if _is_app(pid) else "helper"
        print(f", {kind} {_memory(pid)}", end="")
    print()
    apps = [pid for pid in _descendants(server.pid) if _is_app(pid)] or [server.pid]
    return [_rss_mib(pid) for pid in apps]


# ---- the stack's floor ----------------------------------------------------------------


def measure_floor(env: dict[str, str], args: argparse.Namespace, apps_mib: list[float]) -> None:
    """Start benchmarks/_floor.py on the modules an app process imports, load its /healthz
    as the app's for one round, and print its RSS beside the app processes'."""
    floor = Path(__file__).with_name("_floor.py")
    probe = subprocess.run(
        [sys.executable, str(floor), "probe"], env=env, capture_output=True, timeout=300
    )
    if probe.returncode != 0:
        tail = probe.stderr.decode(errors="replace")[-3000:]
        raise SystemExit(f"the floor's probe failed (exit {probe.returncode}):\n{tail}")
    modules = probe.stdout
    port = _free_port()
    with tempfile.NamedTemporaryFile() as listed:
        listed.write(modules)
        listed.flush()
        server = subprocess.Popen(
            [sys.executable, str(floor), listed.name, str(port)],
            env={**env, "MALLOC_ARENA_MAX": "2", "MALLOC_MMAP_THRESHOLD_": str(128 * 1024)},
            start_new_session=True,
        )
        try:
            _wait_for(port, server)
            route = Route("floor", "/healthz")
            uvloop.run(run_round(port, route, args.concurrency, args.duration, [server.pid]))
            floor_mib = _rss_mib(server.pid)
            added = ", ".join(f"{mib - floor_mib:+.0f} MiB" for mib in apps_mib)
            print(
                f"RSS: the stack's floor (the {len(json.loads(modules))} modules of the libraries "
                f"and the standard library an app process imports, one FastAPI route under "
                f"uvicorn, after one round of its /healthz at "
                f"{route.rounds[0][1]:,.0f} req/s) {_memory(server.pid)}; the app processes "
                f"hold the floor {added}"
            )
        finally:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(30)


def _wait_for(port: int, server: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"the floor's server ended (exit {server.returncode})")
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5)
            return
        except OSError:
            time.sleep(0.2)
    raise SystemExit("the floor's server did not start within 60 s")


def _is_app(pid: int) -> bool:
    return b"spawn_main" in Path(f"/proc/{pid}/cmdline").read_bytes()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--threads", type=int, default=10_000)
    parser.add_argument("--postgres", help="a PostgreSQL URL instead of the SQLite file")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--duration", type=float, default=5.0, help="seconds per route and round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--query", default="Router")
    parser.add_argument(
        "--no-job-worker",
        dest="job_worker",
        action="store_false",
        help="without `community worker` beside the server (its RSS is reported)",
    )
    args = parser.parse_args()

    # The search index lives in the data folder: one per database.
    kind = "pg-" + args.postgres.rpartition("/")[2] if args.postgres else "sqlite"
    data = Path(tempfile.gettempdir()) / f"community-bench-{kind}-{args.threads}"
    data.mkdir(exist_ok=True)
    url = args.postgres or f"sqlite:///{data}/forum.sqlite3"
    env = {
        **os.environ,
        "COMMUNITY_DATABASE_URL": url,
        "COMMUNITY_DATA_DIR": str(data),
        "COMMUNITY_RUN_WORKER_IN_PROCESS": "false",
        "COMMUNITY_ANTISPAM_ENABLED": "false",
    }
    os.environ.update(env)  # before anything reads the settings (cached)
    if args.postgres:
        _create_database(args.postgres)
    # In a process of its own: seeding indexes the demo content and so claims the embedded
    # index's writer, which `community worker` must claim after it (it refused to start
    # after every run that seeded).
    with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as pool:
        thread, board, cookie, count = pool.submit(prepare, url, args.threads).result()
    print(f"database: {url.split('@')[-1]} ({count:,} threads), {args.workers} app processes")
    routes = [
        Route("/healthz", "/healthz"),
        Route("thread, 20 posts, anonymous", thread),
        Route("thread, 20 posts, member", thread, cookie),
        Route("board page", board),
        Route("start page", "/"),
        Route("search API", f"/api/v1/search?q={args.query}"),
    ]
    port = _free_port()
    server = start_server(args.workers, port, env)
    worker = None
    try:
        # Inside the try: a worker that does not start must not leave the server running.
        worker = start_worker(env) if args.job_worker else None
        started = ", ".join(_memory(pid) for pid in _descendants(server.pid) or [server.pid])
        print(f"RSS of the app processes after start-up: {started}")
        if worker is not None:
            print(f"RSS of the job worker after start-up: {_memory(worker.pid)}")
        app_pids = _descendants(server.pid) or [server.pid]
        uvloop.run(_drive(port, routes, args, app_pids))
        apps_mib = report(routes, server, worker)
        measure_floor(env, args, apps_mib)
    finally:
        for process in (server, worker):
            if process is not None:
                os.killpg(process.pid, signal.SIGTERM)
                process.wait(30)


async def _drive(
    port: int, routes: list[Route], args: argparse.Namespace, app_pids: list[int]
) -> None:
    await first_requests(port, routes)
    await first_pages(port, next(route.cookie for route in routes if route.cookie), args.query)
    for number in range(args.rounds):
        for route in routes:
            await run_round(port, route, args.concurrency, args.duration, app_pids)
        rates = ", ".join(f"{r.rounds[-1][1]:,.0f}" for r in routes)
        print(f"round {number + 1}: req/s {rates}", flush=True)


def _create_database(url: str) -> None:
    base, _, name = url.rpartition("/")
    engine = make_engine(f"{base}/postgres")
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        exists = conn.exec_driver_sql("SELECT 1 FROM pg_database WHERE datname = %s", (name,))
        if exists.first() is None:
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    engine.dispose()


if __name__ == "__main__":
    main()
