from __future__ import annotations

from typing import Any

from sqlmodel import Session

from community.clock import utcnow
from community.site.models import SiteSetting


def get_value(session: Session, key: str) -> Any | None:
    row = session.get(SiteSetting, key)
    return row.value if row is not None else None


def set_value(session: Session, key: str, value: Any) -> None:
    row = session.get(SiteSetting, key)
    if row is None:
        session.add(SiteSetting(key=key, value=value))
    else:
        row.value = value
        row.updated_at = utcnow()
        session.add(row)
    session.flush()
