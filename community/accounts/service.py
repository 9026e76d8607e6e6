"""Account rules: registration, login sessions, verification, reset, roles, groups, tokens."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from sqlalchemy import Row, bindparam, delete, func, inspect, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import make_transient_to_detached
from sqlalchemy.orm.attributes import instance_dict
from sqlmodel import Session, col

from community import i18n
from community.accounts import login_guard, security
from community.accounts.mail import MAIL_JOB
from community.accounts.models import (
    GROUP_FAQ_SCOPE,
    ApiToken,
    EmailToken,
    Group,
    GroupMember,
    Role,
    User,
    UserSession,
)
from community.accounts.validation import (
    EMAIL_PATTERN,
    nickname_key,
    nickname_problem,
    nickname_skeleton,
    normalise_nickname,
)
from community.accounts.viewer import ANONYMOUS, Viewer, viewer_for
from community.clock import utcnow
from community.config import get_settings
from community.db import read_values
from community.errors import (
    Conflict,
    Forbidden,
    InvalidInput,
    NotAuthenticated,
    NotFound,
    check_all,
)
from community.i18n import N_, Formatted
from community.jobs.service import enqueue

VERIFY_HOURS = 48
RESET_HOURS = 2
KNOWN_SCOPES = frozenset({"faq:read", "events:read", "leads:read"})
BAD_LOGIN = "E-Mail-Adresse oder Passwort ist falsch."


def _clean_email(email: str) -> str:
    return email.strip().lower()


def check_nickname_free(session: Session, nickname: str, *, except_user: int | None = None) -> None:
    problem = nickname_problem(nickname)
    if problem:
        raise InvalidInput(problem, code="invalid_nickname")
    # The same name in another case, or one that only looks the same ("Аdmin" with a
    # Cyrillic А, "Admin_Team" beside "Admin-Team"): both would pass for the other member.
    query = select(col(User.id)).where(
        or_(
            col(User.nickname_key) == nickname_key(nickname),
            col(User.nickname_skeleton) == nickname_skeleton(nickname),
        )
    )
    found = [uid for uid in session.execute(query).scalars() if uid != except_user]
    if found:
        raise Conflict("Dieser Spitzname ist schon vergeben.", code="nickname_taken")


def _check_password(password: str, *, nickname: str = "", email: str = "") -> None:
    problem = security.password_problem(password, nickname=nickname, email=email)
    if problem:
        raise InvalidInput(problem, code="weak_password")


def get_user_by_nickname(session: Session, nickname: str) -> User:
    user = session.execute(
        select(User).where(User.nickname_key == nickname_key(nickname))  # type: ignore[arg-type]
    ).scalar_one_or_none()
    if user is None:
        raise NotFound("Dieses Mitglied gibt es nicht.")
    return user


def find_user(session: Session, name: str) -> User | None:
    """A member by nickname or e-mail address, as staff type them into a list."""
    name = name.strip()
    if "@" in name:
        column, value = col(User.email), _clean_email(name)
    else:
        column, value = col(User.nickname_key), nickname_key(name)
    return session.execute(select(User).where(column == value)).scalar_one_or_none()


def register(
    session: Session,
    *,
    email: str,
    password: str,
    nickname: str,
    real_name: str | None = None,
    company: str | None = None,
    locale: str = "de",
    role: Role = Role.member,
    is_staff: bool = False,
    verified: bool = False,
) -> User:
    email = _clean_email(email)
    if not re.fullmatch(EMAIL_PATTERN, email):
        raise InvalidInput("Bitte geben Sie eine gültige E-Mail-Adresse an.", code="invalid_email")
    # The address first: a second `create-admin` for it was told its default nickname was taken
    if session.execute(select(col(User.id)).where(User.email == email)).first():  # type: ignore[arg-type]
        raise Conflict("Für diese E-Mail-Adresse gibt es schon ein Konto.", code="email_taken")
    nickname = normalise_nickname(nickname)
    check_nickname_free(session, nickname)
    _check_password(password, nickname=nickname, email=email)
    user = User(
        email=email,
        nickname=nickname,
        nickname_key=nickname.casefold(),
        password_hash=security.hash_password(password),
        real_name=(real_name or "").strip() or None,
        company=(company or "").strip() or None,
        locale=i18n.supported(locale),
        role=role.value,
        is_staff=is_staff,
        email_verified_at=utcnow() if verified else None,
    )
    session.add(user)
    try:
        session.flush()
    except IntegrityError as exc:
        # Two registrations raced for the same name or address; the database decided.
        raise Conflict("Spitzname oder E-Mail-Adresse ist schon vergeben.") from exc
    if not verified:
        send_email_token(session, user, "verify")
    return user


def check_sign_up(session: Session, *, nickname: str, password: str, email: str) -> None:
    """The nickname and the password of a registration, both checked (check_all)."""
    nickname = normalise_nickname(nickname)
    check_all(
        ("nickname", lambda: check_nickname_free(session, nickname)),
        ("password", lambda: _check_password(password, nickname=nickname, email=email)),
    )


def sign_up(
    session: Session,
    *,
    email: str,
    password: str,
    nickname: str,
    real_name: str | None = None,
    company: str | None = None,
    locale: str = "de",
) -> User | None:
    """Registration as the public forms offer it. It must not tell who is a member: an
    address that already has an account passes the same checks, gets no account and no
    error, and its owner is mailed instead (None is returned; the surfaces answer as for
    a new account)."""
    clean = _clean_email(email)
    nickname = normalise_nickname(nickname)
    check_sign_up(session, nickname=nickname, password=password, email=clean)
    owner = session.execute(select(User).where(col(User.email) == clean)).scalar_one_or_none()
    if owner is not None:
        # Hashed all the same: a quicker answer would tell the address is known.
        security.hash_password(password)
        enqueue(session, MAIL_JOB, {"user_id": owner.id, "purpose": "exists"})
        return None
    return register(
        session,
        email=clean,
        password=password,
        nickname=nickname,
        real_name=real_name,
        company=company,
        locale=locale,
    )


def unsaved_member(
    *, email: str, nickname: str, real_name: str | None, company: str | None, locale: str
) -> User:
    """What a new account would look like, never stored: the registration answer for an
    address that already has an account (sign_up returned None)."""
    return User(
        id=0,
        email=_clean_email(email),
        nickname=normalise_nickname(nickname),
        nickname_key=nickname_key(nickname),
        password_hash="",
        real_name=(real_name or "").strip() or None,
        company=(company or "").strip() or None,
        locale=locale if locale in ("de", "en") else "de",
    )


def send_email_token(session: Session, user: User, purpose: str) -> None:
    """Store a one-time token's hash and queue the mail that carries the token itself."""
    assert user.id is not None
    hours = VERIFY_HOURS if purpose == "verify" else RESET_HOURS
    raw = security.new_token()
    session.add(
        EmailToken(
            user_id=user.id,
            purpose=purpose,
            token_hash=security.token_hash(raw),
            expires_at=utcnow() + timedelta(hours=hours),
        )
    )
    enqueue(session, MAIL_JOB, {"user_id": user.id, "purpose": purpose, "token": raw})


