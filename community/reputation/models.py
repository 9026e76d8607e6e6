"""Kudos and the record of rank changes."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from community.clock import utcnow


class Kudo(SQLModel, table=True):
    """A "thank you" for a post: one per member and post (the unique constraint decides
    between concurrent clicks). Thread and board are copied here so the leaderboard can
    count by board without joining every post."""

    __tablename__ = "kudos"
    __table_args__ = (
        UniqueConstraint("post_id", "giver_id"),
        # Covering the leaderboard's query, so it never reads the table itself.
        Index(
            "ix_kudos_category_created", "category_id", "created_at", "receiver_id", "post_visible"
        ),
        Index("ix_kudos_giver_receiver_created", "giver_id", "receiver_id", "created_at"),
        # Kudos received per member in a period, in index order (community/insights/).
        Index(
            "ix_kudos_receiver_created", "receiver_id", "created_at", "category_id", "post_visible"
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    post_id: int = Field(foreign_key="posts.id", ondelete="CASCADE")
    thread_id: int = Field(foreign_key="threads.id", index=True, ondelete="CASCADE")
    category_id: int = Field(foreign_key="categories.id", ondelete="CASCADE")
    giver_id: int = Field(foreign_key="users.id", ondelete="CASCADE")
    receiver_id: int = Field(foreign_key="users.id", index=True, ondelete="CASCADE")
    created_at: datetime = Field(default_factory=utcnow)
    # False past the daily cap between the same two members, so two accounts cannot
    # farm points from each other. Decided once, when the kudos is given.
    counts_for_points: bool = True
    # False while the post is hidden or deleted: such kudos count nowhere.
    post_visible: bool = True


class RankChange(SQLModel, table=True):
    """Kept so that a later notification can tell the member about a new rank."""

    __tablename__ = "rank_changes"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="users.id", index=True, ondelete="CASCADE")
    old_rank: str = Field(max_length=40)
    new_rank: str = Field(max_length=40)
    points: int
    changed_at: datetime = Field(default_factory=utcnow)
    notified_at: datetime | None = None
