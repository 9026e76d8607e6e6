"""Expert routing: who counts as an expert, and the queue of questions nobody answered."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, false, func, or_, select, true
from sqlmodel import Session, col

from community.accounts.models import GroupMember, Role, User
from community.accounts.viewer import Viewer
from community.clock import utcnow
from community.config import get_settings
from community.errors import Forbidden
from community.forum import permissions as perms
from community.forum.models import Category, CategoryGroup, Thread, ThreadKind
from community.notifications.models import CategoryWatch


def is_expert(user: User | None) -> bool:
    """Who answers for the company: experts, moderators, admins and employees."""
    if user is None or not user.is_active:
        return False
    return user.is_staff or user.role in (Role.expert, Role.moderator, Role.admin)


def _unanswered_hours(category: Category) -> int:
    return category.unanswered_after_hours or get_settings().unanswered_hours


def waiting(now: datetime, hours_by_board: dict[int, int]) -> ColumnElement[bool]:
    """Question threads without a reply older than their board's limit."""
    per_board = [
        and_(col(Thread.category_id) == board, col(Thread.created_at) <= now - timedelta(hours=h))
        for board, h in hours_by_board.items()
    ]
    return and_(
        col(Thread.kind) == ThreadKind.question.value,
        col(Thread.reply_count) == 0,
        col(Thread.solution_post_id).is_(None),
        col(Thread.is_deleted) == false(),
        col(Thread.is_hidden) == false(),
        or_(false(), *per_board),
    )


def hours_by_board(session: Session) -> dict[int, int]:
    return {
        c.id: _unanswered_hours(c)
        for c in session.execute(select(Category)).scalars()
        if c.id is not None
    }


def unanswered(session: Session, viewer: Viewer, *, limit: int = 100) -> list[Thread]:
    """The experts' queue: the longest-waiting first, only boards the expert can see."""
    perms.require_member(viewer)
    if not is_expert(viewer.user):
        raise Forbidden("Nur für Experten und das Team.")
    limit = max(1, min(limit, 200))
    query = (
        select(Thread)
        .where(perms.visible_threads_filter(viewer))
        .where(waiting(utcnow(), hours_by_board(session)))
        .order_by(col(Thread.created_at), col(Thread.id))
        .limit(limit)
    )
    return list(session.execute(query).scalars())


QUEUE_PER_PAGE = 25


@dataclass(frozen=True)
class QueueItem:
    thread: Thread
    waiting: timedelta
    # Past its board's limit: the experts following the board were (or are about to be) told.
    late: bool


@dataclass(frozen=True)
class QueuePage:
    items: list[QueueItem]
    total: int
    page: int
    pages: int


def unanswered_queue(
    session: Session,
    viewer: Viewer,
    *,
    board: Category | None = None,
    newest_first: bool = False,
    page: int = 1,
) -> QueuePage:
    """The experts' page: every question nobody answered yet, not only those past the
    limit (an expert may take a fresh one at once); those past it are marked."""
    perms.require_member(viewer)
    if not is_expert(viewer.user):
        raise Forbidden("Nur für Experten und das Team.")
    if board is not None:
        perms.ensure_category_visible(session, viewer, board)
    where = and_(
        perms.visible_threads_filter(viewer),
        col(Thread.kind) == ThreadKind.question.value,
        col(Thread.reply_count) == 0,
        col(Thread.solution_post_id).is_(None),
        col(Thread.is_deleted) == false(),
        col(Thread.is_hidden) == false(),
        col(Thread.is_pending) == false(),
        true() if board is None else col(Thread.category_id) == board.id,
    )
    total = session.execute(select(func.count(col(Thread.id))).where(where)).scalar_one()
    pages = max(1, -(-total // QUEUE_PER_PAGE))
    page = max(1, min(page, pages))
    created, ident = col(Thread.created_at), col(Thread.id)
    order = (created.desc(), ident.desc()) if newest_first else (created, ident)
    threads = session.execute(
        select(Thread)
        .where(where)
        .order_by(*order)
        .offset((page - 1) * QUEUE_PER_PAGE)
        .limit(QUEUE_PER_PAGE)
    ).scalars()
    now, limits = utcnow(), hours_by_board(session)
    items = []
    for thread in threads:
        age = now - thread.created_at
        hours = limits.get(thread.category_id, get_settings().unanswered_hours)
        items.append(QueueItem(thread, age, age >= timedelta(hours=hours)))
    return QueuePage(items, total, page, pages)


def _experts_query() -> Select[Any]:
    return (
        select(User)
        .where(col(User.is_active), col(User.erased_at).is_(None))
        .where(
            col(User.is_staff)
            | col(User.role).in_([Role.expert.value, Role.moderator.value, Role.admin.value])
        )
        .order_by(col(User.nickname_key))
    )


def board_experts(session: Session, viewer: Viewer, category: Category) -> BoardExperts:
    """For the admins' board page: the company's people who see the board (moderators and
    admins see every board; experts and employees a closed one only through its groups),
    and those of them following it, whom its unanswered questions reach."""
    perms.require_admin(viewer)
    assert category.id is not None
    groups = select(col(CategoryGroup.group_id)).where(
        col(CategoryGroup.category_id) == category.id
    )
    closed = session.execute(groups.limit(1)).first() is not None
    seeing = _experts_query()
    if closed:
        in_groups = select(col(GroupMember.user_id)).where(col(GroupMember.group_id).in_(groups))
        seeing = seeing.where(
            col(User.role).in_([Role.moderator.value, Role.admin.value])
            | col(User.id).in_(in_groups)
        )
    # A follower who no longer sees the board hears nothing of it, so is not listed.
    followers = set(
        session.execute(
            select(col(CategoryWatch.user_id)).where(col(CategoryWatch.category_id) == category.id)
        ).scalars()
    )
    people = list(session.execute(seeing).scalars())
    return BoardExperts(seeing=people, following=[u for u in people if u.id in followers])


@dataclass(frozen=True)
class BoardExperts:
    seeing: list[User]
    following: list[User]
