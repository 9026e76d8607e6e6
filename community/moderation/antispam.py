"""Anti-spam limits on what members post and on registrations.

Every member waits an interval between replies and between new threads; new members
(an account younger than COMMUNITY_NEW_MEMBER_HOURS, or an unverified address) wait
longer, may put only a few links in a post and start only a few threads on their first
day; nobody posts the same text twice within a few minutes. Staff (the staff flag,
moderators, admins) are exempt from the intervals and the new-member limits.

The intervals and registrations are counted by the `limits` library
(community/ratelimit.py), so app processes sharing Redis share them. The first-day cap
and the duplicate check read the member's own posts instead: the rows are the exact
record, shared by every process, and a refused or rolled-back post never counts.

Everything here is checked before anything is written, and the interval is only used up
once every other rule has passed, so a refused post neither saves nor costs anything; a
post whose transaction fails afterwards (a 500, a database fault) gives its hit back.
"""

from __future__ import annotations

import logging
import math
import unicodedata
from datetime import UTC, datetime, timedelta

from limits import RateLimitItemPerSecond
from limits.errors import StorageError
from markdown_it import MarkdownIt
from sqlalchemy import event, func, select
from sqlalchemy.orm import Session as OrmSession
from sqlalchemy.orm import SessionTransaction
from sqlmodel import Session, col

from community.accounts.models import User
from community.clock import utcnow
from community.config import get_settings
from community.errors import TooManyRequests
from community.forum.models import Post, Thread
from community.i18n import N_, Formatted
from community.ratelimit import check, hit, limiter

log = logging.getLogger(__name__)

# The renderer's grammar plus linkify: a bare www.example.com is not turned into a link on
# the page, but a reader can still copy it, so it counts like a Markdown link.
_link_finder = MarkdownIt("commonmark", {"html": False, "linkify": True}).enable(
    ["linkify", "table", "strikethrough"]
)


def count_links(source: str) -> int:
    """Links in a post's Markdown: [text](url), <url>, bare addresses; not those in code."""
    return sum(
        1
        for token in _link_finder.parse(source)
        for child in token.children or ()
        if child.type == "link_open"
    )


def normalise(text: str) -> str:
    """The text as a duplicate check compares it: case, width and spacing do not matter."""
    return " ".join(unicodedata.normalize("NFKC", text).casefold().split())


def is_exempt(user: User) -> bool:
    return user.is_staff or user.is_moderator


def _aware(at: datetime) -> datetime:
    return at if at.tzinfo else at.replace(tzinfo=UTC)  # SQLite hands back naive UTC


def is_new_member(user: User, now: datetime | None = None) -> bool:
    now = now or utcnow()
    hours = timedelta(hours=get_settings().new_member_hours)
    return not user.is_verified or now - _aware(user.created_at) < hours


def _seconds_until(at: datetime, now: datetime) -> int:
    return max(1, math.ceil((at - now).total_seconds()))


def _new_member_until(user: User, now: datetime) -> int:
    """Retry-After for a new-member limit: when the account stops being new."""
    hours = timedelta(hours=get_settings().new_member_hours)
    return _seconds_until(_aware(user.created_at) + hours, now)


# ---- the rules ---------------------------------------------------------------------------


def _check_links(user: User, body: str, now: datetime) -> None:
    most = get_settings().new_member_max_links
    if count_links(body) > most:
        raise TooManyRequests(
            Formatted(
                N_("Neue Mitglieder dürfen höchstens %(most)s Links in einen Beitrag setzen."),
                most=most,
            ),
            retry_after=_new_member_until(user, now),
            code="too_many_links",
        )


def _check_duplicate(session: Session, user: User, body: str, now: datetime) -> None:
    window = get_settings().duplicate_window_seconds
    if window <= 0:
        return
    since = now - timedelta(seconds=window)
    recent = session.execute(
        select(col(Post.body), col(Post.created_at)).where(
            col(Post.author_id) == user.id, col(Post.created_at) >= since
        )
    ).all()
    text = normalise(body)
    for earlier_body, written_at in recent:
        if normalise(earlier_body) == text:
            raise TooManyRequests(
                "Diesen Text haben Sie gerade schon einmal veröffentlicht.",
                retry_after=_seconds_until(_aware(written_at) + timedelta(seconds=window), now),
                code="duplicate_post",
            )


