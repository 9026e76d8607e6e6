"""Reports and moderation decisions. Every decision closes the open reports on its post,
tells each reporter the outcome (a mail job) and writes an audit entry, all in the
caller's transaction."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from sqlalchemy import case, func, select, update
from sqlmodel import Session, col

from community.accounts import security
from community.accounts.models import Role, User
from community.accounts.viewer import Viewer
from community.clock import utcnow
from community.config import get_settings
from community.db import insert_once
from community.errors import Conflict, Forbidden, InvalidInput, NotFound
from community.faq import service as faq
from community.faq.models import FaqEntry
from community.forum import counters as forum_counters
from community.forum import permissions as perms
from community.forum import service as forum
from community.forum.models import Category, CategoryGroup, Post, Thread
from community.ideas.models import Idea
from community.indexing import service as indexing
from community.jobs.service import enqueue
from community.moderation import audit
from community.moderation.models import AuditEntry, Report, ReportReason
from community.notifications import service as notifications
from community.ratelimit import hit
from community.reputation.models import Kudo

OUTCOME_MAIL_JOB = "mail.report_outcome"
CONFIRM_MAIL_JOB = "mail.report_contact"
REASON_MAX = 200
SUSPEND_MAX_DAYS = 3650


# ---- reports ---------------------------------------------------------------------------------


def report_post(
    session: Session,
    viewer: Viewer,
    post_id: int,
    *,
    reason: ReportReason,
    comment: str,
    contact_email: str | None = None,
    client_ip: str | None = None,
) -> Report:
    """Members report anything; visitors only unlawful content, and must leave an address
    for the answer (DSA Art. 16). Visitors' reports are limited per address and per post,
    and their contact address is confirmed by a link before it is mailed the decision."""
    post, _thread = forum.get_post(session, viewer, post_id)
    if viewer.user is None:
        if reason != ReportReason.unlawful:
            raise Forbidden(
                "Ohne Anmeldung können Sie nur rechtswidrige Inhalte melden.",
                code="login_required_for_reason",
            )
        if not contact_email:
            raise InvalidInput("Bitte geben Sie eine E-Mail-Adresse für die Rückmeldung an.")
        contact_email = contact_email.strip().lower()
        duplicate = col(Report.contact_email) == contact_email
        settings = get_settings()
        hit(settings.visitor_report_rate, "visitor-report", client_ip or "unknown")
        hit(settings.visitor_report_post_rate, "visitor-report-post", str(post.id))
    else:
        perms.require_member(viewer)
        contact_email = None
        duplicate = col(Report.reporter_id) == viewer.user_id
    if session.execute(
        select(Report.id).where(col(Report.post_id) == post.id, duplicate)  # type: ignore[call-overload]
    ).first():
        raise Conflict("Sie haben diesen Beitrag bereits gemeldet.", code="already_reported")
    assert post.id is not None
    values = {
        "post_id": post.id,
        "reporter_id": viewer.user_id,
        "contact_email": contact_email,
        "reason": reason.value,
        "comment": comment.strip(),
        "status": "open",
        "created_at": utcnow(),
    }
    # A report racing this one loses to the unique constraints, and the request's
    # transaction stays usable for the 409.
    added = insert_once(session, Report, values, None, col(Report.id))
    if added is None:
        raise Conflict("Sie haben diesen Beitrag bereits gemeldet.", code="already_reported")
    report = session.get(Report, added[0])
    assert report is not None
    if contact_email:
        raw = security.new_token()
        report.contact_token_hash = security.token_hash(raw)
        session.add(report)
        enqueue(session, CONFIRM_MAIL_JOB, {"report_id": report.id, "token": raw})
    return report


def confirm_report_contact(session: Session, raw_token: str) -> Report:
    """The visitor followed the link: the decision may now be mailed to the address."""
    report = session.execute(
        select(Report).where(col(Report.contact_token_hash) == security.token_hash(raw_token))
    ).scalar_one_or_none()
    if report is None:
        raise InvalidInput("Der Link ist ungültig oder abgelaufen.", code="invalid_token")
    if report.contact_confirmed_at is None:
        report.contact_confirmed_at = utcnow()
        session.add(report)
    return report


@dataclass
class QueueItem:
    post: Post
    thread: Thread
    author: User
    reports: list[Report]
    author_post_count: int
    author_hidden_count: int
    earlier_decisions: list[Any] = field(default_factory=list)


def queue(session: Session, viewer: Viewer, *, limit: int = 50) -> list[QueueItem]:
    """Open reports grouped by post, the post reported longest ago first. A fixed number of
    queries however long the page: posts, reports, authors' counts and their earlier
    decisions are each loaded for the whole page at once."""
    perms.require_moderator(viewer)
    oldest = func.min(Report.created_at)
    post_ids = list(
        session.execute(
            select(col(Report.post_id))
            .where(col(Report.status) == "open")
            .group_by(col(Report.post_id))
            .order_by(oldest, col(Report.post_id))
            .limit(limit)
        ).scalars()
    )
    if not post_ids:
        return []
    rows = session.execute(
        select(Post, Thread, User)
        .join(Thread, col(Thread.id) == col(Post.thread_id))
        .join(User, col(User.id) == col(Post.author_id))
        .where(col(Post.id).in_(post_ids))
    ).all()
    loaded = {post.id: (post, thread, author) for post, thread, author in rows}
    reports: dict[int, list[Report]] = {}
    for report in session.execute(
        select(Report)
        .where(col(Report.post_id).in_(post_ids), col(Report.status) == "open")
        .order_by(col(Report.created_at), col(Report.id))
    ).scalars():
        reports.setdefault(report.post_id, []).append(report)
    author_ids = {author.id for _post, _thread, author in rows if author.id is not None}
    counts = {
        author_id: (total, hidden)
        for author_id, total, hidden in session.execute(
            select(col(Post.author_id), func.count(), func.count().filter(col(Post.is_hidden)))
            .where(col(Post.author_id).in_(author_ids), ~col(Post.is_pending))
            .group_by(col(Post.author_id))
        ).all()
    }
    decisions = _earlier_decisions(session, author_ids)
    items: list[QueueItem] = []
    for post_id in post_ids:
        # A post is never deleted from the table (deleting only flags it); the guard
        # keeps a page whole should one vanish between the two queries.
        if post_id not in loaded:
            continue
        post, thread, author = loaded[post_id]
        total, hidden = counts.get(author.id, (0, 0))  # type: ignore[arg-type]
        items.append(
            QueueItem(
                post=post,
                thread=thread,
                author=author,
                reports=reports.get(post_id, []),
                author_post_count=total,
                author_hidden_count=hidden,
                earlier_decisions=decisions.get(author.id, []),  # type: ignore[arg-type]
            )
        )
    return items


_DECISIONS_PER_AUTHOR = 10


def _earlier_decisions(session: Session, author_ids: set[int]) -> dict[int, list[AuditEntry]]:
    """The newest decisions on each author's posts or account, at most ten per author."""
    if not author_ids:
        return {}
    subject = case(
        (col(AuditEntry.target_type) == "user", col(AuditEntry.target_id)),
        else_=col(Post.author_id),
    ).label("subject")
    ranked = (
        select(
            col(AuditEntry.id).label("entry_id"),
            subject,
            func.row_number()
            .over(partition_by=subject, order_by=col(AuditEntry.id).desc())
            .label("nth"),
        )
        .select_from(AuditEntry)
        .outerjoin(
            Post,
            (col(AuditEntry.target_type) == "post") & (col(Post.id) == col(AuditEntry.target_id)),
        )
        .where(
            col(AuditEntry.target_type).in_(["post", "user"]),
            subject.in_(author_ids),
        )
        .subquery()
    )
    found: dict[int, list[AuditEntry]] = {}
    for entry, author_id in session.execute(
        select(AuditEntry, ranked.c.subject)
        .join(ranked, ranked.c.entry_id == col(AuditEntry.id))
        .where(ranked.c.nth <= _DECISIONS_PER_AUTHOR)
        .order_by(col(AuditEntry.id).desc())
    ).all():
        found.setdefault(author_id, []).append(entry)
    return found


