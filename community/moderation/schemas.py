"""Input and output models of reports, moderation decisions and the audit log."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, EmailStr, Field

from community.moderation.models import ReportReason
from community.text import CleanStr, SettingsBody


class ReportCreate(BaseModel):
    reason: ReportReason
    comment: CleanStr = Field(default="", max_length=2000)
    contact_email: EmailStr | None = Field(
        default=None, description="Required for visitors without an account (unlawful content)"
    )


class ReportPublic(BaseModel):
    id: int
    post_id: int
    reason: str
    comment: str
    status: str
    created_at: datetime
    outcome: str | None
    reporter: str | None = Field(description="Nickname; null for a visitor")


class Decision(BaseModel):
    reason: CleanStr = Field(default="", max_length=200)


class MoveThread(BaseModel):
    category: CleanStr = Field(max_length=60)
    reason: CleanStr = Field(default="", max_length=200)


class Suspension(BaseModel):
    days: int = Field(ge=1, le=3650)
    reason: CleanStr = Field(max_length=200)


class ModeratorEdit(BaseModel):
    body: CleanStr = Field(max_length=100_000)
    reason: CleanStr = Field(
        max_length=200, description='Shown as "Bearbeitet von der Moderation: <reason>"'
    )


class MarkDuplicate(BaseModel):
    original_thread_id: int = Field(ge=1, le=2**31 - 1)
    reason: CleanStr = Field(default="", max_length=200)


class PremoderationSettings(SettingsBody):
    first_posts: int = Field(
        ge=0, le=1000, description="A new member's first N posts wait for approval; 0: off"
    )


class PendingPost(BaseModel):
    id: int
    thread_id: int
    thread_title: str
    is_opening: bool
    body: str
    author: str
    created_at: datetime


class PendingPublic(BaseModel):
    items: list[PendingPost]


class QueuePost(BaseModel):
    id: int
    thread_id: int
    thread_title: str
    body: str
    is_hidden: bool
    is_deleted: bool
    author: str
    author_post_count: int
    author_hidden_count: int
    reports: list[ReportPublic]
    earlier_decisions: list[AuditPublic]


class QueuePublic(BaseModel):
    items: list[QueuePost]


class AuditPublic(BaseModel):
    id: int
    at: datetime
    actor: str
    action: str
    target_type: str
    target_id: int | None
    reason: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None


class AuditLogPublic(BaseModel):
    items: list[AuditPublic]


QueuePost.model_rebuild()