def _use_email_token(session: Session, raw: str, purpose: str) -> User:
    token = session.execute(
        select(EmailToken).where(EmailToken.token_hash == security.token_hash(raw))  # type: ignore[arg-type]
    ).scalar_one_or_none()
    if (
        token is None
        or token.purpose != purpose
        or token.used_at is not None
        or token.expires_at < utcnow()
    ):
        raise InvalidInput("Der Link ist ungültig oder abgelaufen.", code="invalid_token")
    token.used_at = utcnow()
    user = session.get(User, token.user_id)
    if user is None:
        raise InvalidInput("Der Link ist ungültig oder abgelaufen.", code="invalid_token")
    return user


def verify_email(session: Session, raw_token: str) -> User:
    user = _use_email_token(session, raw_token, "verify")
    if user.email_verified_at is None:
        user.email_verified_at = utcnow()
    return user


def resend_verification(session: Session, user: User) -> None:
    if user.is_verified:
        raise Conflict("Ihre E-Mail-Adresse ist schon bestätigt.", code="already_verified")
    send_email_token(session, user, "verify")


def request_password_reset(session: Session, email: str) -> None:
    """Answers the same whether or not the address is known, so it reveals no accounts."""
    user = session.execute(
        select(User).where(User.email == _clean_email(email))  # type: ignore[arg-type]
    ).scalar_one_or_none()
    if user is not None and user.is_active:
        send_email_token(session, user, "reset")


