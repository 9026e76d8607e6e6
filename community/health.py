"""/healthz (the process answers) and /readyz (it can serve: database, schema, search, worker).

A load balancer sends traffic only to ready processes; the search engine being down does
not make a process unready (pages work and say search is unavailable), it is "degraded"."""

from __future__ import annotations

import logging
from typing import Any

from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from sqlalchemy import Engine, text
from sqlmodel import Session

from community.clock import utcnow
from community.config import Settings
from community.indexing.backend import get_backend
from community.jobs.heartbeat import last_beat
from community.migrate import alembic_config

log = logging.getLogger(__name__)

router = APIRouter(include_in_schema=False)


@router.get("/healthz")
def healthz() -> dict[str, str]:
    return {"status": "ok"}


def _database(engine: Engine) -> dict[str, Any]:
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
            current = set(MigrationContext.configure(conn).get_current_heads())
    except Exception as exc:
        log.warning("readiness: database unreachable: %s", type(exc).__name__)
        return {"database": {"ok": False, "error": type(exc).__name__}}
    heads = set(ScriptDirectory.from_config(alembic_config()).get_heads())
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


def readiness(engine: Engine, settings: Settings) -> dict[str, Any]:
    checks = _database(engine)
    if checks["database"]["ok"]:
        checks["worker"] = _worker(engine, settings)
    checks["search"] = _search()
    ready = all(c["ok"] for c in checks.values()) and "migrations" in checks
    return {"status": "ready" if ready else "not_ready", "checks": checks}


@router.get("/readyz")
def readyz(request: Request) -> JSONResponse:
    body = readiness(request.app.state.engine, request.app.state.settings)
    return JSONResponse(body, status_code=200 if body["status"] == "ready" else 503)
