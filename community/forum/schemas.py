"""Input and output models of the forum. Authors appear by nickname only."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from community.accounts.models import Role, User
from community.accounts.staff import staff_display_name
from community.db import MAX_ID
from community.forum.models import ThreadKind
from community.forum.premoderation import LIABILITY_NOTE
from community.reputation.ranks import RankLadder, display_rank
from community.reputation.schemas import RankPublic
from community.text import CleanStr, SettingsBody


class AuthorPublic(BaseModel):
    nickname: str
    role: Role
    is_staff: bool = Field(description="A company employee; shown as a badge on every post")
    rank: RankPublic = Field(description="Points rank; staff show their role instead")
    staff_display_name: str | None = Field(
        default=None,
        description='Staff only, when the site shows staff names: "Anna K."; null for members',
    )

    @classmethod
    def of(cls, user: User, ladder: RankLadder, *, staff_names_shown: bool) -> AuthorPublic:
        return cls(
            nickname=user.nickname,
            role=Role(user.role),
            is_staff=user.is_staff,
            rank=RankPublic(**display_rank(user, ladder).as_dict()),
            staff_display_name=staff_display_name(user, shown=staff_names_shown),
        )


PREMODERATED_DOC = (
    f"New threads and replies wait for a moderator's approval. Off by default: „{LIABILITY_NOTE}“"
)


class CategoryCreate(SettingsBody):
    slug: str = Field(min_length=2, max_length=60)
    name: CleanStr = Field(min_length=2, max_length=100)
    description: CleanStr = Field(default="", max_length=2000)
    position: int = Field(default=0, ge=-10_000, le=10_000)
    parent: CleanStr | None = None
    groups: list[CleanStr] = Field(
        default_factory=list, description="Closed to these groups; empty: public"
    )
    premoderated: bool = Field(default=False, description=PREMODERATED_DOC)


class CategoryUpdate(SettingsBody):
    premoderated: bool | None = Field(default=None, description=PREMODERATED_DOC)


class CategorySettings(BaseModel):
    """What the admins' board page edits besides groups and pre-moderation."""

    name: CleanStr = Field(min_length=2, max_length=100)
    description: CleanStr = Field(default="", max_length=2000)
    position: int = Field(default=0, ge=-10_000, le=10_000)
    unanswered_after_hours: int | None = Field(
        default=None, ge=1, le=8760, description="Empty: COMMUNITY_UNANSWERED_HOURS"
    )
    default_kind: ThreadKind = ThreadKind.question


class CategoryGroupsUpdate(SettingsBody):
    groups: list[CleanStr] = Field(default_factory=list, max_length=50)


class ThreadBrief(BaseModel):
    id: int
    title: str
    url: str
    created_at: datetime


class CategoryPublic(BaseModel):
    id: int
    slug: str
    name: str
    description: str
    position: int
    parent: str | None
    is_closed: bool
    premoderated: bool = Field(description="New posts wait for a moderator's approval")
    groups: list[str] | None = Field(default=None, description="Only shown to moderators")
    thread_count: int
    post_count: int
    newest_thread: ThreadBrief | None


class CategoriesPublic(BaseModel):
    items: list[CategoryPublic]


class ThreadCreate(BaseModel):
    category: CleanStr = Field(description="The board's slug")
    kind: ThreadKind = ThreadKind.question
    title: CleanStr = Field(max_length=1000)
    body: CleanStr = Field(max_length=100_000)


class ThreadUpdate(BaseModel):
    title: CleanStr | None = Field(default=None, max_length=1000)
    is_locked: bool | None = None


class PostCreate(BaseModel):
    body: CleanStr = Field(max_length=100_000)


class PostUpdate(BaseModel):
    body: CleanStr = Field(max_length=100_000)


class PostPublic(BaseModel):
    id: int
    thread_id: int
    is_opening: bool
    author: AuthorPublic
    body: str | None = Field(description="Markdown source; null when hidden or deleted")
    body_html: str | None
    created_at: datetime
    edited_at: datetime | None
    edit_count: int
    kudos_count: int
    is_solution: bool
    is_hidden: bool
    is_deleted: bool
    hidden_reason: str | None = Field(default=None, description="Public reason of a hide")
    is_pending: bool = Field(
        default=False, description="Waits for a moderator's approval (author and moderators)"
    )
    moderation_note: str | None = Field(
        default=None, description='Shown as "Bearbeitet von der Moderation: <note>"'
    )


class PostsPublic(BaseModel):
    items: list[PostPublic]
    next_cursor: str | None


class ThreadPublic(BaseModel):
    id: int
    title: str
    slug: str
    url: str
    kind: ThreadKind
    category: str
    author: AuthorPublic
    created_at: datetime
    last_post_at: datetime
    last_poster: AuthorPublic | None
    reply_count: int
    kudos_count: int
    solved: bool
    solution_post_id: int | None
    is_locked: bool
    duplicate_of_thread_id: int | None = Field(
        default=None, description="Closed as a duplicate of this thread"
    )
    is_pending: bool = Field(default=False, description="Waits for a moderator's approval")


class ThreadDetail(ThreadPublic):
    opening_post: PostPublic
    solution: PostPublic | None = Field(
        description="The accepted answer, repeated under the question; it stays in place too"
    )
    viewer_may_accept: bool


class ThreadsPublic(BaseModel):
    items: list[ThreadPublic]
    next_cursor: str | None


class ThreadCreated(BaseModel):
    thread: ThreadPublic
    post: PostPublic


class RevisionPublic(BaseModel):
    id: int
    body: str
    written_at: datetime
    replaced_at: datetime
    editor: str | None


class UserProfile(BaseModel):
    nickname: str
    role: Role
    is_staff: bool
    rank: RankPublic
    points: int
    solutions: int
    kudos_received: int
    kudos_given: int
    created_at: datetime
    thread_count: int = Field(description="Threads in boards the viewer can see")
    post_count: int = Field(description="Posts in boards the viewer can see")


class MentionSuggestions(BaseModel):
    items: list[str] = Field(
        description="Nicknames starting with the prefix, of people whose posts the viewer can "
        "see; the thread's own participants first"
    )


class PreviewRequest(BaseModel):
    body: CleanStr = Field(default="", max_length=20_000)


class PreviewPublic(BaseModel):
    html: str = Field(description="Rendered and sanitised exactly as a posted text would be")


class DraftSave(BaseModel):
    body: CleanStr = Field(default="", max_length=100_000)
    title: CleanStr = Field(default="", max_length=1000, description="New threads only")
    category: CleanStr = Field(default="", max_length=60, description="New threads only")
    kind: ThreadKind = ThreadKind.question
    seen_post_id: int | None = Field(
        default=None,
        ge=0,
        le=MAX_ID,
        description="Replies only: the newest post the writer has seen",
    )


class DraftPublic(BaseModel):
    body: str
    title: str
    category: str
    kind: ThreadKind
    updated_at: datetime
    new_replies: int = Field(
        default=0, description="Replies only: posts by others after seen_post_id"
    )


class DraftSaved(BaseModel):
    draft: DraftPublic | None = Field(
        description="null: nothing was typed, so the draft is removed rather than kept empty"
    )
