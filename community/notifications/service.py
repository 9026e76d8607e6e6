"""Notification rules: who is told what, through which channel, and who may still see it.

Notices are written inline, in the transaction of the write that triggers them, and a
mail is a job in that same transaction (the outbox): a rolled-back reply notifies nobody.
Each trigger has a key ("post:12", "kudos:5", ...); the unique (user, key) constraint
makes sure a member hears of one trigger once, whatever type fits best (a reply that
mentions a watcher is one "mention"). Visibility is checked when a notice is made and
again whenever it is shown or mailed: a member who left a closed board's group sees
nothing of it any more.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from typing import Any

from sqlalchemy import (
    BindParameter,
    ColumnElement,
    ScalarSelect,
    Select,
    and_,
    bindparam,
    func,
    or_,
    select,
    update,
)
from sqlmodel import Session, col

from community import i18n
from community.accounts.models import User
from community.accounts.viewer import Viewer, viewer_for
from community.clock import utcnow
from community.config import get_settings
from community.db import insert_once, read_values
from community.errors import NotFound
from community.forum import permissions as perms
from community.forum.markdown import mentioned_nicknames
from community.forum.models import Category, Post, Thread, ThreadRead
from community.jobs.service import enqueue
from community.notifications.models import (
    CategoryWatch,
    Channel,
    MailState,
    NoticeType,
    Notification,
    ThreadWatch,
)
from community.notifications.preferences import auto_watch, channels, channels_of
from community.notifications.texts import describe
from community.pagination import decode_cursor, encode_cursor
from community.reputation.models import RankChange
from community.reputation.ranks import RankLadder

MAIL_JOB = "mail.notification"
DIGEST_JOB = "mail.kudos_digest"
# Kudos mails are bundled: one mail at most per this many hours.
DIGEST_HOURS = 24
PAGE_SIZE = 30

# ---- making notices -------------------------------------------------------------------------

# When one trigger reaches a member in several ways, the most specific type wins.
_SPECIFICITY = {
    NoticeType.mention: 3,
    NoticeType.accepted: 3,
    NoticeType.solved: 2,
    NoticeType.reply: 1,
    NoticeType.new_thread: 1,
}


def _add(recipients: dict[int, NoticeType], user_id: int | None, type_: NoticeType) -> None:
    if user_id is None:
        return
    current = recipients.get(user_id)
    if current is None or _SPECIFICITY.get(type_, 0) > _SPECIFICITY.get(current, 0):
        recipients[user_id] = type_


def deliver(
    session: Session,
    recipients: dict[int, NoticeType],
    *,
    key: str,
    actor_id: int | None,
    thread: Thread | None = None,
    post: Post | None = None,
    data: dict[str, Any] | None = None,
) -> list[Notification]:
    """Write one notice per recipient who may see what it is about and has not turned
    the type off; queue the mail of those who chose e-mail."""
    recipients = {uid: t for uid, t in recipients.items() if uid != actor_id}
    if not recipients:
        return []
    users = {
        u.id: u for u in session.execute(select(User).where(col(User.id).in_(recipients))).scalars()
    }
    settings = channels_of(session, recipients)
    replied_to = [uid for uid, t in recipients.items() if t == NoticeType.reply]
    told = _reply_mail_unread(session, replied_to, thread.id) if thread and replied_to else set()
    made: list[Notification] = []
    for user_id, type_ in sorted(recipients.items()):
        user = users.get(user_id)
        channel = settings[user_id][type_]
        if user is None or not user.is_active or channel == Channel.off:
            continue
        notice = Notification(
            user_id=user_id,
            type=type_.value,
            key=key,
            actor_id=actor_id,
            thread_id=thread.id if thread else None,
            post_id=post.id if post else None,
            data=data or {},
            created_at=utcnow(),
        )
        if not can_see_notice(session, viewer_for(session, user), notice):
            continue
        # An unconfirmed address gets no mail: it may not even belong to the member.
        wants_mail = channel == Channel.email and user.is_verified and bool(user.email)
        if wants_mail and type_ == NoticeType.reply and user_id in told:
            wants_mail = False
        notice.mail_state = (MailState.pending if wants_mail else MailState.none).value
        row = insert_once(
            session, Notification, _values(notice), ["user_id", "key"], col(Notification.id)
        )
        if row is None:
            continue  # this trigger already reached this member
        notice.id = row[0]
        if wants_mail and type_ != NoticeType.kudos:
            enqueue(session, MAIL_JOB, {"notification_id": notice.id})
        made.append(notice)
    return made


def _reply_mail_unread(session: Session, user_ids: list[int], thread_id: int | None) -> set[int]:
    """Of these members, those to whom a mail about an earlier reply in this thread went
    (or is about to) and who have read neither its notice nor the thread up to it since.
    For them a new reply is a notice only: a lively thread sends one mail until the member
    looks, not one per reply (the notice list and the bell still show every one). Two
    replies at the very same moment may both be mailed; that is all."""
    last_read = (
        select(col(ThreadRead.last_read_post_id))
        .where(
            col(ThreadRead.user_id) == col(Notification.user_id),
            col(ThreadRead.thread_id) == thread_id,
        )
        .correlate(Notification)
        .scalar_subquery()
    )
    told = select(col(Notification.user_id)).where(
        col(Notification.user_id).in_(user_ids),
        col(Notification.thread_id) == thread_id,
        col(Notification.type) == NoticeType.reply.value,
        col(Notification.mail_state).in_([MailState.pending.value, MailState.sent.value]),
        col(Notification.read_at).is_(None),
        col(Notification.post_id) > func.coalesce(last_read, 0),
    )
    return set(session.execute(told.distinct()).scalars())


def _values(notice: Notification) -> dict[str, Any]:
    return {
        "user_id": notice.user_id,
        "type": notice.type,
        "key": notice.key,
        "actor_id": notice.actor_id,
        "thread_id": notice.thread_id,
        "post_id": notice.post_id,
        "data": notice.data,
        "created_at": notice.created_at,
        "read_at": None,
        "mail_state": notice.mail_state,
    }


def _mentioned(session: Session, post: Post) -> list[int]:
    names = [n.casefold() for n in mentioned_nicknames(post.body)]
    if not names:
        return []
    return list(
        session.execute(select(col(User.id)).where(col(User.nickname_key).in_(names))).scalars()
    )


def _thread_watchers(session: Session, thread_id: int) -> list[int]:
    return list(
        session.execute(
            select(col(ThreadWatch.user_id)).where(
                col(ThreadWatch.thread_id) == thread_id, col(ThreadWatch.watching)
            )
        ).scalars()
    )


def board_watchers(session: Session, category_id: int) -> list[int]:
    return list(
        session.execute(
            select(col(CategoryWatch.user_id)).where(col(CategoryWatch.category_id) == category_id)
        ).scalars()
    )


def on_thread_created(session: Session, thread: Thread, post: Post) -> None:
    _on_new_post(
        session, thread, post, board_watchers(session, thread.category_id), NoticeType.new_thread
    )


def on_reply_created(session: Session, thread: Thread, post: Post) -> None:
    assert thread.id is not None
    _on_new_post(session, thread, post, _thread_watchers(session, thread.id), NoticeType.reply)


def _on_new_post(
    session: Session, thread: Thread, post: Post, watchers: list[int], kind: NoticeType
) -> None:
    """The author now watches the thread; watchers hear of the post, and whom it mentions
    get the more specific mention."""
    assert thread.id is not None
    auto_watch(session, post.author_id, thread.id)
    recipients: dict[int, NoticeType] = {}
    for user_id in watchers:
        _add(recipients, user_id, kind)
    for user_id in _mentioned(session, post):
        _add(recipients, user_id, NoticeType.mention)
    deliver(
        session,
        recipients,
        key=f"post:{post.id}",
        actor_id=post.author_id,
        thread=thread,
        post=post,
    )


def on_post_edited(session: Session, thread: Thread, post: Post, editor_id: int | None) -> None:
    """Members newly mentioned by an edit are told; nobody hears of the same post twice."""
    recipients: dict[int, NoticeType] = {}
    for user_id in _mentioned(session, post):
        _add(recipients, user_id, NoticeType.mention)
    deliver(
        session, recipients, key=f"post:{post.id}", actor_id=editor_id, thread=thread, post=post
    )


def on_kudos(session: Session, kudo_id: int, post: Post, thread: Thread, giver_id: int) -> None:
    deliver(
        session,
        {post.author_id: NoticeType.kudos},
        key=f"kudos:{kudo_id}",
        actor_id=giver_id,
        thread=thread,
        post=post,
    )


def on_solution_accepted(
    session: Session, thread: Thread, post: Post, actor_id: int | None
) -> None:
    recipients: dict[int, NoticeType] = {}
    _add(recipients, thread.author_id, NoticeType.solved)
    _add(recipients, post.author_id, NoticeType.accepted)
    deliver(
        session,
        recipients,
        key=f"solution:{thread.id}:{post.id}",
        actor_id=actor_id,
        thread=thread,
        post=post,
    )


def on_rank_changed(session: Session, change: RankChange, ladder: RankLadder) -> None:
    """News only when points carried the member over a step (not the automatic step for
    a first post, and never a step down)."""
    steps = {s.key: s for s in ladder.steps}
    new, old = steps.get(change.new_rank), steps.get(change.old_rank)
    if new is None or (old is not None and new.min_points <= old.min_points):
        return
    made = deliver(
        session,
        {change.user_id: NoticeType.rank},
        # Reaching a rank again (after points were taken back) is no news.
        key=f"rank:{change.new_rank}",
        actor_id=None,
        data={"rank": change.new_rank},
    )
    if made:
        change.notified_at = utcnow()
        session.add(change)


def on_consent_requested(
    session: Session, lead_id: int, user_id: int, actor_id: int | None
) -> None:
    """The request is the customer's own business: it names no thread, so it stays
    visible (and its mail goes out) whatever boards the customer can see."""
    deliver(
        session,
        {user_id: NoticeType.lead_consent},
        key=f"lead:{lead_id}",
        actor_id=actor_id,
        data={"lead_id": lead_id},
    )


def on_report_closed(
    session: Session,
    report_id: int,
    reporter_id: int,
    post: Post,
    outcome: str,
    actor_id: int | None,
) -> None:
    thread = session.get(Thread, post.thread_id)
    deliver(
        session,
        {reporter_id: NoticeType.moderation},
        key=f"report:{report_id}",
        actor_id=actor_id,
        thread=thread,
        post=post,
        data={"role": "reporter", "outcome": outcome},
    )


def on_post_decided(
    session: Session,
    post: Post,
    outcome: str,
    reason: str,
    actor_id: int | None,
    decision_id: int | None,
) -> None:
    thread = session.get(Thread, post.thread_id)
    deliver(
        session,
        {post.author_id: NoticeType.moderation},
        key=f"decision:{decision_id}",
        actor_id=actor_id,
        thread=thread,
        post=post,
        data={
            "role": "author",
            "outcome": outcome,
            "reason": reason if outcome == "hidden" else "",
        },
    )


# ---- visibility -------------------------------------------------------------------------------


def can_see_notice(session: Session, viewer: Viewer, notice: Notification) -> bool:
    """A notice about a thread is shown while its reader may see the thread; a moderation
    decision (the thread may be gone) while they may see the thread's board."""
    if notice.user_id != viewer.user_id:
        return False
    if notice.thread_id is None:
        return True
    thread = session.get(Thread, notice.thread_id)
    if thread is None:
        return False
    if notice.type == NoticeType.moderation:
        category = session.get(Category, thread.category_id)
        return category is not None and perms.can_see_category(session, viewer, category)
    return perms.can_see_thread(session, viewer, thread)