def _close_reports(
    session: Session, post_id: int, outcome: str, actor_id: int | None = None
) -> None:
    reports = list(
        session.execute(
            select(Report).where(col(Report.post_id) == post_id, col(Report.status) == "open")
        ).scalars()
    )
    now = utcnow()
    for report in reports:
        report.status = "closed"
        report.closed_at = now
        report.outcome = outcome
        session.add(report)
        if report.reporter_id is not None:
            # A member hears of it as a notice, mailed as their settings say.
            post = session.get(Post, post_id)
            assert post is not None and report.id is not None
            notifications.on_report_closed(
                session, report.id, report.reporter_id, post, outcome, actor_id
            )
            continue
        # The payload names the report; the worker reads the address, so none sits in jobs.
        enqueue(session, OUTCOME_MAIL_JOB, {"report_id": report.id})
    session.flush()


def moderated_post(session: Session, viewer: Viewer, post_id: int) -> tuple[Post, Thread]:
    perms.require_moderator(viewer)
    post = session.get(Post, post_id)
    if post is None:
        raise NotFound("Diesen Beitrag gibt es nicht.")
    thread = session.get(Thread, post.thread_id)
    assert thread is not None
    return post, thread


def _state(post: Post, thread: Thread) -> dict[str, Any]:
    return {
        "post_hidden": post.is_hidden,
        "post_deleted": post.is_deleted,
        "hidden_reason": post.hidden_reason,
        "thread_hidden": thread.is_hidden,
        "thread_deleted": thread.is_deleted,
    }


