"""Input and output models of ideas. Authors appear by nickname only."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from community.config import get_settings
from community.db import MAX_ID
from community.forum.models import Thread
from community.ideas.models import Idea, IdeaStatus
from community.text import CleanStr

IdeaSort = Literal["votes", "newest", "status"]

NOTE_MAX = 2000


class IdeaPublic(BaseModel):
    thread_id: int
    title: str
    url: str
    category: str = Field(description="The board's slug")
    author: str = Field(description="Nickname")
    created_at: datetime
    status: IdeaStatus
    status_note: str = Field(description="Staff's public note on the last status change")
    status_changed_at: datetime | None
    votes: int = Field(description="Members' votes")
    staff_votes: int = Field(description="Votes of company staff, shown apart")
    reply_count: int
    merged_into_thread_id: int | None = Field(
        description="Merged into this idea as a duplicate; its votes moved there"
    )
    viewer_voted: bool = Field(description="Whether the caller voted for it")


class IdeasPublic(BaseModel):
    items: list[IdeaPublic]
    page: int
    has_more: bool


class IdeaStatusUpdate(BaseModel):
    status: IdeaStatus
    note: CleanStr = Field(default="", max_length=NOTE_MAX, description="Shown publicly")


class IdeaMerge(BaseModel):
    into_thread_id: int = Field(ge=1, le=MAX_ID, description="The idea that stays")


def idea_public(
    thread: Thread, idea: Idea, category_slug: str, author: str, voted: bool
) -> IdeaPublic:
    return IdeaPublic(
        thread_id=idea.thread_id,
        title=thread.title,
        url=f"{get_settings().public_url.rstrip('/')}/t/{thread.id}/{thread.slug}",
        category=category_slug,
        author=author,
        created_at=thread.created_at,
        status=IdeaStatus(idea.status),
        status_note=idea.status_note,
        status_changed_at=idea.status_changed_at,
        votes=idea.vote_count,
        staff_votes=idea.staff_vote_count,
        reply_count=thread.reply_count,
        merged_into_thread_id=idea.merged_into_id,
        viewer_voted=voted,
    )
