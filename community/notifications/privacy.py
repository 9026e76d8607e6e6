"""What notifications hold about a member, for their data export and their erasure."""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete
from sqlmodel import Session, col

from community.accounts.models import User
from community.notifications import service
from community.notifications.models import (
    CategoryWatch,
    Notification,
    NotificationSetting,
    ThreadWatch,
)
from community.privacy.erasure import Erasure, erasure_step
from community.privacy.sections import export_section


@export_section("notifications")
def notifications(session: Session, user: User) -> list[dict[str, Any]]:
    return service.export_for_user(session, user)


@export_section("notification_preferences")
def notification_preferences(session: Session, user: User) -> dict[str, Any]:
    return service.export_preferences_for_user(session, user)


@erasure_step
def forget_notifications(session: Session, erasure: Erasure) -> None:
    """An erased account receives nothing any more: its notices, settings and watches go."""
    user_id = erasure.user.id
    for table in (Notification, NotificationSetting, ThreadWatch, CategoryWatch):
        session.execute(delete(table).where(col(table.user_id) == user_id))
