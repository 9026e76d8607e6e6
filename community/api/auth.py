"""/api/v1/auth: register, login, logout, e-mail verification and password reset."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response, status

from community.accounts import entry
from community.accounts import service as accounts
from community.accounts.schemas import (
    EmailRequest,
    LoginRequest,
    LoginResult,
    PasswordResetConfirm,
    TokenRequest,
    UserPrivate,
    UserRegister,
)
from community.auth import (
    clear_session_cookie,
    client_ip,
    session_csrf_token,
    set_session_cookie,
)
from community.config import get_settings
from community.deps import CurrentUser, SessionDep, ViewerDep

router = APIRouter(prefix="/auth", tags=["auth"])


def _logged_in(
    request: Request, response: Response, raw: str, user_private: UserPrivate
) -> LoginResult:
    set_session_cookie(response, raw)
    return LoginResult(user=user_private, csrf_token=session_csrf_token(raw))


# Without the id: the answer for an address that already has an account must look the same.
@router.post("/register", status_code=status.HTTP_201_CREATED, response_model_exclude={"id"})
def register(data: UserRegister, request: Request, session: SessionDep) -> UserPrivate:
    user = entry.sign_up(session, data, ip=client_ip(request))
    if user is None:
        user = accounts.unsaved_member(
            email=str(data.email),
            nickname=data.nickname,
            real_name=data.real_name,
            company=data.company,
            locale=data.locale,
        )
    return UserPrivate.of(user)


@router.post("/login")
def login(
    data: LoginRequest, request: Request, response: Response, session: SessionDep
) -> LoginResult:
    user, raw = entry.sign_in(
        session,
        data.email,
        data.password,
        ip=client_ip(request),
        old_token=request.cookies.get(get_settings().session_cookie),
    )
    return _logged_in(request, response, raw, UserPrivate.of(user))


@router.post("/logout", status_code=status.HTTP_204_NO_CONTENT)
def logout(request: Request, response: Response, session: SessionDep, _viewer: ViewerDep) -> None:
    entry.sign_out(session, request.cookies.get(get_settings().session_cookie))
    clear_session_cookie(response)


@router.post("/verify-email")
def verify_email(data: TokenRequest, session: SessionDep) -> UserPrivate:
    return UserPrivate.of(accounts.verify_email(session, data.token))


@router.post("/resend-verification", status_code=status.HTTP_202_ACCEPTED)
def resend_verification(user: CurrentUser, session: SessionDep) -> dict[str, str]:
    entry.resend_verification(session, user)
    return {"status": "sent"}


@router.post("/password-reset", status_code=status.HTTP_202_ACCEPTED)
def password_reset(data: EmailRequest, request: Request, session: SessionDep) -> dict[str, str]:
    entry.request_reset(session, data.email, ip=client_ip(request))
    return {"status": "sent if the address is known"}


@router.post("/password-reset/confirm")
def password_reset_confirm(data: PasswordResetConfirm, session: SessionDep) -> UserPrivate:
    return UserPrivate.of(accounts.reset_password(session, data.token, data.password))
