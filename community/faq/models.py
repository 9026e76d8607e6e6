"""FAQ entries made from solved questions: a working copy curators edit, and the
published copy the export and the FAQ page show."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Column, Text
from sqlmodel import Field, SQLModel

from community.clock import utcnow


class FaqStatus(StrEnum):
    draft = "draft"  # made from a solved thread, never published
    review = "review"  # edited or its solution changed; waits for a (second) curator
    published = "published"
    withdrawn = "withdrawn"  # the thread no longer holds; a tombstone in the export


class FaqEntry(SQLModel, table=True):
    __tablename__ = "faq_entries"

    id: int | None = Field(default=None, primary_key=True)
    thread_id: int = Field(foreign_key="threads.id", unique=True, ondelete="CASCADE")
    category_id: int = Field(foreign_key="categories.id", index=True)
    status: str = Field(default=FaqStatus.draft.value, max_length=16)
    question_title: str = Field(max_length=300)
    question_text: str = Field(sa_column=Column(Text, nullable=False))
    answer_text: str = Field(sa_column=Column(Text, nullable=False))
    answer_post_id: int | None = None
    asker: str | None = Field(default=None, max_length=40)
    answerer: str | None = Field(default=None, max_length=40)
    last_editor_id: int | None = Field(default=None, foreign_key="users.id", ondelete="SET NULL")
    # What the export shows: set when published, kept while a new edit waits for review.
    live: bool = False
    was_published: bool = False
    # Published while its board was public: its tombstone goes to every faq:read token,
    # also after the board became closed, so the website can remove it.
    was_public: bool = False
    published_title: str | None = Field(default=None, max_length=300)
    published_question: str | None = Field(default=None, sa_column=Column(Text))
    published_answer: str | None = Field(default=None, sa_column=Column(Text))
    published_by_id: int | None = Field(default=None, foreign_key="users.id", ondelete="SET NULL")
    published_at: datetime | None = None
    revision: int = 0
    withdrawn_reason: str | None = Field(default=None, max_length=40)
    created_at: datetime = Field(default_factory=utcnow)
    # When the exported form changed: the export's cursor.
    changed_at: datetime = Field(default_factory=utcnow, index=True)
