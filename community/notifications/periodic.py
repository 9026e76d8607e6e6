"""The worker's periodic round (community/jobs/worker.py `tick`): work that no write
triggers, only the passing of time."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import and_, func, select, update
from sqlmodel import Session, col

from community.accounts.models import User
from community.clock import utcnow
from community.config import get_settings
from community.forum.models import Thread
from community.jobs.service import enqueue
from community.notifications.experts import hours_by_board, is_expert, waiting
from community.notifications.models import MailState, NoticeType, Notification
from community.notifications.service import DIGEST_HOURS, DIGEST_JOB, board_watchers, deliver


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


def notify_unanswered(session: Session) -> int:
    """Tell the experts following a board, once, of each question left unanswered too long."""
    now = utcnow()
    hours = hours_by_board(session)
    due = list(
        session.execute(
            select(Thread)
            .where(waiting(now, hours), col(Thread.unanswered_notified_at).is_(None))
            .order_by(col(Thread.id))
            .limit(500)
        ).scalars()
    )
    told = 0
    for thread in due:
        # Compare-and-set: of two workers ticking at once, only one tells the experts.
        claimed = session.execute(
            update(Thread)
            .where(col(Thread.id) == thread.id, col(Thread.unanswered_notified_at).is_(None))
            .values(unanswered_notified_at=now)
        )
        if not claimed.rowcount:  # type: ignore[attr-defined]
            continue
        watchers = board_watchers(session, thread.category_id)
        experts = [
            u.id
            for u in session.execute(select(User).where(col(User.id).in_(watchers))).scalars()
            if u.id is not None and is_expert(u) and u.id != thread.author_id
        ]
        deliver(
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


def tick(session: Session) -> None:
    """The worker's periodic round (community/jobs/worker.py)."""
    notify_unanswered(session)
    queue_kudos_digests(session)
