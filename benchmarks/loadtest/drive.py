"""Drive a running forum with logged-in members for a fixed time; print throughput, latency
percentiles per route, errors and the memory of the app and worker processes.

    .venv/bin/python benchmarks/loadtest/drive.py --url http://127.0.0.1:8765 \\
        --database-url postgresql://postgres@127.0.0.1:5432/community_load \\
        --duration 60 --concurrency 16 --app-pid <pid of `community serve`> --worker-pid <pid>

The mix: 80 % page views (start page 16 %, board page 20 %, thread page 44 %), 15 %
searches (the search page), 5 % writes (replies 2.5 %, kudos 2 %, accepted answers 0.5 %).
Every request is made by one of --users members, created in the database with a session
each (the login form's rate limit is for people, not for this). A closed loop: each of
--concurrency virtual users sends its next request as soon as the last one is answered,
without think time, so the figures show what the server does at that concurrency.

Written with asyncio and httpx (already a dependency) rather than Locust: on a machine of
two shared cores the driver must cost little, and a scripted 60-second run needs neither
Locust's gevent patching nor its web UI; the percentiles are computed here from every
request's time."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import resource
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import Engine, func, insert, select
from sqlmodel import Session, col

import community.models  # noqa: F401  (every table)
from community.accounts import security
from community.accounts import service as accounts
from community.accounts.models import Role, User
from community.auth import session_csrf_token
from community.clock import utcnow
from community.db import make_engine
from community.forum.models import Category, CategoryGroup, Post, Thread

SESSION_COOKIE = "community_session"
CSRF_COOKIE = "community_csrf"
NICK_PREFIX = "Last-"
EXPERT_SHARE = 0.1
SAMPLE_THREADS = 20_000  # threads whose replies can get kudos or be accepted

SEARCH = "GET /search?q="
THREAD_PAGE = "GET /t/{id}/{slug}"
ALONE_REQUESTS = 200  # thread pages one at a time after the load: its cost without queueing
# route label, share of all requests
MIX = [
    ("GET /", 0.16),
    ("GET /c/{slug}", 0.20),
    (THREAD_PAGE, 0.44),
    (SEARCH, 0.15),
    ("POST /api/v1/threads/{id}/posts", 0.025),
    ("POST /api/v1/posts/{id}/kudos", 0.02),
    ("PUT /api/v1/threads/{id}/solution", 0.005),
]
QUERIES = [
    "Router",
    "Rooter",  # a typo
    "Router Verbindung",
    "eSIM",
    "Roaming Schweiz",
    "Glasfaser Gewerbegebiet",
    "feste IP",
    "VPN",
    "Rufumleitung",
    "SIP-Trunk",
    "Telefonanlage",
    "Telefonanlagen",
    "Headset",
    "Domain umziehen",
    "SSL Zertifikat",
    "Spam",
    "Umzug Anschluss",
    "Störung",
    "Upload Videokonferenz",
    "Rufnummer portieren",
    "Netzabdeckung Lager",
    "Tischtelefon Registrierung",
    "Glasf",  # typing: the last word as a prefix
    "Rechnung",
]
REPLY_TEXTS = [
    "Bei uns hat ein Neustart des Routers geholfen, danach lief es stabil.",
    "Das steht im Kundencenter unter *Meine Verträge*, dort lässt es sich umstellen.",
    "Gleiches Problem hier, ich melde mich, sobald ich mehr weiß.",
    "Danke für den Tipp, das hat bei uns auch funktioniert!",
]


@dataclass
class Member:
    user_id: int
    cookie: str
    csrf: str
    expert: bool


@dataclass
class Targets:
    boards: list[str]
    threads: list[tuple[int, str]]  # id, slug
    replies: list[tuple[int, int, int]]  # post id, thread id, author id
    question_replies: list[tuple[int, int, int]]


@dataclass
class Results:
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: dict[str, dict[str, int]] = field(
        default_factory=lambda: defaultdict(lambda: defaultdict(int))
    )
    searches_with_hits: int = 0
    cpu: dict[str, float] = field(default_factory=dict)  # seconds used during the run
    alone: list[float] = field(default_factory=list)  # thread pages, one at a time
    load: tuple[float, float] = (0.0, 0.0)  # the machine's 1-minute load average


# ---- preparation in the database ------------------------------------------------------------


def prepare_members(engine: Engine, count: int) -> list[Member]:
    """`count` verified members (one in ten an expert, who may accept answers) with a fresh
    session each; created once, reused by later runs."""
    with Session(engine) as session:
        existing = session.execute(
            select(func.count(col(User.id))).where(col(User.nickname).startswith(NICK_PREFIX))
        ).scalar_one()
        if existing < count:
            shared_hash = security.hash_password(security.new_token())
            now = utcnow()
            rows = []
            for i in range(existing, count):
                nickname = f"{NICK_PREFIX}{i:05d}"
                role = Role.expert if i % round(1 / EXPERT_SHARE) == 0 else Role.member
                rows.append(
                    {
                        "email": f"last{i:05d}@loadtest.invalid",
                        "nickname": nickname,
                        "nickname_key": nickname.casefold(),
                        "password_hash": shared_hash,
                        "role": role.value,
                        "is_staff": False,
                        "email_verified_at": now,
                        "created_at": now,
                    }
                )
            session.execute(insert(User), rows)
            session.commit()
        users = list(
            session.execute(
                select(User)
                .where(col(User.nickname).startswith(NICK_PREFIX))
                .order_by(col(User.id))
                .limit(count)
            ).scalars()
        )
        members = []
        for user in users:
            assert user.id is not None
            raw = accounts.start_session(session, user)
            # The CSRF token is bound to the session (community/auth.py), as the browser's.
            members.append(
                Member(user.id, raw, session_csrf_token(raw), user.role == Role.expert.value)
            )
        session.commit()
    return members


def load_targets(engine: Engine, rng: random.Random) -> Targets:
    """Public boards and their visible threads (the members are in no closed group)."""
    with Session(engine) as session:
        closed = select(col(CategoryGroup.category_id))
        boards = list(
            session.execute(
                # An ideas board's /c/ page sends on to its ideas list (303).
                select(col(Category.slug)).where(
                    col(Category.id).not_in(closed), col(Category.default_kind) != "idea"
                )
            ).scalars()
        )
        rows = session.execute(
            select(col(Thread.id), col(Thread.slug), col(Thread.kind)).where(
                col(Thread.category_id).not_in(closed),
                col(Thread.is_hidden).is_(False),
                col(Thread.is_deleted).is_(False),
            )
        ).all()
        threads = [(r.id, r.slug) for r in rows]
        questions = {r.id for r in rows if r.kind == "question"}
        sample = rng.sample([t for t, _ in threads], k=min(SAMPLE_THREADS, len(threads)))
        replies = [
            (r.id, r.thread_id, r.author_id)
            for r in session.execute(
                select(col(Post.id), col(Post.thread_id), col(Post.author_id)).where(
                    col(Post.thread_id).in_(sample),
                    col(Post.is_opening).is_(False),
                    col(Post.is_hidden).is_(False),
                    col(Post.is_deleted).is_(False),
                )
            ).all()
        ]
    return Targets(
        boards=boards,
        threads=threads,
        replies=replies,
        question_replies=[r for r in replies if r[1] in questions],
    )


# ---- memory of the server processes -------------------------------------------------------------


def _children(pid: int) -> list[int]:
    out = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        # The command may hold spaces and parentheses: the fields follow the last ")".
        if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
            out.append(int(entry))
    return out


def _status_kb(pid: int, key: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1])
    return 0


def _cmdline(pid: int) -> str:
    return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode().strip()


def server_processes(app_pid: int | None, worker_pid: int | None) -> dict[str, int]:
    """name -> pid: the uvicorn supervisor, its worker processes, the job worker."""
    found: dict[str, int] = {}
    if app_pid:
        found["serve (supervisor)"] = app_pid
        workers = [p for p in _children(app_pid) if "spawn_main" in _cmdline(p)]
        for n, pid in enumerate(sorted(workers), 1):
            found[f"uvicorn worker {n}"] = pid
    if worker_pid:
        found["community worker"] = worker_pid
    return found


def cpu_seconds(processes: dict[str, int]) -> dict[str, float]:
    """User + system CPU each process has used so far."""
    out = {}
    for name, pid in processes.items():
        with contextlib.suppress(OSError):
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            # utime and stime are fields 14 and 15 of /proc/<pid>/stat.
            out[name] = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return out


def postgres_cpu_seconds() -> float:
    """User + system CPU of every PostgreSQL process (its server runs beside this one, so
    this includes autovacuum and other databases' sessions; on these machines, none)."""
    total = 0
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        with contextlib.suppress(OSError):
            name, rest = Path(f"/proc/{entry}/stat").read_text().split(" (", 1)[1].rsplit(")", 1)
            if name == "postgres":
                # utime, stime and the children's cutime, cstime: the postmaster's children
                # fields hold the sessions that have ended (the pool closes some).
                total += sum(int(f) for f in rest.split()[11:15])
    return total / os.sysconf("SC_CLK_TCK")


def sample_memory(processes: dict[str, int], peak: dict[str, int]) -> None:
    for name, pid in processes.items():
        with contextlib.suppress(OSError):  # the process ended
            peak[name] = max(peak.get(name, 0), _status_kb(pid, "VmRSS"))


# ---- the load ---------------------------------------------------------------------------------


def _cookie(member: Member) -> dict[str, str]:
    return {"Cookie": f"{SESSION_COOKIE}={member.cookie}; {CSRF_COOKIE}={member.csrf}"}


def _request(
    route: str, rng: random.Random, members: list[Member], experts: list[Member], t: Targets
) -> tuple[str, str, dict[str, Any], set[int]]:
    """method, path, httpx keyword arguments, accepted statuses."""
    member = rng.choice(experts if route.startswith("PUT") else members)
    headers = _cookie(member)
    if route == "GET /":
        return "GET", "/", {"headers": headers}, {200}
    if route == "GET /c/{slug}":
        return "GET", f"/c/{rng.choice(t.boards)}", {"headers": headers}, {200}
    if route == "GET /t/{id}/{slug}":
        thread_id, slug = rng.choice(t.threads)
        return "GET", f"/t/{thread_id}/{slug}", {"headers": headers}, {200}
    if route == SEARCH:
        return "GET", "/search", {"headers": headers, "params": {"q": rng.choice(QUERIES)}}, {200}
    headers["X-CSRF-Token"] = member.csrf
    if route.startswith("POST /api/v1/threads"):
        thread_id, _ = rng.choice(t.threads)
        body = {"body": rng.choice(REPLY_TEXTS)}
        path = f"/api/v1/threads/{thread_id}/posts"
        return "POST", path, {"headers": headers, "json": body}, {201}
    if route.startswith("POST /api/v1/posts"):
        # Never for one's own post (403): a grown seed has members' posts too.
        post_id, _, author_id = rng.choice(t.replies)
        while author_id == member.user_id:
            post_id, _, author_id = rng.choice(t.replies)
        return "POST", f"/api/v1/posts/{post_id}/kudos", {"headers": headers}, {200}
    post_id, thread_id, _ = rng.choice(t.question_replies)
    path = f"/api/v1/threads/{thread_id}/solution"
    return "PUT", path, {"headers": headers, "json": {"post_id": post_id}}, {200}


async def _virtual_user(
    client: httpx.AsyncClient,
    seed: int,
    members: list[Member],
    targets: Targets,
    record_from: float,
    stop_at: float,
    results: Results,
) -> None:
    rng = random.Random(seed)
    experts = [m for m in members if m.expert]
    routes = [r for r, _ in MIX]
    weights = [w for _, w in MIX]
    while time.monotonic() < stop_at:
        route = rng.choices(routes, weights)[0]
        method, path, kwargs, ok = _request(route, rng, members, experts, targets)
        started = time.monotonic()
        try:
            response = await client.request(method, path, **kwargs)
            outcome, good = str(response.status_code), response.status_code in ok
        except httpx.HTTPError as exc:
            outcome, good = type(exc).__name__, False
        elapsed = time.monotonic() - started
        if started < record_from:
            continue  # warm-up
        if good:
            results.latencies[route].append(elapsed)
            if route == SEARCH and 'class="snippet"' in response.text:
                results.searches_with_hits += 1  # the index answered, not just the page
        else:
            results.errors[route][outcome] += 1


async def _alone(client: httpx.AsyncClient, members: list[Member], targets: Targets) -> list[float]:
    """The thread page without concurrency: under the closed-loop load its latency is mostly
    the wait for a core, which hides whether the page itself got slower with the forum."""
    rng = random.Random(99)
    times = []
    for _ in range(ALONE_REQUESTS):
        method, path, kwargs, ok = _request(THREAD_PAGE, rng, members, [], targets)
        started = time.monotonic()
        response = await client.request(method, path, **kwargs)
        if response.status_code in ok:
            times.append(time.monotonic() - started)
    return times


async def drive(
    url: str,
    members: list[Member],
    targets: Targets,
    *,
    duration: float,
    warmup: float,
    concurrency: int,
    processes: dict[str, int],
) -> tuple[Results, dict[str, int], float]:
    results = Results()
    peak: dict[str, int] = {}
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    timeout = httpx.Timeout(60.0)
    async with httpx.AsyncClient(base_url=url, limits=limits, timeout=timeout) as client:
        now = time.monotonic()
        record_from, stop_at = now + warmup, now + warmup + duration
        users = [
            asyncio.create_task(
                _virtual_user(client, n, members, targets, record_from, stop_at, results)
            )
            for n in range(concurrency)
        ]
        while time.monotonic() < record_from:
            await asyncio.sleep(0.1)
        cpu_before, load_before = cpu_seconds(processes), os.getloadavg()[0]
        pg_before = postgres_cpu_seconds()
        while time.monotonic() < stop_at:
            sample_memory(processes, peak)
            await asyncio.sleep(1.0)
        cpu_after, load_after = cpu_seconds(processes), os.getloadavg()[0]
        pg_after = postgres_cpu_seconds()
        await asyncio.gather(*users)
        sample_memory(processes, peak)
        # The job worker first indexes the load's replies; the probe should not share
        # the cores with it.
        await asyncio.sleep(5)
        results.alone = await _alone(client, members, targets)
    results.cpu = {n: cpu_after[n] - cpu_before.get(n, 0.0) for n in cpu_after}
    results.cpu["postgresql"] = pg_after - pg_before
    results.load = (load_before, load_after)
    return results, peak, duration


# ---- report -------------------------------------------------------------------------------------


def _pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(p / 100 * len(ordered) + 0.5) - 1))
    return ordered[index] * 1000


