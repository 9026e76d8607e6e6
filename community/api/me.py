"""/api/v1/me: the signed-in member's own account, including the private fields."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from community.accounts import service as accounts
from community.accounts.schemas import LoginResult, PasswordChange, UserPrivate, UserUpdate
from community.auth import session_csrf_token, set_session_cookie
from community.deps import CurrentUser, SessionDep

router = APIRouter(prefix="/me", tags=["me"])


@router.get("")
def get_me(user: CurrentUser) -> UserPrivate:
    return UserPrivate.of(user)


@router.patch("")
def update_me(data: UserUpdate, user: CurrentUser, session: SessionDep) -> UserPrivate:
    accounts.update_profile(
        session,
        user,
        nickname=data.nickname,
        real_name=data.real_name,
        company=data.company,
        locale=data.locale,
    )
    return UserPrivate.of(user)


@router.post("/password")
def change_password(
    data: PasswordChange,
    request: Request,
    response: Response,
    user: CurrentUser,
    session: SessionDep,
) -> LoginResult:
    raw = accounts.change_password(session, user, data.current_password, data.new_password)
    set_session_cookie(response, raw)
    return LoginResult(user=UserPrivate.of(user), csrf_token=session_csrf_token(raw))
