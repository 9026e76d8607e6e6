"""A member's personal feed token: it lets a feed reader, which has no session, read the
closed boards the member sees. Only its hash is stored."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, String
from sqlmodel import Field, SQLModel

from community.clock import utcnow


class FeedToken(SQLModel, table=True):
    __tablename__ = "feed_tokens"

    # One token per member: creating a new one replaces (resets) the old.
    user_id: int = Field(foreign_key="users.id", primary_key=True, ondelete="CASCADE")
    token_hash: str = Field(sa_column=Column(String(64), unique=True, nullable=False))
    created_at: datetime = Field(default_factory=utcnow)
