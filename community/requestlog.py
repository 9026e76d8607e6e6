"""A request id for every request (X-Request-ID in and out), carried into the jobs the
request enqueues, and log lines as JSON objects that carry it.

Log lines name the route template, never the path or query: a path may hold a token
(/verify-email?token=…) and a query a search for someone's e-mail address."""

from __future__ import annotations

import json
import logging
import re
import time
import uuid
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from community.config import Settings

request_id_var: ContextVar[str | None] = ContextVar("request_id", default=None)

_ACCEPTED_ID = re.compile(r"[A-Za-z0-9._:-]{1,64}")
access_log = logging.getLogger("community.access")


def current_request_id() -> str | None:
    return request_id_var.get()


class RequestId:
    """Take the caller's X-Request-ID (a proxy's) when it is a plain token, else make one."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        sent = dict(scope.get("headers", [])).get(b"x-request-id", b"").decode("latin-1")
        request_id = sent if _ACCEPTED_ID.fullmatch(sent) else uuid.uuid4().hex
        token = request_id_var.set(request_id)
        started = time.perf_counter()
        status = 500

        async def with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
                headers = [h for h in message.get("headers", []) if h[0].lower() != b"x-request-id"]
                headers.append((b"x-request-id", request_id.encode()))
                message["headers"] = headers
            await send(message)

        try:
            await self.app(scope, receive, with_id)
        finally:
            from community.metrics import route_of

            route = route_of(scope)
            # Health probes come every few seconds from the orchestrator: DEBUG, not INFO.
            access_log.log(
                logging.DEBUG if route in PROBES else logging.INFO,
                "request",
                extra={
                    "method": scope.get("method"),
                    "route": route,
                    "status": status,
                    "duration_ms": round((time.perf_counter() - started) * 1000, 1),
                },
            )
            request_id_var.reset(token)


PROBES = frozenset({"/healthz", "/readyz"})

# Fields a log call may add with extra={...}; anything else stays out of the JSON.
EXTRA_FIELDS = ("method", "route", "status", "duration_ms", "job_id", "job_type")
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")


def scrub(text: str) -> str:
    """A last guard: an e-mail address that slipped into a message is not written out."""
    return _EMAIL.sub("[e-mail]", text)


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": _time(record),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": scrub(record.getMessage()),
            "request_id": getattr(record, "request_id", None) or current_request_id(),
        }
        for name in EXTRA_FIELDS:
            if hasattr(record, name):
                entry[name] = getattr(record, name)
        if record.exc_info:
            entry["exception"] = scrub(self.formatException(record.exc_info))
        return json.dumps(entry, ensure_ascii=False, default=str)


def _time(record: logging.LogRecord) -> str:
    return datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds")


class TextFormatter(logging.Formatter):
    """`time level logger method route status duration request_id` for access lines,
    `time level logger: message [request_id]` for the others."""

    def format(self, record: logging.LogRecord) -> str:
        request_id = getattr(record, "request_id", None) or current_request_id()
        head = f"{_time(record)} {record.levelname} {record.name}"
        if record.name == access_log.name and hasattr(record, "status"):
            fields = (record.method, record.route, record.status)  # type: ignore[attr-defined]
            duration = f"{record.duration_ms}ms"  # type: ignore[attr-defined]
            return " ".join(map(str, (head, *fields, duration, request_id or "-")))
        line = f"{head}: {scrub(record.getMessage())}"
        if record.exc_info:
            line += "\n" + scrub(self.formatException(record.exc_info))
        return f"{line} [{request_id}]" if request_id else line


class _AlembicContextLines(logging.Filter):
    """Alembic says which dialect it works with each time it opens a context, which /readyz
    does on every call to compare the schema's revision: not worth a line."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not str(record.msg).startswith(("Context impl", "Will assume"))


class _WebSocketUpgradeLines(logging.Filter):
    """The forum serves no WebSockets (community/supervisor.py SERVER_OPTIONS): uvicorn
    answers an upgrade request as the page it asks for, and would log two warnings about
    it, one of them advising to install a WebSocket library, which would change nothing."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not str(record.msg).startswith(
            ("Unsupported upgrade request", "No supported WebSocket library")
        )


def configure_logging(settings: Settings, level: int = logging.INFO) -> None:
    """One handler on the root logger; uvicorn's loggers propagate to it."""
    handler = logging.StreamHandler()
    handler.setFormatter(JsonFormatter() if settings.log_format == "json" else TextFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    migration_log = logging.getLogger("alembic.runtime.migration")
    migration_log.filters[:] = [_AlembicContextLines()]
    # httpx logs every URL it calls (webhook receivers' URLs may carry a token).
    logging.getLogger("httpx").setLevel(logging.WARNING)
    # Alembic announces each of its plugins at every start: seven lines that say nothing.
    logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)
    for name in ("uvicorn", "uvicorn.error"):
        logging.getLogger(name).handlers[:] = []
        logging.getLogger(name).propagate = True
    logging.getLogger("uvicorn.error").filters[:] = [_WebSocketUpgradeLines()]
    # uvicorn's access line holds the path with its query (tokens, searched e-mails);
    # community.access replaces it.
    uvicorn_access = logging.getLogger("uvicorn.access")
    uvicorn_access.handlers[:] = []
    uvicorn_access.propagate = False
