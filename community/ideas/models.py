"""An idea's state beside its thread, and the members' votes."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, Column, Index, String, Text
from sqlmodel import Field, SQLModel

from community.clock import utcnow
from community.i18n import N_


class IdeaStatus(StrEnum):
    new = "new"  # neu
    review = "review"  # in Prüfung
    planned = "planned"  # geplant
    done = "done"  # umgesetzt
    declined = "declined"  # abgelehnt


STATUS_LABELS: dict[str, str] = {
    IdeaStatus.new: N_("neu"),
    IdeaStatus.review: N_("in Prüfung"),
    IdeaStatus.planned: N_("geplant"),
    IdeaStatus.done: N_("umgesetzt"),
    IdeaStatus.declined: N_("abgelehnt"),
}


class Idea(SQLModel, table=True):
    """One row per thread of kind "idea". The vote counters are recounted from the votes
    on every change, so they cannot drift."""

    __tablename__ = "ideas"
    __table_args__ = (
        CheckConstraint(
            "status IN ('new', 'review', 'planned', 'done', 'declined')", name="status"
        ),
        Index("ix_ideas_category_votes", "category_id", "vote_count", "thread_id"),
    )

    thread_id: int = Field(foreign_key="threads.id", primary_key=True, ondelete="CASCADE")
    # Copied from the thread (kept in step by a move) so lists and statistics need no join.
    category_id: int = Field(foreign_key="categories.id", index=True, ondelete="CASCADE")
    status: str = Field(
        default=IdeaStatus.new.value,
        sa_column=Column(String(16), nullable=False, server_default=IdeaStatus.new.value),
    )
    # The public note staff wrote with the last status change.
    status_note: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    status_changed_at: datetime | None = None
    status_by_id: int | None = Field(default=None, foreign_key="users.id", ondelete="SET NULL")
    # The first status decision after "neu": the statistics' time to first status.
    first_status_at: datetime | None = None
    # Members' votes; staff votes are counted apart and shown apart.
    vote_count: int = 0
    staff_vote_count: int = 0
    # Merged into this idea as a duplicate: its votes moved there.
    merged_into_id: int | None = Field(default=None, foreign_key="threads.id", ondelete="SET NULL")
    created_at: datetime = Field(default_factory=utcnow)


class IdeaVote(SQLModel, table=True):
    """One vote per member and idea (the primary key decides between concurrent clicks)."""

    __tablename__ = "idea_votes"

    thread_id: int = Field(foreign_key="ideas.thread_id", primary_key=True, ondelete="CASCADE")
    user_id: int = Field(foreign_key="users.id", primary_key=True, index=True, ondelete="CASCADE")
    # Staff at the time of voting: shown apart from the members' votes.
    is_staff: bool = False
    created_at: datetime = Field(default_factory=utcnow)
