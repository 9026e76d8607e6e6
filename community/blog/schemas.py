"""Input and output shapes of the blog API."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from community.text import CleanStr


class ArticleCreate(BaseModel):
    title: CleanStr = Field(max_length=150)
    teaser: CleanStr = Field(max_length=400)
    body: CleanStr = Field(max_length=20_000)
    category_slug: str = Field(max_length=60, pattern=r"^[a-z0-9][a-z0-9-]*$")
    comments_enabled: bool = True


class ArticleUpdate(BaseModel):
    title: CleanStr | None = Field(default=None, max_length=150)
    teaser: CleanStr | None = Field(default=None, max_length=400)
    body: CleanStr | None = Field(default=None, max_length=20_000)
    category_slug: str | None = Field(default=None, max_length=60, pattern=r"^[a-z0-9][a-z0-9-]*$")
    comments_enabled: bool | None = None


class ArticlePublish(BaseModel):
    at: datetime | None = Field(default=None, description="UTC; absent: now")


class ArticleStep(BaseModel):
    note: CleanStr = Field(default="", max_length=500)


class ArticlePublic(BaseModel):
    id: int
    title: str
    slug: str
    teaser: str
    body: str
    body_html: str
    url: str
    category_slug: str
    author: str | None = Field(description="the author's nickname")
    author_name: str | None = Field(description='"Anna K." when the staff-display setting shows it')
    published_at: datetime
    comments_enabled: bool
    comment_count: int
    thread_id: int | None = Field(description="the discussion thread holding the comments")
    cover_url: str | None


class ArticlesPublic(BaseModel):
    items: list[ArticlePublic]


class ArticleRevisionStaff(BaseModel):
    """An edit of the published article waiting for a second staff member."""

    title: str
    teaser: str
    body: str
    comments_enabled: bool
    cover_change: Literal["", "replace", "remove"] = Field(
        description='"" keeps the live cover picture'
    )
    editor_ids: list[int] = Field(description="who edited it; none of them may approve it")
    updated_at: datetime


class ArticleStaff(BaseModel):
    id: int
    status: str
    title: str
    slug: str
    teaser: str
    body: str
    category_id: int
    author_id: int | None
    submitted_by_id: int | None
    published_by_id: int | None
    published_at: datetime | None
    comments_enabled: bool
    thread_id: int | None
    created_at: datetime
    updated_at: datetime
    pending_revision: ArticleRevisionStaff | None = Field(
        default=None,
        description="an edit of the published article that readers do not see until a "
        "second staff member approves it",
    )
