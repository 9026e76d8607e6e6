"""A member's figures as every surface shows them: the leaderboard, the profile page and
the API's profile count by the same rules, so the two can never disagree.

The rules are the leaderboard's: only activity in boards the viewer can see counts (a
closed board leaks nothing, not even as a number), a solution counts while its thread is
live, a kudos while the post it was given for is visible. The kept counters on the user
row (reputation/service.py) are the totals over every board; they drive points and rank,
which are shown as they are."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from functools import cache

from sqlalchemy import (
    BindParameter,
    Executable,
    Select,
    bindparam,
    false,
    func,
    literal,
    select,
    true,
)
from sqlmodel import Session, col

from community.accounts.models import User
from community.accounts.viewer import Viewer
from community.db import read_values
from community.forum import permissions as perms
from community.forum.models import AuthorBoardPosts, Category, Post, Thread
from community.reputation.models import Kudo
from community.reputation.ranks import RankLabel, display_rank, load_ladder


def _visible_categories(viewer: Viewer) -> Select[int | None]:
    return select(col(Category.id)).where(perms.visible_categories_filter(viewer))


def solutions_and_kudos(
    session: Session,
    viewer: Viewer,
    *,
    user_ids: Iterable[int] | None = None,
    since: datetime | None = None,
    category_id: int | None = None,
) -> tuple[dict[int, int], dict[int, int]]:
    """Solutions and kudos received per member (all members, or these), in the boards the
    viewer can see, since a moment, in one board."""
    visible = _visible_categories(viewer)
    live_thread = (col(Thread.is_deleted) == false()) & (col(Thread.is_hidden) == false())
    solutions_q = (
        select(col(Thread.solution_author_id), func.count())
        .where(
            col(Thread.solution_author_id).is_not(None),
            col(Thread.category_id).in_(visible),
            live_thread,
        )
        .group_by(col(Thread.solution_author_id))
    )
    kudos_q = (
        select(col(Kudo.receiver_id), func.count())
        .where(col(Kudo.post_visible) == true(), col(Kudo.category_id).in_(visible))
        .group_by(col(Kudo.receiver_id))
    )
    if user_ids is not None:
        ids = list(user_ids)
        solutions_q = solutions_q.where(col(Thread.solution_author_id).in_(ids))
        kudos_q = kudos_q.where(col(Kudo.receiver_id).in_(ids))
    if since is not None:
        solutions_q = solutions_q.where(col(Thread.solved_at) >= since)
        kudos_q = kudos_q.where(col(Kudo.created_at) >= since)
    if category_id is not None:
        solutions_q = solutions_q.where(col(Thread.category_id) == category_id)
        kudos_q = kudos_q.where(col(Kudo.category_id) == category_id)
    solutions = {int(u): int(n) for u, n in session.execute(solutions_q).all() if u}
    kudos = {int(u): int(n) for u, n in session.execute(kudos_q).all() if u}
    return solutions, kudos


@dataclass(frozen=True)
class ProfileFigures:
    points: int
    rank: RankLabel
    solutions: int
    kudos_received: int
    kudos_given: int
    # Threads started and posts written (not deleted, not waiting for approval).
    threads: int
    posts: int


def profile_figures(session: Session, user: User, viewer: Viewer) -> ProfileFigures:
    """What a member's profile shows this viewer (web page and API alike)."""
    assert user.id is not None
    solutions, kudos = solutions_and_kudos(session, viewer, user_ids=[user.id])
    visible_threads = perms.visible_threads_filter(viewer)
    given = session.execute(
        select(func.count())
        .select_from(Kudo)
        .where(
            col(Kudo.giver_id) == user.id,
            col(Kudo.category_id).in_(_visible_categories(viewer)),
        )
    ).scalar_one()
    threads = session.execute(
        select(func.count(col(Thread.id))).where(col(Thread.author_id) == user.id, visible_threads)
    ).scalar_one()
    posts = post_counts(session, viewer, [user.id]).get(user.id, 0)
    return ProfileFigures(
        points=user.points,
        rank=display_rank(user, load_ladder(session)),
        solutions=solutions.get(user.id, 0),
        kudos_received=kudos.get(user.id, 0),
        kudos_given=int(given),
        threads=int(threads),
        posts=int(posts),
    )


def post_counts(session: Session, viewer: Viewer, user_ids: Iterable[int]) -> dict[int, int]:
    """ProfileFigures.posts for several members: the count beside posts. Members without a
    post the viewer may see are left out.

    Read from the counts kept per member and board (forum/counters.py): a moderator sees
    every post that is neither deleted nor held; anyone else the ones in live threads of
    the boards they can see, plus, as in visible_threads_filter, those in their own hidden
    threads (the one part counted here, from the viewer's few hidden threads)."""
    ids = list(user_ids)
    if not ids:
        return {}
    kind, params = perms.viewer_kind(viewer)
    statement = _post_counts_statement(kind)
    counts: dict[int, int] = {}
    for user_id, n in read_values(session, statement, {**params, "ids": ids}):
        counts[int(user_id)] = counts.get(int(user_id), 0) + int(n)
    return {u: n for u, n in counts.items() if n}


@cache
def _post_counts_statement(kind: perms.ViewerKind) -> Executable:
    """post_counts' query for a kind of viewer, built once per process (the thread page
    asks on every view); the viewer's values arrive as parameters."""
    ids: BindParameter[int] = bindparam("ids", expanding=True)
    if kind.moderator:
        return select(col(AuthorBoardPosts.user_id), col(AuthorBoardPosts.posts)).where(
            col(AuthorBoardPosts.user_id).in_(ids)
        )
    visible = select(col(Category.id)).where(perms.prepared_categories_filter(kind))
    kept = select(col(AuthorBoardPosts.user_id), col(AuthorBoardPosts.live_posts)).where(
        col(AuthorBoardPosts.user_id).in_(ids), col(AuthorBoardPosts.category_id).in_(visible)
    )
    if not kind.signed_in:
        return kept
    return kept.union_all(_own_hidden_statement(kind))


@cache
def _own_hidden_statement(kind: perms.ViewerKind) -> Select[int, int]:
    """The posts of the members (`ids`) in the viewer's own hidden threads, one row each."""
    visible = select(col(Category.id)).where(perms.prepared_categories_filter(kind))
    return (
        select(col(Post.author_id), literal(1))
        .join(Thread, col(Thread.id) == col(Post.thread_id))
        .where(
            col(Thread.author_id) == bindparam("viewer_id"),
            col(Thread.is_hidden) == true(),
            col(Thread.is_deleted) == false(),
            col(Thread.category_id).in_(visible),
            col(Post.author_id).in_(bindparam("ids", expanding=True)),
            col(Post.is_deleted) == false(),
            col(Post.is_pending) == false(),
        )
    )


def with_own_hidden(
    session: Session, viewer: Viewer, visitor_counts: Mapping[int, int], user_ids: Iterable[int]
) -> dict[int, int]:
    """post_counts for a signed-in member outside the moderation team and every closed
    group, from the counts a visitor sees (kept per process, web/threadshare.py): those plus
    the posts in the member's own hidden threads, for a member who has one."""
    ids = list(user_ids)
    kind, params = perms.viewer_kind(viewer)
    assert kind.signed_in and not kind.moderator and not kind.in_groups
    counts = dict(visitor_counts)
    for user_id, n in read_values(session, _own_hidden_statement(kind), {**params, "ids": ids}):
        counts[int(user_id)] = counts.get(int(user_id), 0) + int(n)
    return {u: n for u, n in counts.items() if n}