def reset_password(session: Session, raw_token: str, new_password: str) -> User:
    user = _use_email_token(session, raw_token, "reset")
    _check_password(new_password, nickname=user.nickname, email=user.email)
    user.password_hash = security.hash_password(new_password)
    # Whoever knew the old password is signed out everywhere.
    end_all_sessions(session, user)
    # Other reset links still sitting in the mailbox must not undo this reset.
    session.execute(
        update(EmailToken)
        .where(EmailToken.user_id == user.id, EmailToken.purpose == "reset")  # type: ignore[arg-type]
        .where(col(EmailToken.used_at).is_(None))
        .values(used_at=utcnow())
    )
    # The link came by mail, so the address is proven as well.
    if user.email_verified_at is None:
        user.email_verified_at = utcnow()
    return user


# ---- login sessions ---------------------------------------------------------------------


def authenticate(session: Session, email: str, password: str) -> User:
    login_guard.check(email)
    user = session.execute(
        select(User).where(User.email == _clean_email(email))  # type: ignore[arg-type]
    ).scalar_one_or_none()
    ok = security.verify_password(password, user.password_hash if user else None)
    if user is None or not ok or not user.is_active:
        # Counted for unknown addresses too: the answer must not tell which ones exist.
        login_guard.record_failure(email)
        raise NotAuthenticated(BAD_LOGIN, code="invalid_credentials")
    login_guard.record_success(email)
    if security.password_context().needs_update(user.password_hash):
        user.password_hash = security.hash_password(password)
    return user


def start_session(session: Session, user: User) -> str:
    """A new random token at every login, so a token planted before login is worthless."""
    assert user.id is not None
    raw = security.new_token()
    session.add(
        UserSession(
            token_hash=security.token_hash(raw),
            user_id=user.id,
            expires_at=utcnow() + timedelta(days=get_settings().session_days),
        )
    )
    return raw


def viewer_for_session(session: Session, raw: str) -> Viewer:
    """Who holds this session cookie (ANONYMOUS for an unknown, expired or inactive session):
    the session, its user and whether they belong to any group in one statement; their
    groups are read only when they do, as few members do."""
    params = {"token_hash": security.token_hash(raw)}
    row = read_values(session, _USER_FOR_SESSION, params).one_or_none()
    if row is None or row[-2] < utcnow():
        return ANONYMOUS
    user = _persistent_user(session, row)
    if not user.is_active:
        return ANONYMOUS
    return viewer_for(session, user) if row[-1] else Viewer(user=user)


def _persistent_user(session: Session, row: Row[Any]) -> User:
    """The user of a row of _USER_FOR_SESSION, in the session as if the ORM had loaded it:
    every request of a member asks, and the ORM's execution and loading cost ~0.04 ms more
    (0.14 against 0.10 ms for the read, of a thread page's ~1.5 ms). Persistent, so that a
    route that changes the user writes it with the session; the session's own copy when it
    holds one already, as the ORM's loading gives it."""
    key = _USER_MAPPER.identity_key_from_primary_key((row[_USER_ID],))
    held = session.identity_map.get(key)
    if held is not None:
        user: User = held
        return user
    user = _USER_MANAGER.new_instance()
    values = instance_dict(user)
    for name, value in zip(_USER_KEYS, row, strict=False):
        values[name] = value
    make_transient_to_detached(user)
    session.add(user)
    return user


_USER_MAPPER = inspect(User)
_USER_MANAGER = _USER_MAPPER.class_manager
# Every column of the user (the attributes' keys, in the statement's order).
_USER_KEYS = [attribute.key for attribute in _USER_MAPPER.column_attrs]
_USER_ID = _USER_KEYS.index("id")

# Built once per process: every signed-in request asks.
_USER_FOR_SESSION = (
    select(
        *(attribute.expression for attribute in _USER_MAPPER.column_attrs),
        col(UserSession.expires_at),
        select(col(GroupMember.group_id)).where(col(GroupMember.user_id) == col(User.id)).exists(),
    )
    .join(UserSession, col(UserSession.user_id) == col(User.id))
    .where(col(UserSession.token_hash) == bindparam("token_hash"))
)


def end_session(session: Session, raw: str) -> None:
    session.execute(
        delete(UserSession).where(UserSession.token_hash == security.token_hash(raw))  # type: ignore[arg-type]
    )


def end_all_sessions(session: Session, user: User) -> None:
    session.execute(delete(UserSession).where(UserSession.user_id == user.id))  # type: ignore[arg-type]


# ---- own profile ---------------------------------------------------------------------------


