"""Input and output models of notifications. Actors appear by nickname only."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from community.db import MAX_ID
from community.notifications.models import Channel, NoticeType


class NoticePublic(BaseModel):
    id: int
    type: NoticeType
    text: str = Field(description="What happened, in the member's language")
    url: str | None = Field(description="Where to look; null when there is nothing to open")
    actor: str | None = Field(description="Nickname of who caused it")
    thread_id: int | None
    post_id: int | None
    created_at: datetime
    read_at: datetime | None


class NoticesPublic(BaseModel):
    items: list[NoticePublic]
    unread_count: int
    next_cursor: str | None


class NoticesRead(BaseModel):
    model_config = ConfigDict(extra="forbid")

    ids: list[Annotated[int, Field(ge=1, le=MAX_ID)]] = Field(
        default_factory=list, max_length=100, description="Mark these read"
    )
    all: bool = Field(default=False, description="Mark every notice read")


class UnreadCount(BaseModel):
    unread_count: int


class NotificationSettings(BaseModel):
    """Per type: "email" (a notice and a mail; kudos: a daily digest), "in_app" or "off"."""

    reply: Channel
    mention: Channel
    new_thread: Channel
    accepted: Channel
    solved: Channel
    kudos: Channel
    rank: Channel
    unanswered: Channel
    lead_consent: Channel
    moderation: Channel
    idea: Channel

    @classmethod
    def of(cls, channels: dict[NoticeType, Channel]) -> NotificationSettings:
        return cls(**{t.value: c for t, c in channels.items()})


class NotificationSettingsUpdate(BaseModel):
    """Only the types given change."""

    model_config = ConfigDict(extra="forbid")

    reply: Channel | None = None
    mention: Channel | None = None
    new_thread: Channel | None = None
    accepted: Channel | None = None
    solved: Channel | None = None
    kudos: Channel | None = None
    rank: Channel | None = None
    unanswered: Channel | None = None
    lead_consent: Channel | None = None
    moderation: Channel | None = None
    idea: Channel | None = None

    def changes(self) -> dict[NoticeType, Channel]:
        return {
            NoticeType(name): value
            for name, value in self.model_dump(exclude_none=True).items()
            if value is not None
        }


class WatchState(BaseModel):
    watching: bool
