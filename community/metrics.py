"""Prometheus metrics, served at GET /metrics by community/metrics_endpoint.py.

Requests and search calls are counted in the process that served them (set
PROMETHEUS_MULTIPROC_DIR to an empty directory to add up several uvicorn workers); the
queue and webhook figures are read from the database at scrape time, so every process
reports the same, whole numbers."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from prometheus_client import Counter, Histogram
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy import Engine, func, select
from sqlmodel import Session, col

from community.clock import utcnow
from community.jobs.models import Job, JobStatus
from community.webhooks.models import WebhookDelivery

if TYPE_CHECKING:  # the job worker counts its searches without the web framework
    from starlette.types import ASGIApp, Message, Receive, Scope, Send

REQUESTS = Counter(
    "community_http_requests",
    "HTTP requests by route template, method and status",
    ["method", "route", "status"],
)
LATENCY = Histogram(
    "community_http_request_duration_seconds",
    "Time to answer a request, by route template",
    ["method", "route"],
)
SEARCH_LATENCY = Histogram(
    "community_search_duration_seconds",
    "Time the search engine took, by operation (search, similar)",
    ["operation"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0),
)


def observe_search(operation: str, started: float) -> None:
    """A search call that began at `started` (time.perf_counter) has ended."""
    SEARCH_LATENCY.labels(operation).observe(time.perf_counter() - started)


@contextmanager
def search_timer(operation: str) -> Iterator[None]:
    started = time.perf_counter()
    try:
        yield
    finally:
        SEARCH_LATENCY.labels(operation).observe(time.perf_counter() - started)


def route_of(scope: Scope) -> str:
    """The route's template (/t/{thread_id}), never the path: ids would make a series each."""
    route = scope.get("route")
    template = getattr(route, "path", None)
    if isinstance(template, str):
        # A route of an included router holds its template without the router's prefix
        # (/auth/login for /api/v1/auth/login); prefixes have no parameters, so the
        # path's leading segments are the prefix.
        segments = scope.get("path", "").strip("/").split("/")
        tail = [s for s in template.strip("/").split("/") if s]
        if ":path}" not in template and len(segments) > len(tail):
            prefix = segments[: len(segments) - len(tail)]
            return "/" + "/".join(prefix) + ("" if template == "/" else template)
        return template
    if scope.get("path", "").startswith("/static/"):
        return "/static"
    return "<unmatched>"


# Set in the scope of the start-up's own requests (community/warmup.py): not traffic.
WARM_UP = "community.warm_up"


class RequestMetrics:
    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get(WARM_UP):
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def remember_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, remember_status)
        finally:
            route = route_of(scope)
            method = scope.get("method", "")
            REQUESTS.labels(method, route, str(status)).inc()
            LATENCY.labels(method, route).observe(time.perf_counter() - started)


class DatabaseCollector(Collector):
    """Queue depth, failures and age per job type; webhook deliveries per outcome."""

    def __init__(self, engine: Engine):
        self.engine = engine

    def collect(self) -> Iterator[Metric]:
        queued = GaugeMetricFamily(
            "community_jobs_queued", "Jobs waiting to run, by type", labels=["type"]
        )
        failed = GaugeMetricFamily(
            "community_jobs_failed",
            "Jobs that gave up after all attempts, by type",
            labels=["type"],
        )
        oldest = GaugeMetricFamily(
            "community_jobs_oldest_queued_age_seconds",
            "Age of the oldest waiting job, by type",
            labels=["type"],
        )
        webhooks = GaugeMetricFamily(
            "community_webhook_deliveries",
            "Webhook deliveries recorded, by outcome",
            labels=["outcome"],
        )
        now = utcnow()
        with Session(self.engine) as session:
            rows = session.execute(
                select(col(Job.type), col(Job.status), func.count(), func.min(col(Job.created_at)))
                .where(col(Job.status).in_([JobStatus.queued.value, JobStatus.failed.value]))
                .group_by(col(Job.type), col(Job.status))
            ).all()
            outcomes = session.execute(
                select(col(WebhookDelivery.status), func.count()).group_by(
                    col(WebhookDelivery.status)
                )
            ).all()
        for type_, status, count, first in rows:
            if status == JobStatus.queued.value:
                queued.add_metric([type_], count)
                if first is not None:
                    if first.tzinfo is None:  # SQLite hands back naive UTC
                        first = first.replace(tzinfo=now.tzinfo)
                    oldest.add_metric([type_], max(0.0, (now - first).total_seconds()))
            else:
                failed.add_metric([type_], count)
        for outcome, count in outcomes:
            webhooks.add_metric([outcome], count)
        yield from (queued, failed, oldest, webhooks)
