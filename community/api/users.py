"""/api/v1/users/{nickname}: the public profile. Staff also get the private fields."""

from __future__ import annotations

from fastapi import APIRouter

from community.accounts import service as accounts
from community.accounts.models import Role
from community.accounts.schemas import UserPrivate
from community.deps import SessionDep, ViewerDep
from community.forum import permissions as perms
from community.forum.schemas import UserProfile
from community.reputation.profile import member_profile
from community.reputation.schemas import RankPublic

router = APIRouter(prefix="/users", tags=["users"])


@router.get("/{nickname}")
def get_user(nickname: str, session: SessionDep, viewer: ViewerDep) -> UserProfile:
    profile = member_profile(session, viewer, nickname)
    user, figures = profile.user, profile.figures
    return UserProfile(
        nickname=user.nickname,
        role=Role(user.role),
        is_staff=user.is_staff,
        rank=RankPublic(**profile.rank.as_dict()),
        points=figures.points,
        solutions=figures.solutions,
        kudos_received=figures.kudos_received,
        kudos_given=figures.kudos_given,
        created_at=user.created_at,
        thread_count=figures.threads,
        post_count=figures.posts,
    )


@router.get("/{nickname}/private")
def get_user_private(nickname: str, session: SessionDep, viewer: ViewerDep) -> UserPrivate:
    """Real name, company and e-mail: for the member themself and for staff
    (company employees, moderators and admins), as DESIGN.md's privacy rules say."""
    user = accounts.get_user_by_nickname(session, nickname)
    if viewer.user_id != user.id:
        perms.require_staff(viewer)
    return UserPrivate.of(user)
