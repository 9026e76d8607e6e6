"""Boards, threads, posts and the earlier versions of edited posts."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, Column, Index, String, Text, UniqueConstraint, text
from sqlmodel import Field, SQLModel

from community.clock import utcnow


class ThreadKind(StrEnum):
    question = "question"
    discussion = "discussion"
    # A proposal on a board whose default_kind is "idea" (community/ideas/): members vote,
    # staff set its status.
    idea = "idea"


class Category(SQLModel, table=True):
    """A board. Counters are kept here for the board list; `recompute-counters` rebuilds them."""

    __tablename__ = "categories"
    __table_args__ = (
        CheckConstraint("default_kind IN ('question', 'discussion', 'idea')", name="default_kind"),
    )

    id: int | None = Field(default=None, primary_key=True)
    parent_id: int | None = Field(
        default=None, foreign_key="categories.id", index=True, ondelete="SET NULL"
    )
    slug: str = Field(sa_column=Column(String(60), unique=True, nullable=False))
    name: str = Field(max_length=100)
    description: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    position: int = 0
    created_at: datetime = Field(default_factory=utcnow)
    thread_count: int = 0
    post_count: int = 0
    # No foreign key: threads already point at categories, and a cycle would need ALTER on SQLite.
    last_thread_id: int | None = None
    # Pre-moderation: new threads and replies here wait for a moderator's approval. Off by
    # default, because checking before publishing can make the operator liable for the
    # content as if it were their own.
    premoderated: bool = False
    # Hours after which a question without a reply counts as unanswered (experts' queue);
    # None: COMMUNITY_UNANSWERED_HOURS.
    unanswered_after_hours: int | None = None
    # What the new-thread form offers first when started from this board; "idea" makes it
    # an ideas board, where every thread is an idea (community/ideas/).
    default_kind: str = Field(
        default=ThreadKind.question.value,
        sa_column=Column(String(16), nullable=False, server_default=ThreadKind.question.value),
    )


class CategoryGroup(SQLModel, table=True):
    """A board with rows here is closed: only members of one of these groups see it."""

    __tablename__ = "category_groups"

    category_id: int = Field(foreign_key="categories.id", primary_key=True, ondelete="CASCADE")
    group_id: int = Field(foreign_key="groups.id", primary_key=True, index=True, ondelete="CASCADE")


class Thread(SQLModel, table=True):
    __tablename__ = "threads"
    __table_args__ = (
        CheckConstraint("kind IN ('question', 'discussion', 'idea')", name="kind"),
        Index("ix_threads_category_activity", "category_id", "last_post_at", "id"),
        Index("ix_threads_activity", "last_post_at", "id"),
        # The statistics: questions of a period (community/insights/).
        # Covering for the statistics (community/insights/): the period's questions are
        # read from the index alone.
        Index(
            "ix_threads_kind_created",
            "kind",
            "created_at",
            "category_id",
            "author_id",
            "is_deleted",
            "is_hidden",
            "solution_post_id",
            "solution_author_id",
            "solved_at",
        ),
        # Whether a member has a hidden thread (forum/permissions.py), asked on each of their
        # thread pages: one entry per hidden thread, whatever else the author wrote. Without
        # it, PostgreSQL's plan for the statement that asks (prepared, planned once without
        # the member's id) read the covering index above whole, so it planned the statement
        # anew for each page (~1 ms of its CPU per member's page, issue 21). The condition
        # is written as each database writes the query's, which SQLite needs to use it.
        Index(
            "ix_threads_hidden_author",
            "author_id",
            postgresql_where=text("is_hidden = true AND is_deleted = false"),
            sqlite_where=text("is_hidden = 1 AND is_deleted = 0"),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    category_id: int = Field(foreign_key="categories.id", ondelete="CASCADE")
    author_id: int = Field(foreign_key="users.id", index=True)
    kind: str = Field(default=ThreadKind.question.value, max_length=16)
    title: str = Field(max_length=150)
    slug: str = Field(max_length=160)
    created_at: datetime = Field(default_factory=utcnow)
    last_post_at: datetime = Field(default_factory=utcnow)
    last_post_id: int | None = None
    last_poster_id: int | None = Field(default=None, foreign_key="users.id", ondelete="SET NULL")
    reply_count: int = 0
    kudos_count: int = 0
    # One solution per thread: a single column holds it. No foreign key, for the same
    # reason as last_post_id (threads and posts would reference each other).
    solution_post_id: int | None = None
    solution_author_id: int | None = Field(
        default=None, foreign_key="users.id", ondelete="SET NULL"
    )
    solved_at: datetime | None = Field(default=None, index=True)
    is_locked: bool = False
    is_hidden: bool = False
    is_deleted: bool = False
    # Held for approval (pre-moderation); such a thread is also hidden until approved.
    is_pending: bool = False
    # Closed as a duplicate of this thread (no foreign key: threads would reference
    # threads, which SQLite cannot add by ALTER; the service keeps it consistent).
    duplicate_of_thread_id: int | None = None
    # The accepted answer that a moderator hid or deleted: restoring it solves the
    # thread again.
    removed_solution_post_id: int | None = None
    # Set when the experts following the board were told the question waits for an answer.
    unanswered_notified_at: datetime | None = None
    # Thread page views by people (not bots), counted per view in the viewing request.
    view_count: int = Field(default=0, sa_column_kwargs={"server_default": "0"})


class Post(SQLModel, table=True):
    __tablename__ = "posts"
    __table_args__ = (
        Index("ix_posts_thread_id_id", "thread_id", "id"),
        # Covers the statistics' questions about a thread's posts (first reply by someone
        # else, any reply at all, who wrote in a period) without reading the post rows.
        Index(
            "ix_posts_thread_created",
            "thread_id",
            "created_at",
            "id",
            "author_id",
            "is_opening",
            "is_hidden",
            "is_deleted",
        ),
        # An author's kept post counts (AuthorBoardPosts) are recounted after a change from
        # this index alone, not the post rows.
        Index("ix_posts_author_live", "author_id", "is_deleted", "is_pending", "thread_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    thread_id: int = Field(foreign_key="threads.id", ondelete="CASCADE")
    author_id: int = Field(foreign_key="users.id", index=True)
    # The opening post of a thread holds the question or the topic; the rest are replies.
    is_opening: bool = False
    body: str = Field(sa_column=Column(Text, nullable=False))
    body_html: str = Field(sa_column=Column(Text, nullable=False))
    created_at: datetime = Field(default_factory=utcnow)
    edited_at: datetime | None = None
    edit_count: int = 0
    kudos_count: int = 0
    is_hidden: bool = False
    is_deleted: bool = False
    # Shown in place of a post the moderation hid.
    hidden_reason: str | None = Field(default=None, max_length=200)
    # Held for approval (pre-moderation): also hidden, and shown to its author and the
    # moderators only, until a moderator approves it.
    is_pending: bool = False
    # Shown under a post a moderator edited: "Bearbeitet von der Moderation: <note>".
    moderation_note: str | None = Field(default=None, max_length=200)


class PostRevision(SQLModel, table=True):
    """An earlier version of an edited post, kept for moderators."""

    __tablename__ = "post_revisions"

    id: int | None = Field(default=None, primary_key=True)
    post_id: int = Field(foreign_key="posts.id", index=True, ondelete="CASCADE")
    body: str = Field(sa_column=Column(Text, nullable=False))
    written_at: datetime
    replaced_at: datetime = Field(default_factory=utcnow)
    editor_id: int | None = Field(default=None, foreign_key="users.id", ondelete="SET NULL")


class ThreadRead(SQLModel, table=True):
    """How far a member has read a thread (Discourse's topic_users.last_read_post_number):
    every post up to this id counts as read. Written by an upsert on a thread page view."""

    __tablename__ = "thread_reads"

    user_id: int = Field(foreign_key="users.id", primary_key=True, ondelete="CASCADE")
    thread_id: int = Field(
        foreign_key="threads.id", primary_key=True, index=True, ondelete="CASCADE"
    )
    # No foreign key to posts: a read mark may outlive the post it names (a deleted reply).
    last_read_post_id: int = 0
    read_at: datetime = Field(default_factory=utcnow)


class CategoryRead(SQLModel, table=True):
    """ "Alles gelesen" of a member in a board: nothing in it older than this is new or unread."""

    __tablename__ = "category_reads"

    user_id: int = Field(foreign_key="users.id", primary_key=True, ondelete="CASCADE")
    category_id: int = Field(foreign_key="categories.id", primary_key=True, ondelete="CASCADE")
    marked_at: datetime = Field(default_factory=utcnow)


class Draft(SQLModel, table=True):
    """What a member is still writing, kept on the server so it survives a reload and
    follows them to another device: one draft of a new thread per member (scope "new"),
    one reply draft per thread (scope "thread-<id>"). Deleted when posted or erased."""

    __tablename__ = "drafts"
    __table_args__ = (UniqueConstraint("user_id", "scope", name="uq_drafts_user_scope"),)

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="users.id", ondelete="CASCADE")
    scope: str = Field(sa_column=Column(String(40), nullable=False))
    # Set for a reply draft: the draft goes with its thread.
    thread_id: int | None = Field(
        default=None, foreign_key="threads.id", index=True, ondelete="CASCADE"
    )
    title: str = Field(default="", max_length=150)
    category_slug: str = Field(default="", max_length=60)
    kind: str = Field(default=ThreadKind.question.value, max_length=16)
    body: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    # The newest post of the thread the writer had seen: later ones are "new meanwhile".
    seen_post_id: int | None = None
    updated_at: datetime = Field(default_factory=utcnow)


class AuthorBoardPosts(SQLModel, table=True):
    """A member's posts in a board, kept by forum/counters.py in the transaction that changes
    them: the count beside every post (reputation.figures.post_counts) adds up a few of
    these rows instead of counting a prolific author's posts on every page view.
    `recompute-counters` rebuilds them from the posts."""

    __tablename__ = "author_board_posts"

    user_id: int = Field(foreign_key="users.id", primary_key=True, ondelete="CASCADE")
    category_id: int = Field(
        foreign_key="categories.id", primary_key=True, index=True, ondelete="CASCADE"
    )
    # Posts neither deleted nor held for approval, whatever their thread: what a moderator
    # is shown (moderators see deleted and hidden threads).
    posts: int = 0
    # Of those, the ones in a thread neither deleted nor hidden: what everyone else is shown.
    live_posts: int = 0
