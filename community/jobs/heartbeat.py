"""The worker's "still alive" mark: /readyz fails when no worker reported recently.

Kept in site_settings under one key (the newest report of any worker wins), so no
table of its own is needed."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col

from community import pageversion
from community.clock import utcnow
from community.site.models import SiteSetting

KEY = "worker.heartbeat"


def beat(engine: Engine, worker_id: str) -> None:
    """Record that `worker_id` finished a round just now (its own transaction)."""
    now = utcnow()
    value: dict[str, Any] = {"at": now.isoformat(), "worker": worker_id}
    with Session(engine) as session:
        # Every few seconds per worker: a new version of the public pages each time would
        # empty the page cache as often.
        pageversion.bookkeeping_only(session)
        done = session.execute(
            update(SiteSetting)
            .where(col(SiteSetting.key) == KEY)
            .values(value=value, updated_at=now)
        )
        if not done.rowcount:  # type: ignore[attr-defined]
            session.add(SiteSetting(key=KEY, value=value, updated_at=now))
        try:
            session.commit()
        except IntegrityError:
            # Another worker wrote the first beat at the same moment: its mark will do.
            session.rollback()


def last_beat(session: Session) -> datetime | None:
    row = session.get(SiteSetting, KEY)
    if row is None or not isinstance(row.value, dict):
        return None
    try:
        at = datetime.fromisoformat(str(row.value.get("at")))
    except ValueError:
        return None
    return at if at.tzinfo else at.replace(tzinfo=UTC)
