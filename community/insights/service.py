"""Figures for moderators and admins, and the askers' satisfaction ratings.

Definitions (docs/insights.md says the same for the people reading the dashboard):

- A *question of the period* is a thread of kind question, neither hidden nor deleted,
  created in [start, end). Solution rate, times and the staff share are about these.
- *First reply*: the earliest visible reply by someone other than the asker, whenever it
  came. *Time to solution*: until `solved_at` of the accepted answer.
- *Answered by staff*: the accepted solution's author is staff; a question without one
  counts by the author of its first reply. Staff are company employees (the staff flag),
  moderators and admins — as they are now, not when they wrote.
- *Unanswered* is a snapshot, not bound to the period: open questions (no accepted
  solution, no visible reply by anyone but the asker) older than COMMUNITY_UNANSWERED_HOURS.
- *Active members*: distinct authors of visible posts (questions and replies) in the period.
- Hidden and deleted posts and threads count nowhere; kudos on them neither.

Only boards the viewer may see are counted (the list filter of community/forum/permissions);
moderators and admins see closed boards, so their figures include them.
"""

from __future__ import annotations

import math
import statistics
from bisect import bisect_left
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import case, exists, false, func, or_, select, true
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import Session, col

from community import clock
from community.accounts.models import Role, User
from community.accounts.viewer import Viewer
from community.config import get_settings
from community.errors import InvalidInput
from community.forum import permissions as perms
from community.forum.models import Category, CategoryGroup, Post, Thread, ThreadKind
from community.insights.models import SatisfactionRating
from community.insights.schemas import (
    BoardFigures,
    Durations,
    Helper,
    HistogramBucket,
    Period,
    Satisfaction,
    StatsPublic,
    TimelinePoint,
)
from community.insights.sqltime import epoch_seconds, hours_between, whole
from community.reputation.models import Kudo

# ---- the period ------------------------------------------------------------------------------

_PRESET_DAYS = {Period.week: 7, Period.month: 30, Period.quarter: 91, Period.year: 365}
# Up to a month the charts show days, beyond that weeks.
_DAILY_UP_TO = timedelta(days=31)
_LONGEST_CUSTOM = timedelta(days=3 * 366)
_EARLIEST = date(2000, 1, 1)


@dataclass(frozen=True)
class Window:
    period: Period
    start: datetime
    end: datetime

    @property
    def bucket(self) -> str:
        return "day" if self.end - self.start <= _DAILY_UP_TO else "week"

    @property
    def bucket_width(self) -> timedelta:
        return timedelta(days=1 if self.bucket == "day" else 7)

    def bucket_starts(self) -> list[datetime]:
        width = self.bucket_width
        count = math.ceil((self.end - self.start) / width)
        return [self.start + i * width for i in range(count)]


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)


def resolve_window(period: Period, start: date | None = None, end: date | None = None) -> Window:
    """Whole days in UTC: a preset is the last N calendar days, today included; `custom`
    runs from the start date's midnight to the end of the end date."""
    today = clock.utcnow().date()
    if period != Period.custom:
        first_day = today - timedelta(days=_PRESET_DAYS[period] - 1)
        return Window(period, _midnight(first_day), _midnight(today + timedelta(days=1)))
    if start is None or end is None:
        raise InvalidInput(
            "Für einen eigenen Zeitraum braucht es Anfangs- und Enddatum.", code="invalid_period"
        )
    if end < start:
        raise InvalidInput("Das Enddatum liegt vor dem Anfangsdatum.", code="invalid_period")
    if start < _EARLIEST or end > today + timedelta(days=1):
        raise InvalidInput("Dieser Zeitraum liegt außerhalb der Daten.", code="invalid_period")
    if end - start > _LONGEST_CUSTOM:
        raise InvalidInput(
            "Der Zeitraum darf höchstens drei Jahre lang sein.", code="invalid_period"
        )
    return Window(period, _midnight(start), _midnight(end + timedelta(days=1)))


# ---- small helpers ---------------------------------------------------------------------------


def live_thread() -> list:  # type: ignore[type-arg]
    return [col(Thread.is_deleted) == false(), col(Thread.is_hidden) == false()]


def _live_post(post: type[Post] = Post) -> list:  # type: ignore[type-arg]
    return [col(post.is_deleted) == false(), col(post.is_hidden) == false()]


def _is_staff(user: type[User]) -> ColumnElement[bool]:
    """Staff as the leaderboard counts them: the staff flag, moderators and admins."""
    return or_(
        col(user.is_staff) == true(), col(user.role).in_([Role.moderator.value, Role.admin.value])
    )


