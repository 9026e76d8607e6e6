"""Reports on posts and the audit log of moderation and admin actions."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, CheckConstraint, Column, Index, String, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from community.clock import utcnow


class ReportReason(StrEnum):
    spam = "spam"
    insult = "insult"
    unlawful = "unlawful"
    off_topic = "off_topic"
    other = "other"


class Report(SQLModel, table=True):
    """A report on a post, by a member or (unlawful content only, DSA Art. 16) a visitor
    who leaves a contact address."""

    __tablename__ = "reports"
    __table_args__ = (
        CheckConstraint(
            "reason IN ('spam', 'insult', 'unlawful', 'off_topic', 'other')", name="reason"
        ),
        CheckConstraint("status IN ('open', 'closed')", name="status"),
        # One report per member and post; visitors are told apart by their address.
        UniqueConstraint("post_id", "reporter_id", name="one_per_member"),
        UniqueConstraint("post_id", "contact_email", name="one_per_visitor"),
        Index("ix_reports_status_created", "status", "created_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    post_id: int = Field(foreign_key="posts.id", index=True, ondelete="CASCADE")
    reporter_id: int | None = Field(default=None, foreign_key="users.id", ondelete="CASCADE")
    contact_email: str | None = Field(default=None, sa_column=Column(String(254), nullable=True))
    # A visitor's address gets the decision only once its owner followed the link mailed
    # to it: nobody can have the forum mail strangers by typing their addresses.
    contact_token_hash: str | None = Field(default=None, max_length=64)
    contact_confirmed_at: datetime | None = None
    reason: str = Field(max_length=16)
    comment: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    status: str = Field(default="open", max_length=8)
    created_at: datetime = Field(default_factory=utcnow)
    closed_at: datetime | None = None
    outcome: str | None = Field(default=None, max_length=32)


class AuditEntry(SQLModel, table=True):
    """One moderation or admin action. Rows are only ever inserted: no service deletes
    them, and the API offers no write route. The only update: an erased member's nickname
    in `actor` becomes the pseudonym (audit.pseudonymise_actor)."""

    __tablename__ = "audit_log"

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utcnow, index=True)
    # Kept as a nickname as well, so the entry still says who acted after the actor's
    # account is gone; the id goes to NULL then.
    actor_id: int | None = Field(default=None, foreign_key="users.id", ondelete="SET NULL")
    actor: str = Field(max_length=40)
    action: str = Field(max_length=40, index=True)
    target_type: str = Field(max_length=16)
    target_id: int | None = None
    reason: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    before: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    after: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