def _check_first_day_threads(session: Session, user: User, now: datetime) -> None:
    settings = get_settings()
    window = timedelta(hours=settings.new_member_hours)
    started = session.execute(
        select(func.count(), func.min(col(Thread.created_at))).where(
            col(Thread.author_id) == user.id, col(Thread.created_at) >= now - window
        )
    ).one()
    count, oldest = started
    most = settings.new_member_first_day_threads
    if count >= most:
        # Free again when the oldest of them ages out, or sooner when the account stops
        # being new (unverified accounts stay new, whatever their age).
        until = _aware(oldest or now) + window
        if user.is_verified:
            until = min(until, _aware(user.created_at) + window)
        raise TooManyRequests(
            Formatted(
                N_("Neue Mitglieder können am ersten Tag höchstens %(most)s Themen eröffnen."),
                most=most,
            ),
            retry_after=_seconds_until(until, now),
            code="first_day_thread_limit",
        )


def _interval_message(kind: str, seconds: int) -> str:
    # Formatted, not an f-string: the limits are settings, and the message is translated.
    if kind == "thread":
        message = N_("Bitte warten Sie: Zwischen zwei neuen Themen müssen %(seconds)s s liegen.")
    else:
        message = N_("Bitte warten Sie: Zwischen zwei Beiträgen müssen %(seconds)s s liegen.")
    return Formatted(message, seconds=seconds)


def _check_and_use_interval(session: Session, user: User, kind: str, new: bool) -> None:
    settings = get_settings()
    if kind == "thread":
        seconds = (
            settings.new_member_thread_interval_seconds if new else settings.thread_interval_seconds
        )
    else:
        seconds = (
            settings.new_member_reply_interval_seconds if new else settings.reply_interval_seconds
        )
    if seconds <= 0:
        return
    # One post per `seconds` in a moving window: the next is allowed `seconds` after the last.
    item = RateLimitItemPerSecond(1, seconds)
    key = ("post-interval", kind, str(user.id))
    try:
        wait = limiter().hit(item, *key)
    except StorageError:
        # Spam protection must not take posting down with it while Redis is away.
        log.warning("posting interval not checked: the rate-limit storage is unreachable")
        return
    if wait is not None:
        raise TooManyRequests(
            _interval_message(kind, seconds), retry_after=wait, code="posting_too_fast"
        )
    # Only a saved post uses the interval up: should the transaction fail later on (a
    # database fault, a bug), the hit is taken back.
    session.info.setdefault(_UNDO_ON_ROLLBACK, []).append((item, key))


_UNDO_ON_ROLLBACK = "antispam.undo_on_rollback"


@event.listens_for(OrmSession, "after_commit")
def _post_saved(session: OrmSession) -> None:
    session.info.pop(_UNDO_ON_ROLLBACK, None)


@event.listens_for(OrmSession, "after_soft_rollback")
def _post_not_saved(session: OrmSession, previous_transaction: SessionTransaction) -> None:
    if previous_transaction.parent is not None:
        return  # a savepoint: the post may still be saved
    for item, key in session.info.pop(_UNDO_ON_ROLLBACK, []):
        try:
            limiter().clear(item, *key)
        except StorageError:
            log.warning("posting interval not given back: the rate-limit storage is unreachable")


def _check_post(session: Session, user: User, body: str, kind: str) -> None:
    if not get_settings().antispam_enabled:
        return
    now = utcnow()
    _check_duplicate(session, user, body, now)
    if is_exempt(user):
        return
    new = is_new_member(user, now)
    if new:
        _check_links(user, body, now)
        if kind == "thread":
            _check_first_day_threads(session, user, now)
    # Last: the interval is used up only by a post that is going to be saved.
    _check_and_use_interval(session, user, kind, new)


def check_new_thread(session: Session, user: User, body: str) -> None:
    """Refuse (429) a new thread that breaks a limit; call before anything is written."""
    _check_post(session, user, body, "thread")


def check_new_reply(session: Session, user: User, body: str) -> None:
    """Refuse (429) a reply that breaks a limit; call before anything is written."""
    _check_post(session, user, body, "reply")


def check_edit(user: User, body: str) -> None:
    """Edits wait for no interval, but a new member cannot edit links in either."""
    if not get_settings().antispam_enabled or is_exempt(user):
        return
    now = utcnow()
    if is_new_member(user, now):
        _check_links(user, body, now)


REGISTRATIONS_USED_UP = N_(
    "Von Ihrer Internetverbindung aus wurden gerade zu viele Konten registriert. "
    "Bitte versuchen Sie es später erneut."
)


def check_registration(ip: str) -> None:
    """Registrations per IP address (COMMUNITY_REGISTER_RATE); the API and the form count
    together. Always on, like the login limit: the switch covers posting only. Only a
    registration that went through counts (`count_registration`): a few typos, or an
    office behind one address, must not use the limit up."""
    check(get_settings().register_rate, "register", ip, message=REGISTRATIONS_USED_UP)


def count_registration(ip: str) -> None:
    hit(get_settings().register_rate, "register", ip, message=REGISTRATIONS_USED_UP)