def _p90(ordered: list[float]) -> float:
    """Nearest rank: the smallest duration that 90 % of the questions did not exceed."""
    return ordered[math.ceil(0.9 * len(ordered)) - 1]


def _durations(values: list[float]) -> Durations:
    ordered = sorted(values)
    median = statistics.median(ordered) if ordered else None
    p90 = _p90(ordered) if ordered else None
    return Durations(
        count=len(values),
        median_hours=None if median is None else round(median, 2),
        p90_hours=None if p90 is None else round(p90, 2),
    )


def _share(part: int, whole_: int) -> float | None:
    return round(part / whole_, 4) if whole_ else None


# Time to first reply, in hours: [min, max).
HISTOGRAM = (
    ("lt1h", 0.0, 1.0),
    ("1-4h", 1.0, 4.0),
    ("4-8h", 4.0, 8.0),
    ("8-24h", 8.0, 24.0),
    ("1-3d", 24.0, 72.0),
    ("3-7d", 72.0, 168.0),
    ("gt7d", 168.0, None),
)


@dataclass
class _Tally:
    """What is gathered per board before it becomes BoardFigures."""

    questions: int = 0
    solved: int = 0
    first_reply: list[float] = field(default_factory=list)
    solution: list[float] = field(default_factory=list)
    answered: int = 0
    by_staff: int = 0
    unanswered: int = 0
    members: set[int] = field(default_factory=set)
    kudos: int = 0
    ratings: int = 0
    rating_sum: int = 0

    def add(self, other: _Tally) -> None:
        self.questions += other.questions
        self.solved += other.solved
        self.first_reply += other.first_reply
        self.solution += other.solution
        self.answered += other.answered
        self.by_staff += other.by_staff
        self.unanswered += other.unanswered
        self.members |= other.members
        self.kudos += other.kudos
        self.ratings += other.ratings
        self.rating_sum += other.rating_sum

    def figures(self, board: str | None, name: str | None, closed: bool) -> BoardFigures:
        return BoardFigures(
            board=board,
            name=name,
            closed=closed,
            questions=self.questions,
            solved=self.solved,
            solution_rate=_share(self.solved, self.questions),
            first_reply=_durations(self.first_reply),
            solution=_durations(self.solution),
            answered=self.answered,
            answered_by_staff=self.by_staff,
            staff_share=_share(self.by_staff, self.answered),
            community_share=_share(self.answered - self.by_staff, self.answered),
            unanswered=self.unanswered,
            active_members=len(self.members),
            kudos_given=self.kudos,
            satisfaction=Satisfaction(
                count=self.ratings,
                average=round(self.rating_sum / self.ratings, 2) if self.ratings else None,
            ),
        )


# ---- the dashboard ---------------------------------------------------------------------------


@dataclass(frozen=True)
class _Board:
    id: int
    slug: str
    name: str
    closed: bool


@dataclass(frozen=True)
class _Scope:
    """The boards counted. When they are all there are, no filter is added: a list of every
    board id would only keep the database from reading the tables in their own order."""

    ids: list[int]
    everything: bool

    def where(self, board_column: Any) -> ColumnElement[bool]:
        return true() if self.everything else col(board_column).in_(self.ids)


def boards_in_view(session: Session, viewer: Viewer, category: Category | None) -> list[_Board]:
    closed = exists().where(col(CategoryGroup.category_id) == col(Category.id))
    query = (
        select(col(Category.id), col(Category.slug), col(Category.name), closed)
        .where(perms.visible_categories_filter(viewer))
        .order_by(col(Category.position), col(Category.name))
    )
    if category is not None:
        query = query.where(col(Category.id) == category.id)
    return [_Board(*row) for row in session.execute(query).all()]


def scope_of(session: Session, boards: list[_Board], category: Category | None) -> _Scope:
    ids = [b.id for b in boards]
    if category is not None:
        return _Scope(ids, everything=False)
    total = session.execute(select(func.count()).select_from(Category)).scalar_one()
    return _Scope(ids, everything=len(ids) == total)


