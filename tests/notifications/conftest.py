"""Shared fixtures: the SMTP mailbox, a settable clock, and helpers to read notices."""

from __future__ import annotations

import sys
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select
from sqlmodel import Session, col

import community.clock

# Imported lazily by the worker; loaded here so that its utcnow is the patchable one.
import community.notifications.periodic
from community.notifications.models import Notification
from tests.smtp import mailbox, smtp_server  # noqa: F401


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    """A fixed time for everything that reads community.clock.utcnow, also where a module
    imported the function by name (a module first imported under an earlier test's clock
    holds that clock: it is replaced too)."""
    original = community.clock.utcnow
    fake = Clock(original())
    for name, module in list(sys.modules.items()):
        current = getattr(module, "utcnow", None)
        if name.startswith("community") and (current is original or isinstance(current, Clock)):
            monkeypatch.setattr(module, "utcnow", fake)
    return fake


def notices(db: Session, user_id: int | None = None) -> list[Notification]:
    db.expire_all()
    query = select(Notification).order_by(col(Notification.id))
    if user_id is not None:
        query = query.where(col(Notification.user_id) == user_id)
    return list(db.execute(query).scalars())
