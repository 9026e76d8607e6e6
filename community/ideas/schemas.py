"""Input and output models of ideas. Authors appear by nickname only."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from community.db import MAX_ID
from community.ideas.models import IdeaStatus
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