def dashboard(
    session: Session, viewer: Viewer, window: Window, *, category: Category | None = None
) -> StatsPublic:
    """All figures of the period for every board the viewer may see (or the one chosen)."""
    perms.require_moderator(viewer)
    boards = boards_in_view(session, viewer, category)
    scope = scope_of(session, boards, category)
    # A board created while this runs is not in `tallies`; its rows are skipped below.
    tallies: dict[int, _Tally] = {b.id: _Tally() for b in boards}
    buckets = window.bucket_starts()
    timeline = [[0, 0] for _ in buckets]

    in_period = [
        col(Thread.kind) == ThreadKind.question.value,
        col(Thread.created_at) >= window.start,
        col(Thread.created_at) < window.end,
        scope.where(Thread.category_id),
        *live_thread(),
    ]

    start_epoch = window.start.timestamp()
    width = window.bucket_width.total_seconds()
    bucket = whole((epoch_seconds(Thread.created_at) - start_epoch) / width)

    # Per question: hours to the first reply and to the solution, and who answered.
    # Percentiles need the single durations; four narrow columns per question. The first
    # reply's time and author come from the index on posts, never from the post rows.
    def first_reply(column: Any) -> Any:
        return (
            select(column)
            .where(
                col(Post.thread_id) == col(Thread.id),
                col(Post.author_id) != col(Thread.author_id),
                col(Post.is_opening) == false(),
                *_live_post(),
            )
            .order_by(col(Post.created_at), col(Post.id))
            .limit(1)
            .correlate(Thread)
            .scalar_subquery()
        )

    def staff(user_id: Any) -> Any:
        return select(_is_staff(User)).where(col(User.id) == user_id).scalar_subquery()

    # A CASE of subqueries: the first reply's author is looked up only without a solution.
    answered_by_staff = case(
        (col(Thread.solution_author_id).is_not(None), staff(col(Thread.solution_author_id))),
        else_=staff(first_reply(col(Post.author_id))),
    )
    # Through the connection: plain rows, without the ORM's per-row bookkeeping.
    rows = (
        session.connection()
        .execute(
            select(
                col(Thread.category_id),
                bucket,
                col(Thread.solution_post_id).is_not(None),
                hours_between(first_reply(col(Post.created_at)), Thread.created_at),
                hours_between(Thread.solved_at, Thread.created_at),
                answered_by_staff,
            ).where(*in_period)
        )
        .all()
    )
    # One pass over the period's questions: counts per board and time bucket too.
    for board_id, index, solved, to_reply, to_solution, by_staff in rows:
        tally = tallies.get(board_id)
        if tally is None:
            continue
        tally.questions += 1
        tally.solved += bool(solved)
        if 0 <= index < len(timeline):
            timeline[index][0] += 1
            timeline[index][1] += bool(solved)
        if to_reply is not None:
            tally.first_reply.append(to_reply)
        if to_solution is not None:
            tally.solution.append(to_solution)
        if to_reply is not None or to_solution is not None:
            tally.answered += 1
            if by_staff:
                tally.by_staff += 1

    now = clock.utcnow()
    _count_unanswered(session, scope, now, tallies)
    _count_members(session, scope, window, tallies)
    _count_kudos(session, scope, window, tallies)
    _count_ratings(session, scope, window, tallies)

    overall = _Tally()
    for tally in tallies.values():
        overall.add(tally)
    overall.first_reply.sort()
    return StatsPublic(
        period=window.period,
        start=window.start,
        end=window.end,
        bucket="day" if window.bucket == "day" else "week",
        unanswered_hours=get_settings().unanswered_hours,
        generated_at=now,
        overall=overall.figures(None, None, False),
        boards=[tallies[b.id].figures(b.slug, b.name, b.closed) for b in boards],
        timeline=[
            TimelinePoint(start=s, questions=q, solved=n, solution_rate=_share(n, q))
            for s, (q, n) in zip(buckets, timeline, strict=True)
        ],
        first_reply_histogram=_histogram(overall.first_reply, overall.questions),
        top_helpers=_top_helpers(session, scope, window),
    )


def _histogram(ordered: list[float], questions: int) -> list[HistogramBucket]:
    """Counts per HISTOGRAM bucket from the sorted durations; `none`: no reply yet."""
    buckets = []
    for i, (key, low, high) in enumerate(HISTOGRAM):
        upper = len(ordered) if high is None else bisect_left(ordered, high)
        # The first bucket also takes a reply stamped before its question (clock skew).
        lower = 0 if i == 0 else bisect_left(ordered, low)
        count = upper - lower
        buckets.append(HistogramBucket(key=key, min_hours=low, max_hours=high, count=count))
    none = questions - len(ordered)
    buckets.append(HistogramBucket(key="none", min_hours=None, max_hours=None, count=none))
    return buckets


