"""The asker's rating of an accepted solution: one per thread."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, Column, Index, Text
from sqlmodel import Field, SQLModel


class SatisfactionRating(SQLModel, table=True):
    """ "Hat Ihnen die Lösung geholfen?" — 1 (not at all) to 5 (very much).

    The board is not copied here: a thread may move, and the statistics join the thread
    for its current board (ratings are few)."""

    __tablename__ = "satisfaction_ratings"
    __table_args__ = (
        CheckConstraint("rating BETWEEN 1 AND 5", name="rating"),
        Index("ix_satisfaction_ratings_created_at", "created_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    # Unique: the database decides between two ratings sent at the same moment.
    thread_id: int = Field(foreign_key="threads.id", unique=True, ondelete="CASCADE")
    user_id: int | None = Field(default=None, foreign_key="users.id", ondelete="SET NULL")
    rating: int
    comment: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    created_at: datetime
