"""Sales leads with the customer's consent, and questions handed to support."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Column, Text
from sqlmodel import Field, SQLModel

from community.clock import utcnow


class LeadStatus(StrEnum):
    requested = "requested"  # staff saw a sales opportunity; the customer has not agreed yet
    consented = "consented"  # lead.created went out
    declined = "declined"
    withdrawn = "withdrawn"  # lead.consent_withdrawn went out


class Lead(SQLModel, table=True):
    __tablename__ = "leads"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="users.id", index=True, ondelete="CASCADE")
    thread_id: int | None = Field(default=None, foreign_key="threads.id", ondelete="SET NULL")
    status: str = Field(max_length=16)
    requested_by_id: int | None = Field(default=None, foreign_key="users.id", ondelete="SET NULL")
    # The consent: when, and to which version of the text. The personal data itself is only
    # in the lead.created event (and is blanked there when the consent is withdrawn).
    consent_text_version: str | None = Field(default=None, max_length=40)
    consent_given_at: datetime | None = None
    withdrawn_at: datetime | None = None
    event_id: int | None = Field(default=None, foreign_key="events.id", ondelete="SET NULL")
    created_at: datetime = Field(default_factory=utcnow)


class Escalation(SQLModel, table=True):
    __tablename__ = "thread_escalations"

    id: int | None = Field(default=None, primary_key=True)
    thread_id: int = Field(foreign_key="threads.id", unique=True, ondelete="CASCADE")
    escalated_by_id: int | None = Field(default=None, foreign_key="users.id", ondelete="SET NULL")
    note: str = Field(default="", sa_column=Column(Text, nullable=False))
    created_at: datetime = Field(default_factory=utcnow)
