"""What ideas add to a member's points, with their own weights (COMMUNITY_POINTS_IDEA,
COMMUNITY_POINTS_IDEA_DONE). The reputation service adds this to its recount, so a
recount and the kept counters agree."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import and_, false, func, select
from sqlmodel import Session, col

from community.config import get_settings
from community.forum.models import Thread, ThreadKind
from community.ideas.models import Idea, IdeaStatus


def thread_points(thread: Thread) -> int:
    """Points for starting this thread: an idea has its own weight."""
    s = get_settings()
    return s.points_idea if thread.kind == ThreadKind.idea.value else s.points_question


def extra_points(session: Session, ids: Sequence[int]) -> dict[int, int]:
    """Per member: the difference ideas make to "question weight x threads", plus the
    weight of each live idea that reached "umgesetzt"."""
    s = get_settings()
    live = and_(
        col(Thread.kind) == ThreadKind.idea.value,
        col(Thread.is_deleted) == false(),
        col(Thread.is_hidden) == false(),
        col(Thread.author_id).in_(ids),
    )
    done = func.count().filter(col(Idea.status) == IdeaStatus.done.value)
    rows = session.execute(
        select(col(Thread.author_id), func.count(), done)
        .join(Idea, col(Idea.thread_id) == col(Thread.id))
        .where(live)
        .group_by(col(Thread.author_id))
    ).all()
    return {
        uid: (s.points_idea - s.points_question) * ideas + s.points_idea_done * implemented
        for uid, ideas, implemented in rows
    }