def report(
    label: str,
    results: Results,
    peak: dict[str, int],
    processes: dict[str, int],
    duration: float,
    concurrency: int,
    counts: dict[str, int],
) -> dict[str, Any]:
    total = sum(len(v) for v in results.latencies.values())
    errors = sum(sum(e.values()) for e in results.errors.values())
    print(f"\n== {label}: {counts['threads']:,} threads, {counts['posts']:,} posts ==")
    print(
        f"{duration:.0f} s at concurrency {concurrency}: {total:,} requests, "
        f"{total / duration:.1f} req/s, errors: {errors}"
    )
    print(f"{'route':38} {'count':>7} {'req/s':>7} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8}")
    routes: dict[str, Any] = {}
    for route, _ in MIX:
        values = results.latencies.get(route, [])
        if not values:
            print(f"{route:38} {0:>7}")
            continue
        row = {
            "count": len(values),
            "rps": len(values) / duration,
            "p50": _pct(values, 50),
            "p95": _pct(values, 95),
            "p99": _pct(values, 99),
        }
        routes[route] = row
        print(
            f"{route:38} {row['count']:>7} {row['rps']:>7.1f} {row['p50']:>8.1f} "
            f"{row['p95']:>8.1f} {row['p99']:>8.1f}"
        )
    searches = len(results.latencies.get(SEARCH, []))
    print(f"searches with hits: {results.searches_with_hits} of {searches}")
    for route, by_status in results.errors.items():
        print(f"  errors {route}: {dict(by_status)}")
    print("memory (peak RSS during the run, then VmHWM):")
    memory = {}
    for name, pid in processes.items():
        try:
            hwm = _status_kb(pid, "VmHWM")
        except OSError:
            hwm = 0
        memory[name] = {"rss_mb": peak.get(name, 0) / 1024, "hwm_mb": hwm / 1024}
        print(f"  {name:22} pid {pid:>7}  {peak.get(name, 0) / 1024:7.1f} MB  {hwm / 1024:7.1f} MB")
    app_cpu = sum(v for k, v in results.cpu.items() if k.startswith("uvicorn"))
    per_request = app_cpu / total * 1000 if total else 0.0
    print(
        f"app CPU: {app_cpu:.1f} s in the uvicorn workers = {per_request:.1f} ms per request "
        f"(job worker: {results.cpu.get('community worker', 0.0):.1f} s)"
    )
    pg_cpu = results.cpu.get("postgresql", 0.0)
    pg_per_request = pg_cpu / total * 1000 if total else 0.0
    print(f"PostgreSQL CPU: {pg_cpu:.1f} s = {pg_per_request:.1f} ms per request")
    alone = {
        "count": len(results.alone),
        "p50": _pct(results.alone, 50) if results.alone else 0.0,
        "p95": _pct(results.alone, 95) if results.alone else 0.0,
    }
    print(
        f"thread page alone ({alone['count']} requests one at a time after the load): "
        f"p50 {alone['p50']:.1f} ms, p95 {alone['p95']:.1f} ms"
    )
    usage = resource.getrusage(resource.RUSAGE_SELF)
    driver_cpu = usage.ru_utime + usage.ru_stime
    print(
        f"driver CPU: {driver_cpu:.1f} s; machine load average {results.load[0]:.1f} at the "
        f"start, {results.load[1]:.1f} at the end ({os.cpu_count()} cores)"
    )
    return {
        "label": label,
        "counts": counts,
        "duration": duration,
        "concurrency": concurrency,
        "requests": total,
        "throughput": total / duration,
        "errors": errors,
        "routes": routes,
        "memory": memory,
        "app_cpu_ms_per_request": per_request,
        "postgres_cpu_ms_per_request": pg_per_request,
        "alone": alone,
        "load": results.load,
    }


