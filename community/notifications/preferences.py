"""What a member wants to hear of: the channel per type of notice (e-mail, notice only,
off), and the threads and boards they watch."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import ScalarSelect, bindparam, delete, select
from sqlmodel import Session, col

from community.accounts.models import User
from community.accounts.viewer import Viewer
from community.clock import utcnow
from community.db import insert_once, read_values
from community.forum import permissions as perms
from community.forum.models import Category, Thread
from community.notifications.models import (
    CategoryWatch,
    Channel,
    NoticeType,
    NotificationSetting,
    ThreadWatch,
)
from community.notifications.texts import CHANNEL_LABELS, LABELS

DEFAULTS: dict[NoticeType, Channel] = {
    NoticeType.reply: Channel.email,
    NoticeType.mention: Channel.email,
    NoticeType.new_thread: Channel.email,
    NoticeType.accepted: Channel.email,
    NoticeType.solved: Channel.email,
    NoticeType.kudos: Channel.email,  # the daily digest
    NoticeType.rank: Channel.in_app,
    NoticeType.unanswered: Channel.email,
    NoticeType.lead_consent: Channel.email,
    NoticeType.moderation: Channel.email,
    NoticeType.idea: Channel.email,
}

# ---- settings -----------------------------------------------------------------------------


def channels(session: Session, user_id: int) -> dict[NoticeType, Channel]:
    stored = session.execute(
        select(NotificationSetting).where(col(NotificationSetting.user_id) == user_id)
    ).scalars()
    out = dict(DEFAULTS)
    for row in stored:
        if row.type in NoticeType.__members__:
            out[NoticeType(row.type)] = Channel(row.channel)
    return out


def channels_of(session: Session, user_ids: Iterable[int]) -> dict[int, dict[NoticeType, Channel]]:
    ids = sorted(set(user_ids))
    out = {uid: dict(DEFAULTS) for uid in ids}
    if not ids:
        return out
    rows = session.execute(
        select(NotificationSetting).where(col(NotificationSetting.user_id).in_(ids))
    ).scalars()
    for row in rows:
        if row.type in NoticeType.__members__:
            out[row.user_id][NoticeType(row.type)] = Channel(row.channel)
    return out


def set_channels(
    session: Session, viewer: Viewer, changes: dict[NoticeType, Channel]
) -> dict[NoticeType, Channel]:
    perms.require_member(viewer)
    assert viewer.user_id is not None
    for type_, channel in changes.items():
        store_channel(session, viewer.user_id, type_, channel)
    session.flush()
    return channels(session, viewer.user_id)


def store_channel(session: Session, user_id: int, type_: NoticeType, channel: Channel) -> None:
    row = session.get(NotificationSetting, (user_id, type_.value))
    if channel == DEFAULTS[type_]:
        if row is not None:
            session.delete(row)
        return
    if row is None:
        session.add(NotificationSetting(user_id=user_id, type=type_.value, channel=channel.value))
    else:
        row.channel = channel.value
        session.add(row)


# ---- watching -----------------------------------------------------------------------------


def auto_watch(session: Session, user_id: int, thread_id: int) -> None:
    """Starting or answering a thread watches it, unless the member stopped watching it."""
    insert_once(
        session,
        ThreadWatch,
        {"user_id": user_id, "thread_id": thread_id, "watching": True, "created_at": utcnow()},
        ["user_id", "thread_id"],
        col(ThreadWatch.thread_id),
    )


def watch_thread(session: Session, viewer: Viewer, thread_id: int, watching: bool) -> bool:
    thread = perms.ensure_thread_visible(session, viewer, session.get(Thread, thread_id))
    perms.require_member(viewer)
    assert viewer.user_id is not None and thread.id is not None
    row = session.get(ThreadWatch, (viewer.user_id, thread.id))
    if row is None:
        session.add(ThreadWatch(user_id=viewer.user_id, thread_id=thread.id, watching=watching))
    else:
        row.watching = watching
        session.add(row)
    session.flush()
    return watching


def watch_category(session: Session, viewer: Viewer, slug: str, watching: bool) -> bool:
    category = session.execute(
        select(Category).where(col(Category.slug) == slug)
    ).scalar_one_or_none()
    category = perms.ensure_category_visible(session, viewer, category)
    perms.require_member(viewer)
    assert viewer.user_id is not None and category.id is not None
    if watching:
        insert_once(
            session,
            CategoryWatch,
            {"user_id": viewer.user_id, "category_id": category.id, "created_at": utcnow()},
            ["user_id", "category_id"],
            col(CategoryWatch.category_id),
        )
    else:
        session.execute(
            delete(CategoryWatch).where(
                col(CategoryWatch.user_id) == viewer.user_id,
                col(CategoryWatch.category_id) == category.id,
            )
        )
    return watching


def is_watching_thread(session: Session, viewer: Viewer, thread: Thread) -> bool:
    if viewer.user_id is None or thread.id is None:
        return False
    params = {"viewer_id": viewer.user_id, "thread_id": thread.id}
    return bool(read_values(session, _WATCHING, params).scalar_one_or_none())


# Built once per process: the thread page asks on every view of a member.
_WATCHING = select(col(ThreadWatch.watching)).where(
    col(ThreadWatch.user_id) == bindparam("viewer_id"),
    col(ThreadWatch.thread_id) == bindparam("thread_id"),
)


def watching_thread_column() -> ScalarSelect[Any]:
    """is_watching_thread as a column of a statement that reads more (parameters
    `viewer_id` and `thread_id`): NULL or false when not watching."""
    return _WATCHING.scalar_subquery()


def is_watching_category(session: Session, viewer: Viewer, category: Category) -> bool:
    if viewer.user_id is None or category.id is None:
        return False
    return session.get(CategoryWatch, (viewer.user_id, category.id)) is not None


def settings_context(user: User) -> dict[str, Any]:
    """The settings page's table: (type, label, channel) per type, and the choices."""
    from sqlalchemy.orm import object_session

    session = object_session(user)
    if not isinstance(session, Session) or user.id is None:
        return {}
    current = channels(session, user.id)
    return {
        "notification_settings": [(t.value, LABELS[t], current[t].value) for t in NoticeType],
        "notification_channels": [(c.value, label) for c, label in CHANNEL_LABELS.items()],
    }