def visible_notices_filter(viewer: Viewer) -> ColumnElement[bool]:
    """The list form of can_see_notice (tests/notifications check that they agree)."""
    return _notices_filter(
        viewer.user_id,
        perms.visible_categories_filter(viewer),
        perms.visible_threads_filter(viewer),
    )


def _notices_filter(
    user_id: int | BindParameter[Any] | None,
    categories_filter: ColumnElement[bool],
    threads_filter: ColumnElement[bool],
) -> ColumnElement[bool]:
    # EXISTS on the notice's own thread, not `thread_id IN (visible threads)`: under the OR,
    # PostgreSQL builds the whole IN list (every visible thread: a scan of the threads
    # table) on each call, which made every page of a member with notices cost ~100 ms of
    # database time on 100,000 threads. EXISTS looks up one thread per notice by its key.
    notice_thread = col(Thread.id) == col(Notification.thread_id)
    boards = select(col(Category.id)).where(categories_filter)
    visible_thread = select(col(Thread.id)).where(notice_thread, threads_filter).exists()
    thread_on_visible_board = (
        select(col(Thread.id)).where(notice_thread, col(Thread.category_id).in_(boards)).exists()
    )
    is_moderation = col(Notification.type) == NoticeType.moderation.value
    return and_(
        col(Notification.user_id) == user_id,
        or_(
            col(Notification.thread_id).is_(None),
            and_(~is_moderation, visible_thread),
            and_(is_moderation, thread_on_visible_board),
        ),
    )


