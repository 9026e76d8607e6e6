"""Signing up and signing in, the same steps for the API and the forms: the limits per
address first, then the account rules of service.py."""

from __future__ import annotations

from sqlmodel import Session

from community.accounts import oidc_service
from community.accounts import service as accounts
from community.accounts.models import User
from community.accounts.schemas import UserRegister
from community.config import get_settings
from community.errors import Forbidden
from community.i18n import N_
from community.moderation import antispam
from community.ratelimit import hit

PASSWORD_LOGIN_OFF = N_(
    "Die Anmeldung mit Passwort ist für Mitglieder abgeschaltet. Bitte melden Sie sich mit "
    "Ihrem Firmenkonto an."
)


def sign_up(session: Session, data: UserRegister, *, ip: str) -> User | None:
    """A new member (unverified; the mail with the link is a job in this transaction), or
    None when the address has an account: its owner is mailed, and the surfaces answer as
    for a new account, so registration never tells who is a member."""
    antispam.check_registration(ip)
    if get_settings().password_login_admins_only:
        raise Forbidden(PASSWORD_LOGIN_OFF, code="password_login_off")
    user = accounts.sign_up(
        session,
        email=str(data.email),
        password=data.password,
        nickname=data.nickname,
        real_name=data.real_name,
        company=data.company,
        locale=data.locale,
    )
    antispam.count_registration(ip)
    return user


def sign_in(
    session: Session, email: str, password: str, *, ip: str, old_token: str | None
) -> tuple[User, str]:
    """The member and a new session token; the browser's previous session ends, so a
    token planted before login is worthless."""
    hit(get_settings().login_rate, "login", ip)
    user = accounts.authenticate(session, email, password)
    if not oidc_service.password_login_allowed(user):
        # Members sign in through the provider; admins keep this door for when it is down.
        raise Forbidden(PASSWORD_LOGIN_OFF, code="password_login_off")
    if old_token:
        accounts.end_session(session, old_token)
    return user, accounts.start_session(session, user)


def sign_out(session: Session, token: str | None) -> None:
    if token:
        accounts.end_session(session, token)


def request_reset(session: Session, email: str, *, ip: str) -> None:
    """The same answer whether or not the address is known; a few per address and hour."""
    hit("5/hour", "reset", ip)
    accounts.request_password_reset(session, email)


def resend_verification(session: Session, user: User) -> None:
    """A new confirmation link; a few per member and hour, so nobody's mailbox is flooded."""
    hit("3/hour", "resend-verification", str(user.id))
    accounts.resend_verification(session, user)
