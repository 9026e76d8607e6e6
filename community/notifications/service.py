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

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, delete, false, func, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col

from community.accounts.models import Role, User
from community.accounts.viewer import Viewer, viewer_for
from community.clock import utcnow
from community.config import get_settings
from community.db import is_postgres
from community.errors import Forbidden, NotFound
from community.forum import permissions as perms
from community.forum.markdown import mentioned_nicknames
from community.forum.models import Category, Post, Thread, ThreadKind
from community.jobs.service import enqueue
from community.notifications.models import (
    CategoryWatch,
    Channel,
    MailState,
    NoticeType,
    Notification,
    NotificationSetting,
    ThreadWatch,
)
from community.pagination import decode_cursor, encode_cursor
from community.reputation.models import RankChange
from community.reputation.ranks import RankLadder, load_ladder
from community.web.i18n import N_

MAIL_JOB = "mail.notification"
DIGEST_JOB = "mail.kudos_digest"
# Kudos mails are bundled: one mail at most per this many hours.
DIGEST_HOURS = 24
PAGE_SIZE = 30

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
}

LABELS: dict[NoticeType, str] = {
    NoticeType.reply: N_("Antworten in beobachteten Themen"),
    NoticeType.mention: N_("Erwähnungen (@Spitzname)"),
    NoticeType.new_thread: N_("Neue Themen in beobachteten Bereichen"),
    NoticeType.accepted: N_("Ihre Antwort wurde als Lösung akzeptiert"),
    NoticeType.solved: N_("Ihre Frage wurde gelöst"),
    NoticeType.kudos: N_("Kudos (E-Mail als tägliche Zusammenfassung)"),
    NoticeType.rank: N_("Neuer Rang"),
    NoticeType.unanswered: N_("Unbeantwortete Fragen in gefolgten Bereichen (Experten)"),
    NoticeType.lead_consent: N_("Anfragen zur Kontaktaufnahme durch den Vertrieb"),
    NoticeType.moderation: N_("Entscheidungen der Moderation"),
}
CHANNEL_LABELS: dict[Channel, str] = {
    Channel.email: N_("Benachrichtigung und E-Mail"),
    Channel.in_app: N_("Nur Benachrichtigung"),
    Channel.off: N_("Aus"),
}


def is_expert(user: User | None) -> bool:
    """Who answers for the company: experts, moderators, admins and employees."""
    if user is None or not user.is_active:
        return False
    return user.is_staff or user.role in (Role.expert, Role.moderator, Role.admin)


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


def _channels_of(session: Session, user_ids: Iterable[int]) -> dict[int, dict[NoticeType, Channel]]:
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


def _insert(
    session: Session, model: Any, values: dict[str, Any], keys: list[str], returning: Any
) -> Any:
    """INSERT .. ON CONFLICT DO NOTHING on both databases; RETURNING tells reliably on
    both whether this statement added the row (None: it was there already)."""
    insert = postgresql.insert if is_postgres(session) else sqlite.insert
    statement = insert(model).values(**values).on_conflict_do_nothing(index_elements=keys)
    return session.execute(statement.returning(returning)).first()


