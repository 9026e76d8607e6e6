from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel


class EventPublic(BaseModel):
    id: int
    type: str
    occurred_at: datetime
    payload: dict[str, Any]


class EventsPublic(BaseModel):
    items: list[EventPublic]
    next_after: int | None