# ---- reading ----------------------------------------------------------------------------------


def unread_count(session: Session, viewer: Viewer) -> int:
    """The header's bell on every page: its statement is built once per kind of viewer."""
    if viewer.user_id is None:
        return 0
    kind, params = perms.viewer_kind(viewer)
    return int(read_values(session, _unread_count_statement(kind), params).scalar_one())


def unread_count_column(kind: perms.ViewerKind) -> ScalarSelect[Any]:
    """unread_count as a column of a statement that reads more (viewer_kind's parameters)."""
    return _unread_count_statement(kind).scalar_subquery()


@cache
def _unread_count_statement(kind: perms.ViewerKind) -> Select[Any]:
    return (
        select(func.count())
        .select_from(Notification)
        .where(
            _notices_filter(
                bindparam("viewer_id"),
                perms.prepared_categories_filter(kind),
                perms.prepared_threads_filter(kind),
            ),
            col(Notification.read_at).is_(None),
        )
    )


@dataclass
class NoticePage:
    items: list[Notification]
    next_cursor: str | None


def list_notices(
    session: Session,
    viewer: Viewer,
    *,
    unread_only: bool = False,
    cursor: str | None = None,
    limit: int = PAGE_SIZE,
) -> NoticePage:
    perms.require_member(viewer)
    limit = max(1, min(limit, 100))
    query = select(Notification).where(visible_notices_filter(viewer))
    if unread_only:
        query = query.where(col(Notification.read_at).is_(None))
    if cursor:
        (before,) = decode_cursor(cursor, int)
        query = query.where(col(Notification.id) < before)
    rows = list(
        session.execute(query.order_by(col(Notification.id).desc()).limit(limit + 1)).scalars()
    )
    next_cursor = None
    if len(rows) > limit:
        rows = rows[:limit]
        next_cursor = encode_cursor(rows[-1].id)
    return NoticePage(rows, next_cursor)