def compare(path: Path) -> None:
    runs = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    print("\n== thread page as the forum grows ==")
    for run in runs:
        r = run["routes"].get(THREAD_PAGE, {})
        alone = run.get("alone", {})
        print(
            f"{run['counts']['threads']:>9,} threads, under load: p50 {r.get('p50', 0):7.1f} ms  "
            f"p95 {r.get('p95', 0):7.1f} ms  p99 {r.get('p99', 0):7.1f} ms  "
            f"({run['throughput']:.1f} req/s overall, {run['errors']} errors, "
            f"CPU per request: app {run['app_cpu_ms_per_request']:.1f} ms, "
            f"PostgreSQL {run.get('postgres_cpu_ms_per_request', 0):.1f} ms)"
        )
        print(
            f"{'':>9}          alone:      p50 {alone.get('p50', 0):7.1f} ms  "
            f"p95 {alone.get('p95', 0):7.1f} ms"
        )


def _counts(engine: Engine) -> dict[str, int]:
    with Session(engine) as session:
        threads = session.execute(select(func.count(col(Thread.id)))).scalar_one()
        posts = session.execute(select(func.count(col(Post.id)))).scalar_one()
    return {"threads": threads, "posts": posts}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="http://127.0.0.1:8765")
    parser.add_argument("--database-url", help="the forum's database (members, targets)")
    parser.add_argument("--duration", type=float, default=60)
    parser.add_argument("--warmup", type=float, default=5)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--users", type=int, default=200, help="logged-in members")
    parser.add_argument("--app-pid", type=int, help="pid of `community serve`")
    parser.add_argument("--worker-pid", type=int, help="pid of `community worker`")
    parser.add_argument("--label", default="run")
    parser.add_argument("--results", type=Path, help="append this run's figures (JSON lines)")
    parser.add_argument("--compare", type=Path, help="only print the thread page across runs")
    args = parser.parse_args(argv)
    if args.compare:
        compare(args.compare)
        return 0
    if not args.database_url:
        parser.error("--database-url is needed")

    engine = make_engine(args.database_url)
    rng = random.Random(7)
    members = prepare_members(engine, args.users)
    targets = load_targets(engine, rng)
    counts = _counts(engine)
    engine.dispose()
    processes = server_processes(args.app_pid, args.worker_pid)
    results, peak, duration = asyncio.run(
        drive(
            args.url,
            members,
            targets,
            duration=args.duration,
            warmup=args.warmup,
            concurrency=args.concurrency,
            processes=processes,
        )
    )
    summary = report(args.label, results, peak, processes, duration, args.concurrency, counts)
    if args.results:
        with args.results.open("a") as file:
            file.write(json.dumps(summary) + "\n")
    return 1 if summary["errors"] else 0


if __name__ == "__main__":
    raise SystemExit(main())
