"""GET /metrics, behind `Authorization: Bearer COMMUNITY_METRICS_TOKEN`: the process's
counters (community/metrics.py) and the database's figures. A module of its own, so that
the job worker, which counts searches in community/metrics.py, does not load the web
framework (~7 MiB, issue 21)."""

from __future__ import annotations

import hmac
import os
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, generate_latest

from community.errors import NotAuthenticated, NotFound
from community.metrics import DatabaseCollector


def _process_registry() -> Any:
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        return registry
    return REGISTRY


router = APIRouter(include_in_schema=False)


@router.get("/metrics")
def metrics(request: Request) -> Response:
    token = request.app.state.settings.metrics_token
    if not token:
        raise NotFound("Nicht gefunden.")  # not configured: nothing to find here
    sent = request.headers.get("authorization", "")
    if not hmac.compare_digest(sent.encode(), f"Bearer {token}".encode()):
        raise NotAuthenticated("Für /metrics fehlt das richtige Bearer-Token.")
    database = CollectorRegistry(auto_describe=False)
    database.register(DatabaseCollector(request.app.state.engine))
    body = generate_latest(_process_registry()) + generate_latest(database)
    return Response(body, media_type=CONTENT_TYPE_LATEST)