def mark_read(
    session: Session, viewer: Viewer, ids: list[int] | None = None, *, everything: bool = False
) -> int:
    """Marks the given notices (or all) read; returns how many stay unread."""
    perms.require_member(viewer)
    if everything or ids:
        statement = update(Notification).where(
            col(Notification.user_id) == viewer.user_id, col(Notification.read_at).is_(None)
        )
        if not everything:
            statement = statement.where(col(Notification.id).in_(ids or []))
        session.execute(statement.values(read_at=utcnow()))
    return unread_count(session, viewer)


def open_notice(session: Session, viewer: Viewer, notice_id: int) -> Notification:
    perms.require_member(viewer)
    notice = session.get(Notification, notice_id)
    if notice is None or not can_see_notice(session, viewer, notice):
        raise NotFound("Diese Benachrichtigung gibt es nicht.")
    if notice.read_at is None:
        notice.read_at = utcnow()
        session.add(notice)
    return notice


# ---- data export -------------------------------------------------------------------------------


def export_for_user(session: Session, user: User) -> list[dict[str, Any]]:
    """The member's notices for their data export (GDPR Art. 15/20), as far as they may
    still see them, in their language."""
    viewer = viewer_for(session, user)
    notices = list(
        session.execute(
            select(Notification)
            .where(visible_notices_filter(viewer))
            .order_by(col(Notification.id))
        ).scalars()
    )
    locale = i18n.locale_of(user)
    described = describe(
        session, viewer, notices, i18n.translator(locale), locale, name_actors=False
    )
    base = get_settings().public_url.rstrip("/")
    return [
        {
            "type": d.notice.type,
            "text": d.text,
            "url": f"{base}{d.path}" if d.path else None,
            "created_at": d.notice.created_at.isoformat(),
            "read_at": d.notice.read_at.isoformat() if d.notice.read_at else None,
            "mail": d.notice.mail_state,
        }
        for d in described
    ]


def export_preferences_for_user(session: Session, user: User) -> dict[str, Any]:
    """Settings and watched threads and boards (only those the member can still see)."""
    assert user.id is not None
    viewer = viewer_for(session, user)
    threads = session.execute(
        select(col(ThreadWatch.thread_id), col(ThreadWatch.watching))
        .join(Thread, col(Thread.id) == col(ThreadWatch.thread_id))
        .where(col(ThreadWatch.user_id) == user.id, perms.visible_threads_filter(viewer))
        .order_by(col(ThreadWatch.thread_id))
    ).all()
    boards = session.execute(
        select(col(Category.slug))
        .join(CategoryWatch, col(CategoryWatch.category_id) == col(Category.id))
        .where(col(CategoryWatch.user_id) == user.id, perms.visible_categories_filter(viewer))
        .order_by(col(Category.slug))
    ).scalars()
    return {
        "settings": {t.value: c.value for t, c in channels(session, user.id).items()},
        "watched_threads": [{"thread_id": t, "watching": w} for t, w in threads],
        "watched_boards": list(boards),
    }


def nicknames(session: Session, user_ids: Iterable[int | None]) -> dict[int, str]:
    wanted = [i for i in set(user_ids) if i is not None]
    if not wanted:
        return {}
    rows = session.execute(
        select(col(User.id), col(User.nickname)).where(col(User.id).in_(wanted))
    ).all()
    return {int(uid): str(nickname) for uid, nickname in rows}


def public_base() -> str:
    return get_settings().public_url.rstrip("/")
