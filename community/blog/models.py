"""Blog articles written by staff, their cover pictures, and the "Aktuell" slot of the
start page."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Column, LargeBinary, Text
from sqlmodel import Field, SQLModel

from community.clock import utcnow


class ArticleStatus(StrEnum):
    draft = "draft"  # the author is writing
    review = "review"  # waits for a second staff member
    published = "published"  # visible from published_at on (scheduled while in the future)
    withdrawn = "withdrawn"


class Article(SQLModel, table=True):
    """An article belongs to a board: it is visible exactly where the board is (public, or
    to the board's closed groups), and its comments are the replies of a discussion thread
    in that board, opened when the article goes live."""

    __tablename__ = "articles"

    id: int | None = Field(default=None, primary_key=True)
    category_id: int = Field(foreign_key="categories.id", index=True, ondelete="CASCADE")
    author_id: int | None = Field(default=None, foreign_key="users.id", ondelete="SET NULL")
    status: str = Field(default=ArticleStatus.draft.value, max_length=16, index=True)
    title: str = Field(max_length=150)
    slug: str = Field(max_length=160)
    teaser: str = Field(max_length=400)
    body: str = Field(sa_column=Column(Text, nullable=False))
    body_html: str = Field(sa_column=Column(Text, nullable=False))
    comments_enabled: bool = True
    # The discussion thread holding the comments; None until the article first goes live.
    thread_id: int | None = Field(default=None, foreign_key="threads.id", ondelete="SET NULL")
    cover_key: str | None = Field(default=None, max_length=40)
    submitted_by_id: int | None = Field(default=None, foreign_key="users.id", ondelete="SET NULL")
    published_by_id: int | None = Field(default=None, foreign_key="users.id", ondelete="SET NULL")
    # Visible from this moment on: the read-time check makes a scheduled article appear on
    # time even if the worker is late; the go-live job only sends the event and opens the
    # comments.
    published_at: datetime | None = Field(default=None, index=True)
    # Set once the go-live work (event, comment thread) has been done for this publication.
    announced_at: datetime | None = None
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class ArticleCover(SQLModel, table=True):
    """The cover picture, re-encoded without metadata and kept in the database like avatars."""

    __tablename__ = "article_covers"

    article_id: int = Field(foreign_key="articles.id", primary_key=True, ondelete="CASCADE")
    key: str = Field(max_length=40)
    image: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    created_at: datetime = Field(default_factory=utcnow)


class ArticleRevision(SQLModel, table=True):
    """A staff edit of a published article waiting for a second staff member: the live
    article keeps its text until the revision is approved. One per article; a further
    edit before the review replaces it (building on it, since the edit form starts from it)."""

    __tablename__ = "article_revisions"

    article_id: int = Field(foreign_key="articles.id", primary_key=True, ondelete="CASCADE")
    title: str = Field(max_length=150)
    slug: str = Field(max_length=160)
    teaser: str = Field(max_length=400)
    body: str = Field(sa_column=Column(Text, nullable=False))
    body_html: str = Field(sa_column=Column(Text, nullable=False))
    comments_enabled: bool = True
    # "" keeps the live cover, "replace" puts cover_image in, "remove" takes it out.
    cover_change: str = Field(default="", max_length=8)
    cover_image: bytes | None = Field(default=None, sa_column=Column(LargeBinary, nullable=True))
    # Everyone who edited this revision: none of them may approve it.
    editor_ids: list[Any] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class Spotlight(SQLModel, table=True):
    """The "Aktuell" slot of the start page: an announcement or offer staff pin for a period."""

    __tablename__ = "spotlights"

    id: int | None = Field(default=None, primary_key=True)
    title: str = Field(max_length=120)
    text: str = Field(max_length=400)
    link_url: str | None = Field(default=None, max_length=500)
    starts_at: datetime
    ends_at: datetime = Field(index=True)
    created_by_id: int | None = Field(default=None, foreign_key="users.id", ondelete="SET NULL")
    created_at: datetime = Field(default_factory=utcnow)