def update_profile(
    session: Session,
    user: User,
    *,
    nickname: str | None = None,
    real_name: str | None = None,
    company: str | None = None,
    locale: str | None = None,
) -> User:
    if nickname is not None and normalise_nickname(nickname) != user.nickname:
        nickname = normalise_nickname(nickname)
        check_nickname_free(session, nickname, except_user=user.id)
        user.nickname = nickname
        user.nickname_key = nickname.casefold()
    if real_name is not None:
        user.real_name = real_name.strip() or None
    if company is not None:
        user.company = company.strip() or None
    if locale is not None:
        if locale not in ("de", "en"):
            raise InvalidInput("Sprache muss 'de' oder 'en' sein.")
        user.locale = locale
    session.add(user)
    try:
        session.flush()
    except IntegrityError as exc:
        raise Conflict("Dieser Spitzname ist schon vergeben.", code="nickname_taken") from exc
    return user


def has_password(user: User) -> bool:
    return user.password_hash != security.NO_PASSWORD


PROOF_NEEDED = N_(
    "Ihr Konto hat kein Passwort. Bitte bestätigen Sie zuerst mit einer neuen Anmeldung bei "
    "Ihrem Firmenkonto."
)


def confirm_identity(user: User, password: str, *, proven: bool, wrong: str) -> None:
    """A grave change needs the password again, or `proven`: a fresh sign-in at a linked
    OpenID provider in this session (web/sso.py), which an account without password needs."""
    if proven:
        return
    if not has_password(user):
        raise Forbidden(PROOF_NEEDED, code="proof_required")
    if not security.verify_password(password, user.password_hash):
        raise Forbidden(wrong, code="wrong_password")


def change_password(
    session: Session, user: User, current: str, new: str, *, proven: bool = False
) -> str:
    """Returns a fresh session token: all other sessions end with the old password. An
    account made by a provider may set a first password after a fresh sign-in there."""
    confirm_identity(user, current, proven=proven, wrong="Das aktuelle Passwort stimmt nicht.")
    _check_password(new, nickname=user.nickname, email=user.email)
    user.password_hash = security.hash_password(new)
    end_all_sessions(session, user)
    return start_session(session, user)


# ---- administration ---------------------------------------------------------------------


def set_role(
    session: Session, user: User, *, role: Role | None = None, is_staff: bool | None = None
) -> User:
    if role is not None:
        user.role = role.value
    if is_staff is not None:
        user.is_staff = is_staff
    session.add(user)
    return user


def other_admins(session: Session, user: User) -> int:
    """Admins besides `user` who can still sign in, their rows locked (PostgreSQL) in the
    order of their ids until the transaction ends: of two admins leaving at once, the second
    waits for the first and then counts without them; the one order means no deadlock."""
    ids = session.execute(
        select(col(User.id))
        .where(
            col(User.role) == Role.admin.value,
            col(User.is_active).is_(True),
            col(User.erased_at).is_(None),
        )
        .order_by(col(User.id))
        .with_for_update()
    ).scalars()
    return sum(1 for admin_id in ids if admin_id != user.id)


def set_active(session: Session, user: User, active: bool) -> User:
    user.is_active = active
    if not active:
        end_all_sessions(session, user)
    session.add(user)
    return user


def create_group(session: Session, *, slug: str, name: str, description: str = "") -> Group:
    if session.execute(select(col(Group.id)).where(Group.slug == slug)).first():  # type: ignore[arg-type]
        raise Conflict("Diese Gruppe gibt es schon.", code="group_exists")
    check_group_name_free(session, name)
    group = Group(slug=slug, name=name, description=description)
    session.add(group)
    session.flush()
    return group


def check_group_name_free(session: Session, name: str, *, except_id: int | None = None) -> None:
    """Two groups of one name could not be told apart where boards and members list them.
    Compared here, casefolded: SQLite's lower() leaves "Ä" as it is (there are few groups)."""
    wanted = name.strip().casefold()
    for group_id, other in session.execute(select(col(Group.id), col(Group.name))).all():
        if group_id != except_id and other.strip().casefold() == wanted:
            raise Conflict("Eine Gruppe mit diesem Namen gibt es schon.", code="group_name_taken")


def get_group(session: Session, slug: str) -> Group:
    group = session.execute(select(Group).where(Group.slug == slug)).scalar_one_or_none()  # type: ignore[arg-type]
    if group is None:
        raise NotFound("Diese Gruppe gibt es nicht.")
    return group


