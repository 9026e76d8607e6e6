"""A member's public profile: the figures and the recent posts, the same for the API and the
pages. Figures by the leaderboard's rules (figures.py); posts only from boards the viewer
can see, so a closed board's activity leaks nothing."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from sqlalchemy import false, select
from sqlmodel import Session, col

from community.accounts import service as accounts
from community.accounts.models import User
from community.accounts.viewer import Viewer
from community.errors import NotFound
from community.forum import permissions as perms
from community.forum.models import Post, Thread
from community.reputation.figures import ProfileFigures, profile_figures
from community.reputation.ranks import RankLabel, display_rank, load_ladder


@dataclass(frozen=True)
class MemberProfile:
    user: User
    rank: RankLabel
    figures: ProfileFigures
    recent_posts: list[tuple[Post, Thread]] = field(default_factory=list)


def _recent_posts(
    session: Session, viewer: Viewer, user: User, limit: int
) -> list[tuple[Post, Thread]]:
    rows = session.execute(
        select(Post, Thread)
        .join(Thread, col(Thread.id) == col(Post.thread_id))
        .where(
            col(Post.author_id) == user.id,
            col(Post.is_deleted) == false(),
            col(Post.is_hidden) == false(),
            perms.visible_threads_filter(viewer),
        )
        # Newest first by date: ids follow insertion, not the date (imports, seeded content).
        .order_by(col(Post.created_at).desc(), col(Post.id).desc())
        .limit(limit)
    ).all()
    return [(p, t) for p, t in rows]


def member_profile(
    session: Session, viewer: Viewer, nickname: str, *, recent: int = 0
) -> MemberProfile:
    """404 for an unknown nickname and an erased account (its pseudonym has no profile that
    would gather its posts, rank and joining date again); `recent` posts newest first."""
    user = accounts.get_user_by_nickname(session, nickname)
    if user.erased_at is not None:
        raise NotFound("Dieses Mitglied gibt es nicht.")
    figures = profile_figures(session, user, viewer)
    return MemberProfile(
        user=user,
        rank=figures.rank,
        figures=figures,
        recent_posts=_recent_posts(session, viewer, user, recent) if recent else [],
    )


def rank_labels(session: Session, users: Mapping[int, User]) -> dict[int, RankLabel]:
    """Rank names beside the nicknames of a page (thread, leaderboard): one ladder load."""
    ladder = load_ladder(session)
    return {uid: display_rank(u, ladder) for uid, u in users.items()}
