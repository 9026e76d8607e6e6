"""/api/v1 ideas: a board's ideas by votes, newest or status; voting; staff set the status
and merge duplicates. Ideas are proposed with POST /threads on an ideas board."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from community.deps import IdPath, SessionDep, ViewerDep
from community.forum import boards as forum_boards
from community.ideas import service as ideas
from community.ideas.models import IdeaStatus
from community.ideas.schemas import IdeaMerge, IdeaPublic, IdeaSort, IdeasPublic, IdeaStatusUpdate

router = APIRouter(tags=["ideas"])


@router.get("/categories/{slug}/ideas")
def list_ideas(
    slug: str,
    session: SessionDep,
    viewer: ViewerDep,
    sort: IdeaSort = "votes",
    status: IdeaStatus | None = None,
    page: Annotated[int, Query(ge=1, le=10_000)] = 1,
) -> IdeasPublic:
    """Merged duplicates are left out; `status` filters."""
    category = forum_boards.get_category(session, viewer, slug)
    rows, more = ideas.list_ideas(session, viewer, category, sort=sort, status=status, page=page)
    return ideas.page_public(session, category, rows, page, more)


@router.get("/ideas/{thread_id}")
def get_idea(thread_id: IdPath, session: SessionDep, viewer: ViewerDep) -> IdeaPublic:
    thread, idea = ideas.get_idea(session, viewer, thread_id)
    return ideas.public(session, viewer, thread, idea)


@router.post("/ideas/{thread_id}/vote")
def vote_idea(thread_id: IdPath, session: SessionDep, viewer: ViewerDep) -> IdeaPublic:
    """Idempotent: voting twice leaves one vote."""
    idea = ideas.vote(session, viewer, thread_id)
    thread, _ = ideas.get_idea(session, viewer, thread_id)
    return ideas.public(session, viewer, thread, idea)


@router.delete("/ideas/{thread_id}/vote")
def unvote_idea(thread_id: IdPath, session: SessionDep, viewer: ViewerDep) -> IdeaPublic:
    idea = ideas.unvote(session, viewer, thread_id)
    thread, _ = ideas.get_idea(session, viewer, thread_id)
    return ideas.public(session, viewer, thread, idea)


@router.put("/ideas/{thread_id}/status")
def set_idea_status(
    thread_id: IdPath, data: IdeaStatusUpdate, session: SessionDep, viewer: ViewerDep
) -> IdeaPublic:
    """Staff only; the author and the voters are notified, `idea.status_changed` is sent."""
    idea = ideas.set_status(session, viewer, thread_id, data.status, data.note)
    thread, _ = ideas.get_idea(session, viewer, thread_id)
    return ideas.public(session, viewer, thread, idea)


@router.post("/ideas/{thread_id}/merge")
def merge_idea(
    thread_id: IdPath, data: IdeaMerge, session: SessionDep, viewer: ViewerDep
) -> IdeaPublic:
    """Staff only: this idea becomes a duplicate of `into_thread_id` and its votes move
    there (a member who voted for both counts once). Returns the idea that stays."""
    target = ideas.merge(session, viewer, thread_id, data.into_thread_id)
    thread, _ = ideas.get_idea(session, viewer, target.thread_id)
    return ideas.public(session, viewer, thread, target)
