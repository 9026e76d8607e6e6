"""The one place that reads the time, so tests can fix it."""

from __future__ import annotations

from datetime import UTC, datetime


def utcnow() -> datetime:
    """Aware UTC: SQLModel's UTCDateTime columns store and return aware UTC times."""
    return datetime.now(UTC)