def _count_unanswered(
    session: Session, scope: _Scope, now: datetime, tallies: dict[int, _Tally]
) -> None:
    # Selecting the id (not *) lets SQLite answer from the index alone.
    reply_by_other = (
        select(col(Post.id))
        .where(
            col(Post.thread_id) == col(Thread.id),
            col(Post.author_id) != col(Thread.author_id),
            col(Post.is_opening) == false(),
            *_live_post(),
        )
        .exists()
    )
    older_than = now - timedelta(hours=get_settings().unanswered_hours)
    rows = session.execute(
        select(col(Thread.category_id), func.count())
        .where(
            col(Thread.kind) == ThreadKind.question.value,
            scope.where(Thread.category_id),
            col(Thread.solution_post_id).is_(None),
            col(Thread.created_at) < older_than,
            *live_thread(),
            ~reply_by_other,
        )
        .group_by(col(Thread.category_id))
    ).all()
    for board_id, count in rows:
        if board_id in tallies:
            tallies[board_id].unanswered = count


def _count_members(
    session: Session, scope: _Scope, window: Window, tallies: dict[int, _Tally]
) -> None:
    # Distinct (board, author) pairs: few rows, and the overall figure is their union.
    rows = session.execute(
        select(col(Thread.category_id), col(Post.author_id))
        .join(Thread, col(Thread.id) == col(Post.thread_id))
        .where(
            col(Post.created_at) >= window.start,
            col(Post.created_at) < window.end,
            scope.where(Thread.category_id),
            *_live_post(),
            *live_thread(),
        )
        .distinct()
    ).all()
    for board_id, author_id in rows:
        if board_id in tallies:
            tallies[board_id].members.add(author_id)


def _count_kudos(
    session: Session, scope: _Scope, window: Window, tallies: dict[int, _Tally]
) -> None:
    rows = session.execute(
        select(col(Kudo.category_id), func.count())
        .where(
            scope.where(Kudo.category_id),
            col(Kudo.created_at) >= window.start,
            col(Kudo.created_at) < window.end,
            col(Kudo.post_visible) == true(),
        )
        .group_by(col(Kudo.category_id))
    ).all()
    for board_id, count in rows:
        if board_id in tallies:
            tallies[board_id].kudos = count


def _count_ratings(
    session: Session, scope: _Scope, window: Window, tallies: dict[int, _Tally]
) -> None:
    rows = session.execute(
        select(col(Thread.category_id), func.count(), func.sum(col(SatisfactionRating.rating)))
        .join(Thread, col(Thread.id) == col(SatisfactionRating.thread_id))
        .where(
            col(SatisfactionRating.created_at) >= window.start,
            col(SatisfactionRating.created_at) < window.end,
            scope.where(Thread.category_id),
            *live_thread(),
        )
        .group_by(col(Thread.category_id))
    ).all()
    for board_id, count, total in rows:
        if board_id in tallies:
            tallies[board_id].ratings = count
            tallies[board_id].rating_sum = int(total or 0)


def _top_helpers(session: Session, scope: _Scope, window: Window, limit: int = 10) -> list[Helper]:
    """Accepted solutions (by when they were accepted) and kudos received in the period;
    ranked like the leaderboard: solutions first, then kudos. Staff included, marked."""
    solutions = dict(
        session.execute(
            select(col(Thread.solution_author_id), func.count())
            .where(
                col(Thread.solution_author_id).is_not(None),
                col(Thread.solved_at) >= window.start,
                col(Thread.solved_at) < window.end,
                scope.where(Thread.category_id),
                *live_thread(),
            )
            .group_by(col(Thread.solution_author_id))
        ).all()
    )
    # Grouped by receiver along ix_kudos_receiver_created, without sorting 10,000s of rows.
    kudos = dict(
        session.execute(
            select(col(Kudo.receiver_id), func.count())
            .where(
                scope.where(Kudo.category_id),
                col(Kudo.created_at) >= window.start,
                col(Kudo.created_at) < window.end,
                col(Kudo.post_visible) == true(),
            )
            .group_by(col(Kudo.receiver_id))
        ).all()
    )
    people = set(solutions) | set(kudos)
    if not people:
        return []
    users = {
        uid: (nickname, key, bool(staff))
        for uid, nickname, key, staff in session.execute(
            select(col(User.id), col(User.nickname), col(User.nickname_key), _is_staff(User)).where(
                col(User.id).in_(people)
            )
        ).all()
    }
    ranked = sorted(
        (uid for uid in people if uid in users),
        key=lambda uid: (-solutions.get(uid, 0), -kudos.get(uid, 0), users[uid][1]),
    )
    return [
        Helper(
            nickname=users[uid][0],
            solutions=solutions.get(uid, 0),
            kudos=kudos.get(uid, 0),
            is_staff=users[uid][2],
        )
        for uid in ranked[:limit]
    ]
