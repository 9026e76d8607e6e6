"""The ranking of the most helpful members: solutions, then kudos received, in a period.

Only activity in boards the viewer can see counts, so a closed board leaks nothing; the
profile counts by the same rules (reputation/figures.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy import select, true
from sqlmodel import Session, col

from community.accounts.models import Role, User
from community.accounts.viewer import Viewer
from community.clock import utcnow
from community.config import get_settings
from community.forum.models import Category
from community.reputation.figures import solutions_and_kudos


class Period(StrEnum):
    week = "week"
    month = "month"
    year = "year"
    all = "all"


_DAYS = {Period.week: 7, Period.month: 30, Period.year: 365}


@dataclass
class Standing:
    user: User
    solutions: int
    kudos: int


@dataclass
class Leaderboard:
    members: list[Standing]
    staff: list[Standing] | None


def _since(period: Period) -> datetime | None:
    days = _DAYS.get(period)
    return utcnow() - timedelta(days=days) if days else None


def _is_staff(user: User) -> bool:
    return user.is_staff or user.role in (Role.moderator, Role.admin)


def leaderboard(
    session: Session,
    viewer: Viewer,
    *,
    period: Period = Period.all,
    category: Category | None = None,
    limit: int = 20,
) -> Leaderboard:
    solutions, kudos = solutions_and_kudos(
        session,
        viewer,
        since=_since(period),
        category_id=category.id if category is not None else None,
    )
    ids = set(solutions) | set(kudos)
    if not ids:
        return Leaderboard([], [] if get_settings().leaderboard_staff == "separate" else None)
    users = {
        u.id: u
        for u in session.execute(
            select(User).where(col(User.id).in_(ids), col(User.is_active) == true())
        ).scalars()
    }
    standings = [
        Standing(user, solutions.get(uid, 0), kudos.get(uid, 0))
        for uid, user in users.items()
        if uid is not None
    ]
    standings.sort(key=lambda s: (-s.solutions, -s.kudos, s.user.nickname_key))
    members = [s for s in standings if not _is_staff(s.user)][:limit]
    staff = None
    if get_settings().leaderboard_staff == "separate":
        staff = [s for s in standings if _is_staff(s.user)][:limit]
    return Leaderboard(members, staff)
