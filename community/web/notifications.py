"""Pages: the notices, watch buttons, notification settings, the one-click unsubscribe
and the experts' queue of unanswered questions. Thin: the rules are in
community/notifications/."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Literal

from babel.dates import format_timedelta
from fastapi import APIRouter, Form, Path, Query, Request
from fastapi.responses import HTMLResponse, Response

from community import i18n
from community.auth import check_csrf
from community.db import MAX_ID
from community.deps import IdPath, SessionDep
from community.forum import boards as forum_boards
from community.forum import service as forum
from community.notifications import experts, preferences, texts
from community.notifications import mail as notification_mail
from community.notifications import service as notifications
from community.notifications.models import Channel, NoticeType
from community.web.deps import CsrfField, WebViewer, login_first, see_other
from community.web.pages import render

notifications_web_router = APIRouter(include_in_schema=False)

ChannelField = Annotated[Channel | None, Form()]


@notifications_web_router.get("/notifications", response_class=HTMLResponse)
def notices_page(
    request: Request,
    session: SessionDep,
    viewer: WebViewer,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
) -> Response:
    if viewer.user is None:
        return login_first("/notifications")
    page = notifications.list_notices(session, viewer, cursor=cursor)
    i18n.set_locale(i18n.pick_locale(request))
    described = texts.describe(session, viewer, page.items, i18n.gettext, i18n.current_locale())
    return render(
        request,
        "notifications.html",
        {"notices": described, "next_cursor": page.next_cursor},
    )


@notifications_web_router.get("/notifications/{notice_id}/open")
def open_notice(notice_id: IdPath, session: SessionDep, viewer: WebViewer) -> Response:
    """Marks the notice read and goes where it points."""
    if viewer.user is None:
        return login_first("/notifications")
    notice = notifications.open_notice(session, viewer, notice_id)
    [described] = texts.describe(session, viewer, [notice], i18n.gettext, "de")
    return see_other(described.path or "/notifications")


@notifications_web_router.post("/notifications/read")
def mark_read(
    request: Request,
    session: SessionDep,
    viewer: WebViewer,
    csrf_token: CsrfField,
    notice_id: Annotated[int | None, Form(ge=1, le=MAX_ID)] = None,
) -> Response:
    """One notice (notice_id) or, without it, all of them."""
    check_csrf(request, csrf_token)
    if notice_id is None:
        notifications.mark_read(session, viewer, everything=True)
        return see_other("/notifications", flash="notices_read")
    notifications.mark_read(session, viewer, [notice_id])
    return see_other("/notifications")


@notifications_web_router.post("/t/{thread_id}/watch")
def watch_thread(
    thread_id: IdPath,
    request: Request,
    session: SessionDep,
    viewer: WebViewer,
    csrf_token: CsrfField,
    action: Annotated[Literal["watch", "unwatch"], Form()] = "watch",
) -> Response:
    check_csrf(request, csrf_token)
    preferences.watch_thread(session, viewer, thread_id, action == "watch")
    thread = forum.get_thread(session, viewer, thread_id)
    done = "watching" if action == "watch" else "not_watching"
    return see_other(f"/t/{thread.id}/{thread.slug}", flash=done)


@notifications_web_router.post("/c/{slug}/watch")
def watch_board(
    slug: str,
    request: Request,
    session: SessionDep,
    viewer: WebViewer,
    csrf_token: CsrfField,
    action: Annotated[Literal["watch", "unwatch"], Form()] = "watch",
) -> Response:
    check_csrf(request, csrf_token)
    preferences.watch_category(session, viewer, slug, action == "watch")
    done = "watching_board" if action == "watch" else "not_watching_board"
    return see_other(f"/c/{slug}", flash=done)


@notifications_web_router.post("/settings/notifications")
def save_settings(
    request: Request,
    session: SessionDep,
    viewer: WebViewer,
    csrf_token: CsrfField,
    reply: ChannelField = None,
    mention: ChannelField = None,
    new_thread: ChannelField = None,
    accepted: ChannelField = None,
    solved: ChannelField = None,
    kudos: ChannelField = None,
    rank: ChannelField = None,
    unanswered: ChannelField = None,
    lead_consent: ChannelField = None,
    moderation: ChannelField = None,
    idea: ChannelField = None,
) -> Response:
    check_csrf(request, csrf_token)
    given = {
        NoticeType.reply: reply,
        NoticeType.mention: mention,
        NoticeType.new_thread: new_thread,
        NoticeType.accepted: accepted,
        NoticeType.solved: solved,
        NoticeType.kudos: kudos,
        NoticeType.rank: rank,
        NoticeType.unanswered: unanswered,
        NoticeType.lead_consent: lead_consent,
        NoticeType.moderation: moderation,
        NoticeType.idea: idea,
    }
    preferences.set_channels(session, viewer, {t: c for t, c in given.items() if c})
    return see_other("/settings#notifications", flash="settings_saved")


def _unsubscribe_page(
    request: Request, session: SessionDep, token: str, *, confirm: bool
) -> Response:
    user, type_ = notification_mail.unsubscribe(session, token, confirm=confirm)
    context = {
        "label": texts.LABELS[type_],
        "nickname": user.nickname,
        "done": confirm,
        "token": token,
    }
    # In the language of the mail whose link it is
    return render(request, "unsubscribe.html", context, locale=i18n.locale_of(user))


@notifications_web_router.get("/notifications/unsubscribe/{token}", response_class=HTMLResponse)
def unsubscribe_form(
    token: Annotated[str, Path(max_length=300)], request: Request, session: SessionDep
) -> Response:
    """Asks first: mail scanners follow links, and must not unsubscribe anyone."""
    return _unsubscribe_page(request, session, token, confirm=False)


@notifications_web_router.post("/notifications/unsubscribe/{token}", response_class=HTMLResponse)
def unsubscribe(
    token: Annotated[str, Path(max_length=300)], request: Request, session: SessionDep
) -> Response:
    """The confirm button and RFC 8058 one-click (a mail client's POST with
    List-Unsubscribe=One-Click). The signed token is the authorisation; no login, no
    CSRF token (the mail client has none)."""
    return _unsubscribe_page(request, session, token, confirm=True)


def _age(waited: timedelta) -> str:
    """How long a question has waited, in the page's language ("vor 3 Stunden")."""
    return format_timedelta(-waited, add_direction=True, locale=i18n.current_locale())


@notifications_web_router.get("/unanswered", response_class=HTMLResponse)
def unanswered_page(
    request: Request,
    session: SessionDep,
    viewer: WebViewer,
    board: Annotated[str, Query(max_length=60)] = "",
    sort: Literal["oldest", "newest"] = "oldest",
    page: Annotated[int, Query(ge=1, le=10_000)] = 1,
) -> Response:
    if viewer.user is None:
        return login_first("/unanswered")
    category = forum_boards.get_category(session, viewer, board) if board else None
    queue = experts.unanswered_queue(
        session, viewer, board=category, newest_first=sort == "newest", page=page
    )
    boards = forum_boards.list_categories(session, viewer)
    users = forum.users_by_id(session, [i.thread.author_id for i in queue.items])
    return render(
        request,
        "unanswered.html",
        {
            "queue": queue,
            "boards": boards,
            "boards_by_id": {c.id: c for c in boards},
            "users": users,
            "board": board,
            "sort": sort,
            "age": _age,
            "page_numbers": range(max(1, queue.page - 3), min(queue.pages, queue.page + 3) + 1),
        },
    )
