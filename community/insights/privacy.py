"""What the satisfaction ratings hold about a member, for their export and erasure."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select, update
from sqlmodel import Session, col

from community.accounts.models import User
from community.insights.models import SatisfactionRating
from community.privacy.erasure import Erasure, erasure_step
from community.privacy.sections import export_section


@export_section("satisfaction_ratings")
def satisfaction_ratings(session: Session, user: User) -> list[dict[str, Any]]:
    rows = session.execute(
        select(SatisfactionRating)
        .where(col(SatisfactionRating.user_id) == user.id)
        .order_by(col(SatisfactionRating.id))
    ).scalars()
    return [
        {
            "thread_id": r.thread_id,
            "rating": r.rating,
            "comment": r.comment,
            "created_at": r.created_at.isoformat(),
        }
        for r in rows
    ]


@erasure_step
def forget_rating_comments(session: Session, erasure: Erasure) -> None:
    """The rating stays in the figures; the words, which may name the member, go."""
    session.execute(
        update(SatisfactionRating)
        .where(col(SatisfactionRating.user_id) == erasure.user.id)
        .values(comment="", user_id=None)
    )