def clean_reason(reason: str) -> str:
    reason = reason.strip()
    if not reason:
        raise InvalidInput("Bitte geben Sie einen Grund an.")
    if len(reason) > REASON_MAX:
        raise InvalidInput("Der Grund darf höchstens 200 Zeichen lang sein.")
    return reason


def record_decision(
    session: Session,
    viewer: Viewer,
    post: Post,
    thread: Thread,
    outcome: str,
    action: str,
    reason: str,
    before: dict[str, Any],
    *,
    after: dict[str, Any] | None = None,
    target: tuple[str, int | None] | None = None,
) -> None:
    """Every decision on a post closes its reports (telling the reporters) and is audited
    (on the post, or on its thread for a decision about the thread)."""
    assert post.id is not None
    _close_reports(session, post.id, outcome, viewer.user_id)
    after = after if after is not None else _state(post, thread)
    if after == before:
        # Hidden again as it was (a second click, two moderators at once): the reports are
        # closed, but no entry says nothing changed, and the author is not told twice.
        return
    target_type, target_id = target or ("post", post.id)
    entry = audit.record(
        session,
        viewer,
        action,
        target_type,
        target_id,
        reason=reason,
        before=before,
        after=after,
    )
    notifications.on_post_decided(session, post, outcome, reason, viewer.user_id, entry.id)


def _not_pending(post: Post) -> None:
    if post.is_pending and not post.is_deleted:
        raise Conflict(
            "Dieser Beitrag wartet auf Freigabe: bitte freigeben oder ablehnen.",
            code="post_pending",
        )


def hide_post(session: Session, viewer: Viewer, post_id: int, reason: str) -> Post:
    """The post keeps its place; the thread shows that the moderation hid it, and why.
    Hiding the opening post hides the thread."""
    post, thread = moderated_post(session, viewer, post_id)
    _not_pending(post)
    reason = clean_reason(reason)
    before = _state(post, thread)
    forum.set_post_visibility(
        session, viewer, thread, post, forum.Visibility.hide, hidden_reason=reason
    )
    record_decision(session, viewer, post, thread, "hidden", "post.hide", reason, before)
    return post


def restore_post(session: Session, viewer: Viewer, post_id: int, reason: str = "") -> Post:
    """Undo a hide or a delete: the text, its kudos and the counters come back."""
    post, thread = moderated_post(session, viewer, post_id)
    _not_pending(post)
    before = _state(post, thread)
    forum.set_post_visibility(session, viewer, thread, post, forum.Visibility.restore)
    record_decision(
        session, viewer, post, thread, "restored", "post.restore", reason.strip(), before
    )
    return post


def delete_post(session: Session, viewer: Viewer, post_id: int, reason: str) -> Post:
    post, thread = moderated_post(session, viewer, post_id)
    reason = clean_reason(reason)
    before = _state(post, thread)
    if not post.is_deleted:
        forum.delete_post(session, viewer, post_id)
    session.refresh(post)
    session.refresh(thread)
    record_decision(session, viewer, post, thread, "deleted", "post.delete", reason, before)
    return post


def dismiss_reports(session: Session, viewer: Viewer, post_id: int, reason: str = "") -> Post:
    """The post stays as it is: the reports are closed with that outcome."""
    post, _thread = moderated_post(session, viewer, post_id)
    assert post.id is not None
    _close_reports(session, post.id, "dismissed", viewer.user_id)
    audit.record(session, viewer, "reports.dismiss", "post", post.id, reason=reason.strip())
    return post


def set_locked(
    session: Session, viewer: Viewer, thread_id: int, locked: bool, reason: str = ""
) -> Thread:
    perms.require_moderator(viewer)
    thread = forum.get_thread(session, viewer, thread_id)
    before = {"is_locked": thread.is_locked}
    forum.set_locked(session, viewer, thread_id, locked)
    audit.record(
        session,
        viewer,
        "thread.lock" if locked else "thread.unlock",
        "thread",
        thread.id,
        reason=reason.strip(),
        before=before,
        after={"is_locked": locked},
    )
    return thread


