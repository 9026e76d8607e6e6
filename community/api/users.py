"""/api/v1/users/{nickname}: the public profile. Staff also get the private fields."""

from __future__ import annotations

from fastapi import APIRouter
from sqlalchemy import false, func, select
from sqlmodel import col

from community.accounts import service as accounts
from community.accounts.models import Role
from community.accounts.schemas import UserPrivate
from community.api.deps import SessionDep, ViewerDep
from community.forum import permissions as perms
from community.forum.models import Post, Thread
from community.forum.schemas import UserProfile
from community.reputation.ranks import display_rank, load_ladder
from community.reputation.schemas import RankPublic

router = APIRouter(prefix="/users", tags=["users"])


@router.get("/{nickname}")
def get_user(nickname: str, session: SessionDep, viewer: ViewerDep) -> UserProfile:
    user = accounts.get_user_by_nickname(session, nickname)
    # Counts only what this viewer may see, so a closed board's activity leaks nothing.
    visible = perms.visible_threads_filter(viewer)
    threads = session.execute(
        select(func.count(Thread.id)).where(Thread.author_id == user.id, visible)  # type: ignore[arg-type]
    ).scalar_one()
    posts = session.execute(
        select(func.count(Post.id))  # type: ignore[arg-type]
        .join(Thread, Thread.id == Post.thread_id)  # type: ignore[arg-type]
        .where(
            col(Post.author_id) == user.id,
            col(Post.is_deleted) == false(),
            col(Post.is_pending) == false(),
            visible,
        )
    ).scalar_one()
    return UserProfile(
        nickname=user.nickname,
        role=Role(user.role),
        is_staff=user.is_staff,
        rank=RankPublic(**display_rank(user, load_ladder(session)).as_dict()),
        points=user.points,
        solutions=user.solution_count,
        kudos_received=user.kudos_received,
        kudos_given=user.kudos_given,
        created_at=user.created_at,
        thread_count=threads,
        post_count=posts,
    )


@router.get("/{nickname}/private")
def get_user_private(nickname: str, session: SessionDep, viewer: ViewerDep) -> UserPrivate:
    """Real name, company and e-mail: for the member themself and for staff
    (company employees, moderators and admins), as DESIGN.md's privacy rules say."""
    user = accounts.get_user_by_nickname(session, nickname)
    if viewer.user_id != user.id:
        perms.require_staff(viewer)
    return UserPrivate.of(user)
