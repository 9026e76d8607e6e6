"""/healthz (the process answers) and /readyz (it can serve: database, schema, search, worker).

A load balancer sends traffic only to ready processes; the search engine being down does
not make a process unready (pages work and say search is unavailable), it is "degraded"."""

from __future__ import annotations

import ast
import asyncio
import functools
import logging
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from sqlalchemy import Connection, Engine, inspect, text
from sqlmodel import Session

from community.clock import utcnow
from community.config import Settings
from community.indexing.backend import get_backend
from community.indexing.service import index_problem
from community.jobs.heartbeat import last_beat
from community.migrate import ROOT

log = logging.getLogger(__name__)

router = APIRouter(include_in_schema=False)


# The database checks run here, apart from the request threads: with the database hung,
# those may all be taken, and /readyz must still answer within READY_DEADLINE_SECONDS.
_checks = ThreadPoolExecutor(max_workers=4, thread_name_prefix="readyz")
READY_DEADLINE_SECONDS = 1.5


@router.get("/healthz")
async def healthz() -> dict[str, str]:
    # async: answered on the event loop, even while every request thread waits.
    return {"status": "ok"}


# Alembic's own: its version table, and the folder of migrations alembic.ini names.
VERSION_TABLE = "alembic_version"
MIGRATIONS = ROOT / "migrations" / "versions"


@functools.cache
def _heads() -> frozenset[str]:
    """The migrations this code expects: those no other migration revises. They cannot
    change while the process runs, so the files are read once, not per check. Read without
    Alembic, whose import (with Mako) cost each app process ~8 MiB at its first readiness
    check (issue 21); a test checks that Alembic finds the same heads."""
    revisions: set[str] = set()
    revised: set[str] = set()
    for path in MIGRATIONS.glob("*.py"):
        if path.name.startswith(("__init__", ".#")):  # the files Alembic skips too
            continue
        found = _revision_lines(path)
        revisions.add(found["revision"])
        down = found.get("down_revision")
        if isinstance(down, str):
            revised.add(down)
        elif down:  # a merge revises several
            revised.update(down)
    return frozenset(revisions - revised)


def _revision_lines(path: Path) -> dict[str, Any]:
    """`revision` and `down_revision` of one migration file, as Alembic reads them (string
    literals, None or a tuple), without running the file."""
    found: dict[str, Any] = {}
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        target: ast.expr
        if isinstance(node, ast.AnnAssign) and node.value is not None:
            target, value = node.target, node.value
        elif isinstance(node, ast.Assign) and len(node.targets) == 1:
            target, value = node.targets[0], node.value
        else:
            continue
        if isinstance(target, ast.Name) and target.id in ("revision", "down_revision"):
            found[target.id] = ast.literal_eval(value)
    return found


def _current_heads(conn: Connection) -> set[str]:
    """What Alembic's MigrationContext.get_current_heads() reads: the version table's rows,
    none before the first migration made the table."""
    if not inspect(conn).has_table(VERSION_TABLE):
        return set()
    rows = conn.execute(text("SELECT version_num FROM alembic_version"))
    return {str(v) for v in rows.scalars()}


def _database(engine: Engine) -> dict[str, Any]:
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
            current = _current_heads(conn)
    except Exception as exc:
        log.warning("readiness: database unreachable: %s", type(exc).__name__)
        return {"database": {"ok": False, "error": type(exc).__name__}}
    heads = _heads()
    return {
        "database": {"ok": True},
        "migrations": {
            "ok": current == heads,
            "current": sorted(current),
            "head": sorted(heads),
        },
    }


def _search() -> dict[str, Any]:
    try:
        stats = get_backend().stats()
    except Exception as exc:
        return {"ok": True, "status": "degraded", "error": type(exc).__name__}
    problem = index_problem()
    if problem:
        # Searches are answered, from an index that misses what is written meanwhile.
        return {"ok": True, "status": "degraded", "error": f"index not writable: {problem}"}
    return {"ok": True, "status": "ok", "engine": stats.get("engine")}


def _worker(engine: Engine, settings: Settings) -> dict[str, Any]:
    with Session(engine) as session:
        at = last_beat(session)
    max_age = settings.worker_heartbeat_max_age_seconds
    if at is None:
        return {"ok": False, "last_seen": None, "max_age_seconds": max_age}
    age = (utcnow() - at).total_seconds()
    return {
        "ok": age <= max_age,
        "last_seen": at.isoformat(),
        "age_seconds": round(age, 1),
        "max_age_seconds": max_age,
    }


def _database_and_worker(engine: Engine, settings: Settings) -> dict[str, Any]:
    checks = _database(engine)
    if checks["database"]["ok"]:
        try:
            checks["worker"] = _worker(engine, settings)
        except Exception as exc:
            checks["database"] = {"ok": False, "error": type(exc).__name__}
    return checks


async def readiness(engine: Engine, settings: Settings) -> dict[str, Any]:
    pending = _checks.submit(_database_and_worker, engine, settings)
    try:
        checks = await asyncio.wait_for(asyncio.wrap_future(pending), READY_DEADLINE_SECONDS)
    except TimeoutError:
        # The check goes on in its thread until the database timeouts end it.
        log.warning("readiness: no answer from the database within %s s", READY_DEADLINE_SECONDS)
        checks = {"database": {"ok": False, "error": "timeout"}}
    checks["search"] = await asyncio.to_thread(_search)
    ready = all(c["ok"] for c in checks.values()) and "migrations" in checks
    status = "ready" if ready else "not_ready"
    if ready and checks["search"]["status"] != "ok":
        status = "degraded"  # serving, but search is stale or down
    return {"status": status, "checks": checks}


@router.get("/readyz")
async def readyz(request: Request) -> JSONResponse:
    body = await readiness(request.app.state.engine, request.app.state.settings)
    return JSONResponse(body, status_code=503 if body["status"] == "not_ready" else 200)
