"""/api/v1 notifications, their settings, watching threads and boards, the experts' queue."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from community import i18n
from community.accounts.viewer import Viewer
from community.deps import IdPath, SessionDep, ViewerDep
from community.forum import permissions as perms
from community.forum import present
from community.forum.schemas import ThreadsPublic
from community.notifications import experts, preferences, texts
from community.notifications import service as notifications
from community.notifications.schemas import (
    NoticePublic,
    NoticesPublic,
    NoticesRead,
    NotificationSettings,
    NotificationSettingsUpdate,
    UnreadCount,
    WatchState,
)

router = APIRouter(tags=["notifications"])


def _notices(session: SessionDep, viewer: Viewer, page: notifications.NoticePage) -> NoticesPublic:
    assert viewer.user is not None
    locale = i18n.locale_of(viewer.user)
    gettext = i18n.translator(locale)
    described = texts.describe(session, viewer, page.items, gettext, locale)
    actors = {d.notice.actor_id for d in described}
    nicknames = notifications.nicknames(session, actors)
    base = notifications.public_base()
    return NoticesPublic(
        items=[
            NoticePublic(
                id=d.notice.id or 0,
                type=d.notice.type,  # type: ignore[arg-type]
                text=d.text,
                url=f"{base}{d.path}" if d.path else None,
                actor=nicknames.get(d.notice.actor_id) if d.notice.actor_id else None,
                thread_id=d.notice.thread_id if d.path else None,
                post_id=d.notice.post_id if d.path else None,
                created_at=d.notice.created_at,
                read_at=d.notice.read_at,
            )
            for d in described
        ],
        unread_count=notifications.unread_count(session, viewer),
        next_cursor=page.next_cursor,
    )


@router.get("/me/notifications")
def list_notifications(
    session: SessionDep,
    viewer: ViewerDep,
    unread: bool = False,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 30,
) -> NoticesPublic:
    """Newest first; only what the member may (still) see."""
    page = notifications.list_notices(
        session, viewer, unread_only=unread, cursor=cursor, limit=limit
    )
    return _notices(session, viewer, page)


@router.post("/me/notifications/read", name="mark_notifications_read")
def mark_read(data: NoticesRead, session: SessionDep, viewer: ViewerDep) -> UnreadCount:
    count = notifications.mark_read(session, viewer, data.ids, everything=data.all)
    return UnreadCount(unread_count=count)


@router.get("/me/notification-settings", name="get_notification_settings")
def get_settings(session: SessionDep, viewer: ViewerDep) -> NotificationSettings:
    perms.require_member(viewer)
    assert viewer.user_id is not None
    return NotificationSettings.of(preferences.channels(session, viewer.user_id))


@router.put("/me/notification-settings", name="put_notification_settings")
def put_settings(
    data: NotificationSettingsUpdate, session: SessionDep, viewer: ViewerDep
) -> NotificationSettings:
    return NotificationSettings.of(preferences.set_channels(session, viewer, data.changes()))


@router.put("/threads/{thread_id}/watch")
def watch_thread(thread_id: IdPath, session: SessionDep, viewer: ViewerDep) -> WatchState:
    return WatchState(watching=preferences.watch_thread(session, viewer, thread_id, True))


@router.delete("/threads/{thread_id}/watch")
def unwatch_thread(thread_id: IdPath, session: SessionDep, viewer: ViewerDep) -> WatchState:
    return WatchState(watching=preferences.watch_thread(session, viewer, thread_id, False))


@router.put("/categories/{slug}/watch")
def watch_category(slug: str, session: SessionDep, viewer: ViewerDep) -> WatchState:
    return WatchState(watching=preferences.watch_category(session, viewer, slug, True))


@router.delete("/categories/{slug}/watch")
def unwatch_category(slug: str, session: SessionDep, viewer: ViewerDep) -> WatchState:
    return WatchState(watching=preferences.watch_category(session, viewer, slug, False))


@router.get("/unanswered", name="list_unanswered")
def unanswered(
    session: SessionDep, viewer: ViewerDep, limit: Annotated[int, Query(ge=1, le=200)] = 100
) -> ThreadsPublic:
    """For experts and staff: questions without a reply for longer than their board's
    limit (COMMUNITY_UNANSWERED_HOURS, or the board's own), the longest waiting first."""
    threads = experts.unanswered(session, viewer, limit=limit)
    return ThreadsPublic(items=present.threads_public(session, viewer, threads), next_cursor=None)