def move_thread(
    session: Session, viewer: Viewer, thread_id: int, category_slug: str, reason: str = ""
) -> Thread:
    """Counters of both boards follow; the FAQ entry follows the thread and leaves the
    public FAQ when the new board is closed."""
    perms.require_moderator(viewer)
    thread = forum.get_thread(session, viewer, thread_id)
    target = session.execute(
        select(Category).where(col(Category.slug) == category_slug)
    ).scalar_one_or_none()
    if target is None:
        raise NotFound("Diesen Bereich gibt es nicht.")
    old = thread.category_id
    if old == target.id:
        return thread
    assert target.id is not None
    thread.category_id = target.id
    session.add(thread)
    session.execute(
        update(FaqEntry).where(col(FaqEntry.thread_id) == thread.id).values(category_id=target.id)
    )
    session.execute(
        update(Idea).where(col(Idea.thread_id) == thread.id).values(category_id=target.id)
    )
    # Kudos carry their board so the leaderboard can count only boards a viewer sees;
    # left behind, a thread moved into a closed board would keep its kudos in public.
    session.execute(
        update(Kudo)
        .where(col(Kudo.post_id).in_(select(col(Post.id)).where(col(Post.thread_id) == thread.id)))
        .values(category_id=target.id)
    )
    session.flush()
    if session.execute(
        select(CategoryGroup.group_id).where(col(CategoryGroup.category_id) == target.id)  # type: ignore[call-overload]
    ).first():
        faq.on_board_closed(session, target.id)
    forum_counters.recompute_category(session, old)
    forum_counters.recompute_category(session, target.id)
    forum_counters.recount_posts(session, thread, also_category_ids=[old])
    indexing.thread_changed(session, thread.id)
    audit.record(
        session,
        viewer,
        "thread.move",
        "thread",
        thread.id,
        reason=reason.strip(),
        before={"category_id": old},
        after={"category_id": target.id},
    )
    return thread


def _target_user(session: Session, viewer: Viewer, nickname: str) -> User:
    perms.require_moderator(viewer)
    user = session.execute(
        select(User).where(col(User.nickname_key) == nickname.casefold())
    ).scalar_one_or_none()
    if user is None:
        raise NotFound("Dieses Mitglied gibt es nicht.")
    if user.role in (Role.moderator, Role.admin) and not viewer.is_admin:
        raise Forbidden("Moderatoren sperrt nur ein Administrator.")
    if user.id == viewer.user_id:
        raise Conflict("Sie können sich nicht selbst sperren.", code="self")
    return user


def _user_state(user: User) -> dict[str, Any]:
    until = user.suspended_until
    return {"is_active": user.is_active, "suspended_until": until.isoformat() if until else None}


def suspend_user(
    session: Session, viewer: Viewer, nickname: str, *, days: int, reason: str
) -> User:
    if not 1 <= days <= SUSPEND_MAX_DAYS:
        raise InvalidInput("Eine Sperre dauert 1 bis 3650 Tage.")
    user = _target_user(session, viewer, nickname)
    reason = clean_reason(reason)
    before = _user_state(user)
    user.suspended_until = utcnow() + timedelta(days=days)
    session.add(user)
    session.flush()
    audit.record(
        session,
        viewer,
        "user.suspend",
        "user",
        user.id,
        reason=reason,
        before=before,
        after=_user_state(user),
    )
    return user


def ban_user(session: Session, viewer: Viewer, nickname: str, *, reason: str) -> User:
    user = _target_user(session, viewer, nickname)
    reason = clean_reason(reason)
    before = _user_state(user)
    user.is_active = False
    session.add(user)
    session.flush()
    audit.record(
        session,
        viewer,
        "user.ban",
        "user",
        user.id,
        reason=reason,
        before=before,
        after=_user_state(user),
    )
    return user


def unsuspend_user(session: Session, viewer: Viewer, nickname: str, *, reason: str = "") -> User:
    user = _target_user(session, viewer, nickname)
    before = _user_state(user)
    user.is_active = True
    user.suspended_until = None
    session.add(user)
    session.flush()
    audit.record(
        session,
        viewer,
        "user.unsuspend",
        "user",
        user.id,
        reason=reason.strip(),
        before=before,
        after=_user_state(user),
    )
    return user


def decisions_about(session: Session, viewer: Viewer, user_id: int) -> list[AuditEntry]:
    """The newest decisions on a member's posts or account (the queue shows the same)."""
    perms.require_moderator(viewer)
    return _earlier_decisions(session, {user_id}).get(user_id, [])
