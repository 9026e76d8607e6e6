"""The audit log: every moderation and admin action, written in the action's transaction."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import func, select, update
from sqlmodel import Session, col

from community.accounts.viewer import Viewer
from community.forum import permissions as perms
from community.moderation.models import AuditEntry


def record(
    session: Session,
    viewer: Viewer,
    action: str,
    target_type: str,
    target_id: int | None,
    *,
    reason: str = "",
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> AuditEntry:
    entry = AuditEntry(
        actor_id=viewer.user_id,
        actor=viewer.user.nickname if viewer.user else "system",
        action=action,
        target_type=target_type,
        target_id=target_id,
        reason=reason,
        before=before,
        after=after,
    )
    session.add(entry)
    session.flush()
    return entry


def list_entries(
    session: Session,
    viewer: Viewer,
    *,
    before_id: int | None = None,
    limit: int = 50,
    actor: str | None = None,
    action: str | None = None,
    target_type: str | None = None,
    since: date | None = None,
    until: date | None = None,
) -> list[AuditEntry]:
    """Newest first; admins only. The filters combine; `until` includes its whole day (UTC)."""
    perms.require_admin(viewer)
    query = select(AuditEntry).order_by(col(AuditEntry.id).desc()).limit(limit)
    if before_id is not None:
        query = query.where(col(AuditEntry.id) < before_id)
    if actor:
        query = query.where(func.lower(col(AuditEntry.actor)) == actor.strip().lower())
    if action:
        query = query.where(col(AuditEntry.action) == action)
    if target_type:
        query = query.where(col(AuditEntry.target_type) == target_type)
    if since is not None:
        query = query.where(col(AuditEntry.at) >= datetime.combine(since, time.min, UTC))
    if until is not None:
        next_day = datetime.combine(until + timedelta(days=1), time.min, UTC)
        query = query.where(col(AuditEntry.at) < next_day)
    return list(session.execute(query).scalars())


def pseudonymise_actor(session: Session, user_id: int, pseudonym: str) -> None:
    """The one change to written entries: an erased member's nickname gives way to the
    pseudonym. The actor id stays, so the log still tells which account acted."""
    session.execute(
        update(AuditEntry).where(col(AuditEntry.actor_id) == user_id).values(actor=pseudonym)
    )