def _auto_watch(session: Session, user_id: int, thread_id: int) -> None:
    """Starting or answering a thread watches it, unless the member stopped watching it."""
    _insert(
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
        _insert(
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
    row = session.get(ThreadWatch, (viewer.user_id, thread.id))
    return row is not None and row.watching


def is_watching_category(session: Session, viewer: Viewer, category: Category) -> bool:
    if viewer.user_id is None or category.id is None:
        return False
    return session.get(CategoryWatch, (viewer.user_id, category.id)) is not None


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


def _deliver(
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
    settings = _channels_of(session, recipients)
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
        notice.mail_state = (MailState.pending if wants_mail else MailState.none).value
        row = _insert(
            session, Notification, _values(notice), ["user_id", "key"], col(Notification.id)
        )
        if row is None:
            continue  # this trigger already reached this member
        notice.id = row[0]
        if wants_mail and type_ != NoticeType.kudos:
            enqueue(session, MAIL_JOB, {"notification_id": notice.id})
        made.append(notice)
    return made


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


def _board_watchers(session: Session, category_id: int) -> list[int]:
    return list(
        session.execute(
            select(col(CategoryWatch.user_id)).where(col(CategoryWatch.category_id) == category_id)
        ).scalars()
    )


def on_thread_created(session: Session, thread: Thread, post: Post) -> None:
    assert thread.id is not None
    _auto_watch(session, thread.author_id, thread.id)
    recipients: dict[int, NoticeType] = {}
    for user_id in _board_watchers(session, thread.category_id):
        _add(recipients, user_id, NoticeType.new_thread)
    for user_id in _mentioned(session, post):
        _add(recipients, user_id, NoticeType.mention)
    _deliver(
        session,
        recipients,
        key=f"post:{post.id}",
        actor_id=post.author_id,
        thread=thread,
        post=post,
    )


def on_reply_created(session: Session, thread: Thread, post: Post) -> None:
    assert thread.id is not None
    _auto_watch(session, post.author_id, thread.id)
    recipients: dict[int, NoticeType] = {}
    for user_id in _thread_watchers(session, thread.id):
        _add(recipients, user_id, NoticeType.reply)
    for user_id in _mentioned(session, post):
        _add(recipients, user_id, NoticeType.mention)
    _deliver(
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
    _deliver(
        session, recipients, key=f"post:{post.id}", actor_id=editor_id, thread=thread, post=post
    )


def on_kudos(session: Session, kudo_id: int, post: Post, thread: Thread, giver_id: int) -> None:
    _deliver(
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
    _deliver(
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
    made = _deliver(
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
    _deliver(
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
    _deliver(
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
    _deliver(
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
    threads = select(col(Thread.id)).where(perms.visible_threads_filter(viewer))
    boards = select(col(Category.id)).where(perms.visible_categories_filter(viewer))
    threads_on_visible_boards = select(col(Thread.id)).where(col(Thread.category_id).in_(boards))
    is_moderation = col(Notification.type) == NoticeType.moderation.value
    return and_(
        col(Notification.user_id) == viewer.user_id,
        or_(
            col(Notification.thread_id).is_(None),
            and_(~is_moderation, col(Notification.thread_id).in_(threads)),
            and_(is_moderation, col(Notification.thread_id).in_(threads_on_visible_boards)),
        ),
    )


# ---- reading ----------------------------------------------------------------------------------


def unread_count(session: Session, viewer: Viewer) -> int:
    if viewer.user_id is None:
        return 0
    return int(
        session.execute(
            select(func.count())
            .select_from(Notification)
            .where(visible_notices_filter(viewer), col(Notification.read_at).is_(None))
        ).scalar_one()
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


# ---- describing a notice (page, API and mail share the words) ------------------------------

_TEXTS: dict[str, str] = {
    NoticeType.reply: N_("{actor} hat im Thema „{title}“ geantwortet."),
    NoticeType.mention: N_("{actor} hat Sie im Thema „{title}“ erwähnt."),
    NoticeType.new_thread: N_(
        "{actor} hat im Bereich „{board}“ ein neues Thema eröffnet: „{title}“."
    ),
    NoticeType.accepted: N_("Ihre Antwort im Thema „{title}“ wurde als Lösung akzeptiert."),
    NoticeType.solved: N_("{actor} hat eine Antwort auf Ihre Frage „{title}“ als Lösung markiert."),
    NoticeType.kudos: N_("{actor} hat Ihnen Kudos für Ihren Beitrag im Thema „{title}“ gegeben."),
    NoticeType.rank: N_("Glückwunsch! Sie haben den Rang „{rank}“ erreicht."),
    NoticeType.unanswered: N_(
        "Die Frage „{title}“ im Bereich „{board}“ wartet seit {hours} Stunden auf eine Antwort."
    ),
    NoticeType.lead_consent: N_(
        "Unser Team fragt, ob der Vertrieb Sie kontaktieren darf. Ohne Ihre Zustimmung geben "
        "wir nichts an den Vertrieb weiter."
    ),
    "moderation.reporter": N_(
        "Ihre Meldung zu einem Beitrag im Thema „{title}“ wurde bearbeitet. {outcome}"
    ),
    "moderation.author": N_(
        "Die Moderation hat über Ihren Beitrag im Thema „{title}“ entschieden. {outcome}"
    ),
}
_SUBJECTS: dict[str, str] = {
    NoticeType.reply: N_("Neue Antwort: {title}"),
    NoticeType.mention: N_("Sie wurden erwähnt: {title}"),
    NoticeType.new_thread: N_("Neues Thema: {title}"),
    NoticeType.accepted: N_("Ihre Antwort ist die Lösung"),
    NoticeType.solved: N_("Ihre Frage wurde gelöst"),
    NoticeType.kudos: N_("Sie haben Kudos erhalten"),
    NoticeType.rank: N_("Ihr neuer Rang: {rank}"),
    NoticeType.unanswered: N_("Unbeantwortete Frage: {title}"),
    NoticeType.lead_consent: N_("Möchten Sie vom Vertrieb kontaktiert werden?"),
    "moderation.reporter": N_("Ihre Meldung wurde bearbeitet"),
    "moderation.author": N_("Entscheidung der Moderation zu Ihrem Beitrag"),
}
_OUTCOMES = {
    "hidden": N_("Der Beitrag wurde ausgeblendet."),
    "deleted": N_("Der Beitrag wurde gelöscht."),
    "restored": N_("Der Beitrag ist wieder sichtbar."),
    "dismissed": N_(
        "Wir haben den Beitrag geprüft und keinen Verstoß festgestellt; er bleibt sichtbar."
    ),
}
_REASON = N_("Grund: {reason}")
_SOMEONE = N_("Jemand")


@dataclass
class Described:
    notice: Notification
    subject: str
    text: str
    # A path on this site, or None when there is nothing (left) to open.
    path: str | None


@dataclass
class _Context:
    actors: dict[int, User]
    threads: dict[int, Thread]
    boards: dict[int, Category]
    users: dict[int, User]
    ladder: RankLadder


def _context(session: Session, notices: list[Notification]) -> _Context:
    user_ids = {n.actor_id for n in notices} | {n.user_id for n in notices}
    people = {
        u.id: u
        for u in session.execute(
            select(User).where(col(User.id).in_([i for i in user_ids if i is not None]))
        ).scalars()
        if u.id is not None
    }
    thread_ids = [n.thread_id for n in notices if n.thread_id is not None]
    threads = {
        t.id: t
        for t in session.execute(select(Thread).where(col(Thread.id).in_(thread_ids))).scalars()
        if t.id is not None
    }
    board_ids = {t.category_id for t in threads.values()}
    boards = {
        c.id: c
        for c in session.execute(select(Category).where(col(Category.id).in_(board_ids))).scalars()
        if c.id is not None
    }
    return _Context(people, threads, boards, people, load_ladder(session))


def _thread_path(thread: Thread, post_id: int | None) -> str:
    path = f"/t/{thread.id}/{thread.slug}"
    return f"{path}#post-{post_id}" if post_id else path


def describe(
    session: Session,
    viewer: Viewer,
    notices: list[Notification],
    gettext: Callable[[str], str],
    locale: str,
) -> list[Described]:
    """Words and link of each notice, in the reader's language. The caller has already
    checked that the reader may see them (visible_notices_filter / can_see_notice)."""
    context = _context(session, notices)
    out = []
    for notice in notices:
        out.append(_describe_one(session, viewer, notice, context, gettext, locale))
    return out


def _describe_one(
    session: Session,
    viewer: Viewer,
    notice: Notification,
    context: _Context,
    gettext: Callable[[str], str],
    locale: str,
) -> Described:
    actor = context.actors.get(notice.actor_id) if notice.actor_id else None
    thread = context.threads.get(notice.thread_id) if notice.thread_id else None
    board = context.boards.get(thread.category_id) if thread else None
    data = notice.data or {}
    rank_key = str(data.get("rank", ""))
    step = next((s for s in context.ladder.steps if s.key == rank_key), None)
    rank = (step.name_en if locale == "en" else step.name_de) if step else rank_key
    outcome = gettext(_OUTCOMES[data["outcome"]]) if data.get("outcome") in _OUTCOMES else ""
    if data.get("reason"):
        outcome = f"{outcome} {gettext(_REASON).format(reason=data['reason'])}"
    values = {
        "actor": actor.nickname if actor else gettext(_SOMEONE),
        "title": thread.title if thread else "",
        "board": board.name if board else "",
        "rank": rank,
        "hours": data.get("hours", ""),
        "outcome": outcome,
    }
    kind = notice.type
    if kind == NoticeType.moderation:
        kind = f"moderation.{data.get('role', 'author')}"
    text = gettext(_TEXTS.get(kind, "{title}")).format(**values)
    subject = gettext(_SUBJECTS.get(kind, "{title}")).format(**values)
    path: str | None = None
    if notice.type == NoticeType.rank:
        owner = context.users.get(notice.user_id)
        path = f"/u/{owner.nickname}" if owner else None
    elif notice.type == NoticeType.lead_consent:
        path = f"/leads/{data.get('lead_id')}"
    elif thread is not None and perms.can_see_thread(session, viewer, thread):
        path = _thread_path(thread, notice.post_id)
    return Described(notice, subject, text.strip(), path)


# ---- experts: unanswered questions -----------------------------------------------------------


def _unanswered_hours(category: Category) -> int:
    return category.unanswered_after_hours or get_settings().unanswered_hours


def _waiting(now: datetime, hours_by_board: dict[int, int]) -> ColumnElement[bool]:
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


def _hours_by_board(session: Session) -> dict[int, int]:
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
        .where(_waiting(utcnow(), _hours_by_board(session)))
        .order_by(col(Thread.created_at), col(Thread.id))
        .limit(limit)
    )
    return list(session.execute(query).scalars())


def notify_unanswered(session: Session) -> int:
    """Tell the experts following a board, once, of each question left unanswered too long."""
    now = utcnow()
    hours = _hours_by_board(session)
    waiting = list(
        session.execute(
            select(Thread)
            .where(_waiting(now, hours), col(Thread.unanswered_notified_at).is_(None))
            .order_by(col(Thread.id))
            .limit(500)
        ).scalars()
    )
    told = 0
    for thread in waiting:
        # Compare-and-set: of two workers ticking at once, only one tells the experts.
        claimed = session.execute(
            update(Thread)
            .where(col(Thread.id) == thread.id, col(Thread.unanswered_notified_at).is_(None))
            .values(unanswered_notified_at=now)
        )
        if not claimed.rowcount:  # type: ignore[attr-defined]
            continue
        watchers = _board_watchers(session, thread.category_id)
        experts = [
            u.id
            for u in session.execute(select(User).where(col(User.id).in_(watchers))).scalars()
            if u.id is not None and is_expert(u) and u.id != thread.author_id
        ]
        _deliver(
            session,
            dict.fromkeys(experts, NoticeType.unanswered),
            key=f"unanswered:{thread.id}",
            actor_id=thread.author_id,
            thread=thread,
            data={"hours": hours.get(thread.category_id, get_settings().unanswered_hours)},
        )
        told += 1
    session.flush()
    return told


# ---- the kudos digest --------------------------------------------------------------------------


def queue_kudos_digests(session: Session) -> int:
    """Kudos notices wait for the daily digest: once the oldest waiting one of a member is
    DIGEST_HOURS old, all of theirs go into one mail. So a member gets at most one kudos
    mail in DIGEST_HOURS, and every kudos is in one."""
    cutoff = utcnow() - timedelta(hours=DIGEST_HOURS)
    pending = and_(
        col(Notification.type) == NoticeType.kudos.value,
        col(Notification.mail_state) == MailState.pending.value,
    )
    due = list(
        session.execute(
            select(col(Notification.user_id))
            .where(pending)
            .group_by(col(Notification.user_id))
            .having(func.min(col(Notification.created_at)) <= cutoff)
        ).scalars()
    )
    queued = 0
    for user_id in due:
        ids = list(
            session.execute(
                select(col(Notification.id)).where(pending, col(Notification.user_id) == user_id)
            ).scalars()
        )
        taken = session.execute(
            update(Notification)
            .where(col(Notification.id).in_(ids), pending)
            .values(mail_state=MailState.digest.value)
        )
        if taken.rowcount:  # type: ignore[attr-defined]
            enqueue(session, DIGEST_JOB, {"user_id": user_id, "notification_ids": ids})
            queued += 1
    return queued


def tick(session: Session) -> None:
    """The worker's periodic round (community/jobs/worker.py)."""
    notify_unanswered(session)
    queue_kudos_digests(session)


# ---- data export -------------------------------------------------------------------------------


def export_for_user(session: Session, user: User) -> list[dict[str, Any]]:
    """The member's notices for their data export (GDPR Art. 15/20), as far as they may
    still see them, in their language."""
    from community.web.i18n import translations

    viewer = viewer_for(session, user)
    notices = list(
        session.execute(
            select(Notification)
            .where(visible_notices_filter(viewer))
            .order_by(col(Notification.id))
        ).scalars()
    )
    locale = user.locale if user.locale in ("de", "en") else "de"
    described = describe(session, viewer, notices, translations(locale).gettext, locale)
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
