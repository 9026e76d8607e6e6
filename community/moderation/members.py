"""The staff's view of members: a search over all accounts and one member's record
(private fields, groups, posts, reports against them, earlier decisions). Moderators and
admins only; the private fields are for staff as DESIGN.md's privacy rules say."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ColumnElement, func, or_, select
from sqlmodel import Session, col

from community.accounts.models import Group, GroupMember, User
from community.accounts.validation import nickname_key
from community.accounts.viewer import Viewer
from community.errors import NotFound
from community.forum import permissions as perms
from community.forum.models import Post, Thread
from community.moderation import service as moderation
from community.moderation.models import AuditEntry, Report

PER_PAGE = 50
RECENT = 20


@dataclass
class MemberPage:
    users: list[User]
    total: int
    page: int
    pages: int


def search(session: Session, viewer: Viewer, query: str = "", page: int = 1) -> MemberPage:
    """Members whose nickname (or e-mail address) contains `query`, by nickname."""
    perms.require_moderator(viewer)
    condition: ColumnElement[bool] = col(User.erased_at).is_(None)
    query = query.strip()
    if query:
        pattern = f"%{_escape_like(nickname_key(query))}%"
        condition = condition & or_(
            col(User.nickname_key).like(pattern, escape="\\"),
            col(User.email).like(f"%{_escape_like(query.lower())}%", escape="\\"),
        )
    total = session.execute(select(func.count()).select_from(User).where(condition)).scalar_one()
    pages = max(1, -(-total // PER_PAGE))
    page = min(max(page, 1), pages)
    users = list(
        session.execute(
            select(User)
            .where(condition)
            .order_by(col(User.nickname_key))
            .offset((page - 1) * PER_PAGE)
            .limit(PER_PAGE)
        ).scalars()
    )
    return MemberPage(users=users, total=total, page=page, pages=pages)


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


@dataclass
class ReportAgainst:
    report: Report
    post: Post
    thread: Thread


@dataclass
class MemberRecord:
    user: User
    groups: list[Group]
    posts: list[tuple[Post, Thread]]
    post_count: int
    hidden_count: int
    reports: list[ReportAgainst]
    decisions: list[AuditEntry]


def record(session: Session, viewer: Viewer, user_id: int) -> MemberRecord:
    perms.require_moderator(viewer)
    user = session.get(User, user_id)
    if user is None:
        raise NotFound("Dieses Mitglied gibt es nicht.")
    groups = list(
        session.execute(
            select(Group)
            .join(GroupMember, col(GroupMember.group_id) == col(Group.id))
            .where(col(GroupMember.user_id) == user_id)
            .order_by(col(Group.name))
        ).scalars()
    )
    posts = [
        (p, t)
        for p, t in session.execute(
            select(Post, Thread)
            .join(Thread, col(Thread.id) == col(Post.thread_id))
            .where(col(Post.author_id) == user_id)
            .order_by(col(Post.id).desc())
            .limit(RECENT)
        ).all()
    ]
    total, hidden = session.execute(
        select(func.count(), func.count().filter(col(Post.is_hidden))).where(
            col(Post.author_id) == user_id, ~col(Post.is_pending)
        )
    ).one()
    reports = [
        ReportAgainst(report=r, post=p, thread=t)
        for r, p, t in session.execute(
            select(Report, Post, Thread)
            .join(Post, col(Post.id) == col(Report.post_id))
            .join(Thread, col(Thread.id) == col(Post.thread_id))
            .where(col(Post.author_id) == user_id)
            .order_by(col(Report.id).desc())
            .limit(RECENT)
        ).all()
    ]
    return MemberRecord(
        user=user,
        groups=groups,
        posts=posts,
        post_count=int(total),
        hidden_count=int(hidden),
        reports=reports,
        decisions=moderation.decisions_about(session, viewer, user_id),
    )
