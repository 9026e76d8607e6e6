"""What ideas hold about a member beyond their posts: their votes, for the data export and
the erasure (the ideas themselves are threads and follow the posts' rules)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlmodel import Session, col

from community.accounts.models import User
from community.forum.models import Thread
from community.ideas import service
from community.ideas.models import Idea, IdeaVote
from community.privacy.erasure import Erasure, erasure_step
from community.privacy.sections import export_section


@export_section("idea_votes")
def idea_votes(session: Session, user: User) -> list[dict[str, Any]]:
    rows = session.execute(
        select(IdeaVote, Thread)
        .join(Thread, col(Thread.id) == col(IdeaVote.thread_id))
        .where(col(IdeaVote.user_id) == user.id)
        .order_by(col(IdeaVote.created_at))
    ).all()
    return [
        {"idea_id": v.thread_id, "title": t.title, "voted_at": v.created_at.isoformat()}
        for v, t in rows
    ]


@erasure_step
def forget_idea_votes(session: Session, erasure: Erasure) -> None:
    """The votes go; the ideas they counted for are recounted."""
    votes = (
        session.execute(select(IdeaVote).where(col(IdeaVote.user_id) == erasure.user.id))
        .scalars()
        .all()
    )
    for vote in votes:
        idea = session.get(Idea, vote.thread_id)
        session.delete(vote)
        if idea is not None:
            service.recount(session, idea)