def list_groups(session: Session) -> list[tuple[Group, int]]:
    counts = (
        select(col(GroupMember.group_id), func.count().label("n"))
        .group_by(GroupMember.group_id)  # type: ignore[arg-type]
        .subquery()
    )
    rows = session.execute(
        select(Group, func.coalesce(counts.c.n, 0))
        .outerjoin(counts, counts.c.group_id == Group.id)
        .order_by(Group.name)  # type: ignore[arg-type]
    ).all()
    return [(g, int(n)) for g, n in rows]


def add_member(session: Session, group: Group, user: User) -> None:
    if session.get(GroupMember, (group.id, user.id)) is None:
        assert group.id is not None and user.id is not None
        session.add(GroupMember(group_id=group.id, user_id=user.id))
        session.flush()


def remove_member(session: Session, group: Group, user: User) -> None:
    member = session.get(GroupMember, (group.id, user.id))
    if member is not None:
        session.delete(member)
        session.flush()


def group_members(session: Session, group: Group) -> list[User]:
    return list(
        session.execute(
            select(User)
            .join(GroupMember, GroupMember.user_id == User.id)  # type: ignore[arg-type]
            .where(GroupMember.group_id == group.id)  # type: ignore[arg-type]
            .order_by(User.nickname_key)  # type: ignore[arg-type]
        ).scalars()
    )


# ---- integration tokens -------------------------------------------------------------------


def create_api_token(
    session: Session, *, name: str, scopes: list[str], created_by: User | None
) -> tuple[ApiToken, str]:
    name = name.strip()
    if not name:  # a name of spaces named nothing in the list
        raise InvalidInput(N_("Der Name braucht 1 bis 100 Zeichen."), code="invalid_field_name")
    if not scopes:  # it could read nothing
        raise InvalidInput(N_("Bitte mindestens eine Berechtigung wählen."), code="no_scopes")
    unknown = sorted(s for s in set(scopes) - KNOWN_SCOPES if not s.startswith(GROUP_FAQ_SCOPE))
    if unknown:
        raise InvalidInput(
            Formatted("Unbekannte Berechtigung: %(scopes)s", scopes=", ".join(unknown)),
            code="unknown_scope",
        )
    _check_group_scopes(session, scopes)
    raw = "cmt_" + security.new_token()
    token = ApiToken(
        name=name,
        prefix=raw[:10],
        token_hash=security.token_hash(raw),
        scopes=" ".join(sorted(set(scopes))),
        created_by_id=created_by.id if created_by else None,
    )
    session.add(token)
    session.flush()
    return token, raw


def _check_group_scopes(session: Session, scopes: list[str]) -> None:
    """A closed board's FAQ is read with faq:read and its group's scope; a scope naming no
    group would read nothing now and open that board's FAQ to the token the day someone
    creates a group by the name."""
    slugs = {s.removeprefix(GROUP_FAQ_SCOPE) for s in scopes if s.startswith(GROUP_FAQ_SCOPE)}
    if not slugs:
        return
    if "faq:read" not in scopes:
        raise InvalidInput(
            N_("Für die FAQ geschlossener Bereiche braucht das Token auch faq:read."),
            code="unknown_scope",
        )
    known = set(
        session.execute(select(col(Group.slug)).where(col(Group.slug).in_(slugs))).scalars()
    )
    if missing := sorted(slugs - known):
        raise InvalidInput(
            Formatted(N_("Diese Gruppe gibt es nicht: %(groups)s"), groups=", ".join(missing)),
            code="unknown_group",
        )


def token_for_bearer(session: Session, raw: str) -> ApiToken | None:
    token = session.execute(
        select(ApiToken).where(ApiToken.token_hash == security.token_hash(raw))  # type: ignore[arg-type]
    ).scalar_one_or_none()
    if token is None or token.revoked_at is not None:
        return None
    token.last_used_at = utcnow()
    return token


def list_api_tokens(session: Session) -> list[ApiToken]:
    return list(session.execute(select(ApiToken).order_by(ApiToken.id)).scalars())  # type: ignore[arg-type]


def revoke_api_token(session: Session, token_id: int) -> ApiToken:
    token = session.get(ApiToken, token_id)
    if token is None:
        raise NotFound("Dieses Token gibt es nicht.")
    token.revoked_at = token.revoked_at or utcnow()
    return token
