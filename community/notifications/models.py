"""Notices, what members watch, and how each member wants to hear about each kind of notice."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, CheckConstraint, Column, Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from community.clock import utcnow


class NoticeType(StrEnum):
    reply = "reply"  # a reply in a watched thread
    mention = "mention"  # @nickname in a post
    new_thread = "new_thread"  # a new thread in a watched board
    accepted = "accepted"  # the member's answer was accepted
    solved = "solved"  # the member's question was solved by someone else
    kudos = "kudos"
    rank = "rank"
    unanswered = "unanswered"  # for experts: a question in a followed board waits for an answer
    lead_consent = "lead_consent"  # staff ask whether sales may contact the member
    moderation = "moderation"  # a decision on the member's post or report
    idea = "idea"  # staff changed the status of an idea the member proposed or voted for


class Channel(StrEnum):
    email = "email"  # in-app and a mail (for kudos: a daily digest)
    in_app = "in_app"
    off = "off"


class MailState(StrEnum):
    none = "none"  # no mail wanted when the notice was made
    pending = "pending"  # a mail job is queued, or (kudos) waiting for the daily digest
    digest = "digest"  # taken into a digest job
    sent = "sent"
    skipped = "skipped"  # the setting changed or the member lost access before sending


class Notification(SQLModel, table=True):
    __tablename__ = "notifications"
    __table_args__ = (
        # One notice per trigger and recipient, however often the trigger's hooks run.
        UniqueConstraint("user_id", "key", name="one_per_trigger"),
        CheckConstraint(
            "mail_state IN ('none', 'pending', 'digest', 'sent', 'skipped')", name="mail_state"
        ),
        Index("ix_notifications_user_read", "user_id", "read_at", "id"),
        Index("ix_notifications_type_mail_state", "type", "mail_state"),
    )

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="users.id", ondelete="CASCADE")
    type: str = Field(max_length=24)
    # What caused it, e.g. "post:12" or "kudos:5": the same trigger never notifies twice.
    key: str = Field(max_length=80)
    actor_id: int | None = Field(default=None, foreign_key="users.id", ondelete="SET NULL")
    thread_id: int | None = Field(default=None, foreign_key="threads.id", ondelete="CASCADE")
    post_id: int | None = Field(default=None, foreign_key="posts.id", ondelete="CASCADE")
    data: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    created_at: datetime = Field(default_factory=utcnow)
    read_at: datetime | None = None
    mail_state: str = Field(default=MailState.none.value, max_length=10)


class NotificationSetting(SQLModel, table=True):
    """Only the member's deviations from the defaults are stored."""

    __tablename__ = "notification_settings"
    __table_args__ = (CheckConstraint("channel IN ('email', 'in_app', 'off')", name="channel"),)

    user_id: int = Field(foreign_key="users.id", primary_key=True, ondelete="CASCADE")
    type: str = Field(primary_key=True, max_length=24)
    channel: str = Field(max_length=10)


class ThreadWatch(SQLModel, table=True):
    """watching=False remembers an explicit "stop watching", so that replying again does
    not silently watch the thread once more."""

    __tablename__ = "thread_watches"

    user_id: int = Field(foreign_key="users.id", primary_key=True, ondelete="CASCADE")
    thread_id: int = Field(
        foreign_key="threads.id", primary_key=True, index=True, ondelete="CASCADE"
    )
    watching: bool = True
    created_at: datetime = Field(default_factory=utcnow)


class CategoryWatch(SQLModel, table=True):
    """A followed board: new threads in it are notified (experts also get its unanswered
    questions)."""

    __tablename__ = "category_watches"

    user_id: int = Field(foreign_key="users.id", primary_key=True, ondelete="CASCADE")
    category_id: int = Field(
        foreign_key="categories.id", primary_key=True, index=True, ondelete="CASCADE"
    )
    created_at: datetime = Field(default_factory=utcnow)
