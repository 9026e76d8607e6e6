"""The ideas part of the statistics page (/admin/stats): ideas proposed in the period by
status, how long until staff gave them a first status, and the votes of the period, on
the boards the viewer may see."""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlmodel import Session, col

from community.accounts.viewer import Viewer
from community.forum import permissions as perms
from community.forum.models import Category, Thread
from community.ideas.models import Idea, IdeaStatus, IdeaVote


@dataclass(frozen=True)
class IdeaFigures:
    proposed: int
    by_status: dict[str, int]
    decided: int  # ideas of the period that got a first status
    first_status_median_hours: float | None
    votes: int
    staff_votes: int


def idea_figures(
    session: Session,
    viewer: Viewer,
    start: datetime,
    end: datetime,
    category: Category | None = None,
) -> IdeaFigures:
    perms.require_moderator(viewer)
    boards = select(col(Category.id)).where(perms.visible_categories_filter(viewer))
    if category is not None:
        boards = boards.where(col(Category.id) == category.id)
    ideas = list(
        session.execute(
            select(col(Idea.status), col(Idea.created_at), col(Idea.first_status_at))
            .join(Thread, col(Thread.id) == col(Idea.thread_id))
            .where(
                col(Idea.category_id).in_(boards),
                col(Idea.created_at) >= start,
                col(Idea.created_at) < end,
                col(Thread.is_deleted).is_(False),
                col(Idea.merged_into_id).is_(None),
            )
        ).all()
    )
    by_status = {s.value: 0 for s in IdeaStatus}
    waits = []
    for status, created, first in ideas:
        by_status[status] = by_status.get(status, 0) + 1
        if first is not None:
            waits.append((first - created).total_seconds() / 3600)
    staff = func.count().filter(col(IdeaVote.is_staff))
    votes, staff_votes = session.execute(
        select(func.count(), staff)
        .join(Idea, col(Idea.thread_id) == col(IdeaVote.thread_id))
        .where(
            col(Idea.category_id).in_(boards),
            col(IdeaVote.created_at) >= start,
            col(IdeaVote.created_at) < end,
        )
    ).one()
    return IdeaFigures(
        proposed=len(ideas),
        by_status=by_status,
        decided=len(waits),
        first_status_median_hours=round(statistics.median(waits), 2) if waits else None,
        votes=votes - staff_votes,
        staff_votes=staff_votes,
    )
