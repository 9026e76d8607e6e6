"""Accounts signed in through an OpenID provider: the link (provider, subject), the first
sign-in with a chosen nickname, linking an existing account after proof, the claim rules
applied at every sign-in, unlinking and back-channel logout.

The nickname stays the only public identity: the real name, company and e-mail address from
the provider are stored in the account's private fields only."""

from __future__ import annotations

import logging
import random
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import object_session
from sqlmodel import Session, col

from community import i18n
from community.accounts import login_guard, oidc, security
from community.accounts import service as accounts
from community.accounts.mail import MAIL_JOB
from community.accounts.models import (
    Group,
    GroupMember,
    OidcLink,
    OidcLogoutToken,
    OidcSession,
    Role,
    User,
    UserSession,
)
from community.accounts.validation import normalise_nickname
from community.accounts.viewer import ANONYMOUS
from community.clock import utcnow
from community.config import OidcProvider, get_settings
from community.db import insert_once
from community.errors import Conflict, Forbidden, InvalidInput, NotAuthenticated, NotFound
from community.i18n import N_
from community.jobs.service import enqueue
from community.moderation import audit
from community.ratelimit import hit

log = logging.getLogger(__name__)

NO_PASSWORD = security.NO_PASSWORD
LINK_MAIL_SECONDS = 2 * 3600
_ROLE_ORDER = [Role.member, Role.expert, Role.moderator, Role.admin]

INACTIVE = N_("Dieses Konto ist gesperrt.")
NEED_PROOF = N_(
    "Bitte geben Sie Ihr Passwort ein oder melden Sie sich zuerst über einen anderen "
    "verknüpften Anmeldedienst an, um diese Verknüpfung zu lösen."
)
WRONG_PASSWORD = "Das aktuelle Passwort stimmt nicht."  # noqa: S105 - a message
NOT_YOUR_ACCOUNT = N_(
    "Die Bestätigung wurde abgelehnt: Sie haben sich beim Anmeldedienst mit einem anderen "
    "Konto angemeldet als dem, das mit Ihrem Forumskonto verknüpft ist."
)


@dataclass(frozen=True)
class Outcome:
    """What a successful provider sign-in leads to: a member signed in, a first sign-in that
    needs a nickname, or an existing account (same e-mail) that must be proven first."""

    kind: str  # "signed_in" | "new" | "link"
    user: User | None = None


def pending_claims(provider: OidcProvider, claims: dict[str, Any]) -> dict[str, Any]:
    """The claims kept (signed, in the browser) until the nickname or the proof is given:
    only those the forum uses."""
    wanted = {"sub", "sid", "email_verified", provider.claim_name, provider.claim_company}
    wanted |= {provider.claim_email} | {rule.claim for rule in provider.rules}
    return {key: claims[key] for key in wanted if key in claims}


def identity_shown(provider: OidcProvider, claims: dict[str, Any]) -> str:
    """How the confirmation names the company login to be linked: its e-mail address,
    else its subject at the provider."""
    return _email(provider, claims) or str(claims.get("sub", ""))[:100]


def _text(claims: dict[str, Any], key: str, limit: int) -> str | None:
    value = claims.get(key)
    return value.strip()[:limit] or None if isinstance(value, str) else None


def _email(provider: OidcProvider, claims: dict[str, Any]) -> str | None:
    value = _text(claims, provider.claim_email, 254)
    return value.lower() if value and "@" in value else None


def _find_link(session: Session, provider: str, subject: str) -> OidcLink | None:
    return session.execute(
        select(OidcLink).where(col(OidcLink.provider) == provider, col(OidcLink.subject) == subject)
    ).scalar_one_or_none()


def links_of(session: Session, user: User) -> list[OidcLink]:
    return list(
        session.execute(
            select(OidcLink).where(col(OidcLink.user_id) == user.id).order_by(col(OidcLink.id))
        ).scalars()
    )


def _update_private_fields(provider: OidcProvider, user: User, claims: dict[str, Any]) -> None:
    name = _text(claims, provider.claim_name, 100)
    company = _text(claims, provider.claim_company, 100)
    if name:
        user.real_name = name
    if company:
        user.company = company
    if claims.get("email_verified") is True and _email(provider, claims) == user.email:
        user.email_verified_at = user.email_verified_at or utcnow()


def _matches(claims: dict[str, Any], claim: str, value: str) -> bool:
    found = claims.get(claim)
    if isinstance(found, list):
        return value in [str(item) for item in found]
    return found is not None and str(found) == value


def apply_rules(
    session: Session, provider: OidcProvider, user: User, claims: dict[str, Any]
) -> None:
    """The provider's rules at this sign-in: the member is in exactly the groups the rules
    name whose claim matches (groups no rule names are left alone), has the highest role a
    matching rule gives (when the provider has role rules), and is staff when the provider
    is the staff directory. Each change is audited."""
    assert user.id is not None
    managed = {rule.group for rule in provider.rules if rule.group}
    wanted = {
        rule.group
        for rule in provider.rules
        if rule.group and _matches(claims, rule.claim, rule.value)
    }
    groups = {
        group.slug: group
        for group in session.execute(select(Group).where(col(Group.slug).in_(managed))).scalars()
    }
    current = set(
        session.execute(
            select(col(Group.slug))
            .join(GroupMember, col(GroupMember.group_id) == col(Group.id))
            .where(col(GroupMember.user_id) == user.id, col(Group.slug).in_(managed))
        ).scalars()
    )
    before = {"groups": sorted(current), "role": user.role, "is_staff": user.is_staff}
    for slug in sorted(wanted - current):
        if slug in groups:
            accounts.add_member(session, groups[slug], user)
        else:
            log.warning(
                "OpenID provider %s: a rule names the group %r, which does not exist",
                provider.name,
                slug,
            )
    for slug in sorted(current - wanted):
        accounts.remove_member(session, groups[slug], user)
    role_rules = [rule for rule in provider.rules if rule.role]
    if role_rules:
        granted = [
            Role(r.role) for r in role_rules if r.role and _matches(claims, r.claim, r.value)
        ]
        user.role = max(granted, key=_ROLE_ORDER.index, default=Role.member).value
    if provider.staff:
        user.is_staff = True
    after = {
        "groups": sorted((current & wanted) | (wanted & set(groups))),
        "role": user.role,
        "is_staff": user.is_staff,
    }
    if after != before:
        session.add(user)
        audit.record(
            session,
            ANONYMOUS,
            "sso.claims",
            "user",
            user.id,
            reason=provider.name,
            before=before,
            after=after,
        )


def _signed_in(
    session: Session, provider: OidcProvider, link: OidcLink, user: User, claims: dict[str, Any]
) -> User:
    if not user.is_active or user.erased_at is not None:
        raise Forbidden(INACTIVE, code="account_inactive")
    link.last_login_at = utcnow()
    _update_private_fields(provider, user, claims)
    apply_rules(session, provider, user, claims)
    session.add_all([link, user])
    session.flush()
    return user


def sign_in(session: Session, provider: OidcProvider, claims: dict[str, Any]) -> Outcome:
    link = _find_link(session, provider.name, str(claims["sub"]))
    if link is not None:
        user = session.get(User, link.user_id)
        assert user is not None
        return Outcome("signed_in", _signed_in(session, provider, link, user, claims))
    email = _email(provider, claims)
    if email is not None and claims.get("email_verified") is True:
        owner = session.execute(select(User).where(col(User.email) == email)).scalar_one_or_none()
        # Only an account whose owner once confirmed the address: one registered under
        # someone else's address and never confirmed (set up to catch their company login,
        # with a password the squatter keeps) is not offered; a new account starts.
        if owner is not None and owner.email_verified_at is not None:
            # Never linked silently: whoever controls the provider's e-mail claim must not
            # take over the account that has this address. And only for an address the
            # provider vouches for: an unverified claim (anyone may type an address at some
            # providers) is offered no account to link, and starts a new one.
            return Outcome("link", owner)
    return Outcome("new")


def create_member(
    session: Session, provider: OidcProvider, claims: dict[str, Any], nickname: str, locale: str
) -> User:
    """The first sign-in: a new account under the chosen nickname (registration's rules)."""
    nickname = normalise_nickname(nickname)
    accounts.check_nickname_free(session, nickname)
    subject = str(claims["sub"])
    # An address the provider did not verify is kept (a staff directory such as Entra sends
    # no email_verified; the member confirms it by the forum's mail), but it stays
    # unconfirmed until then, and sign_in offers no unconfirmed account to link.
    email = _email(provider, claims)
    if (
        email is None
        or session.execute(select(col(User.id)).where(col(User.email) == email)).first()
    ):
        # The e-mail column is unique and required; a provider without one gets a placeholder.
        email = f"{security.token_hash(provider.name + '|' + subject)[:24]}@sso.invalid"
    user = User(
        email=email,
        nickname=nickname,
        nickname_key=nickname.casefold(),
        password_hash=NO_PASSWORD,
        locale=i18n.supported(locale),
    )
    session.add(user)
    try:
        session.flush()
    except IntegrityError as exc:
        raise Conflict("Dieser Spitzname ist schon vergeben.", code="nickname_taken") from exc
    assert user.id is not None
    link = _add_link(session, provider, subject, user.id)
    return _signed_in(session, provider, link, user, claims)


def nickname_suggestions(session: Session, wanted: str, count: int = 3) -> list[str]:
    """Free nicknames near the one that was taken (digits added), for the member to pick."""
    base = normalise_nickname(wanted)[:16] or "Mitglied"
    found: list[str] = []
    rng = random.Random()
    for _ in range(30):
        candidate = f"{base}{rng.randint(2, 9999)}"
        try:
            accounts.check_nickname_free(session, candidate)
        except (Conflict, InvalidInput):
            continue
        if candidate not in found:
            found.append(candidate)
        if len(found) == count:
            break
    return found


def link_with_password(
    session: Session,
    provider: OidcProvider,
    claims: dict[str, Any],
    user: User,
    password: str,
    *,
    ip: str,
) -> User:
    """The member proves the existing account with its password once; then it is linked."""
    _prove_password(user, password, ip=ip)
    return link_account(session, provider, claims, user)


def _prove_password(user: User, password: str, *, ip: str) -> None:
    """Guessed at like the sign-in form: the same limits per address (`ip`) and account."""
    hit(get_settings().login_rate, "login", ip)
    login_guard.check(user.email)
    if not security.verify_password(password, user.password_hash):
        login_guard.record_failure(user.email)
        raise NotAuthenticated("Das Passwort stimmt nicht.", code="invalid_credentials")
    login_guard.record_success(user.email)


LINK_NEEDS_PROOF = N_(
    "Bitte bestätigen Sie zuerst mit einer neuen Anmeldung bei Ihrem verknüpften "
    "Firmenkonto, dann können Sie ein weiteres verknüpfen."
)


def prove_for_link(
    session: Session, user: User, provider_name: str, password: str, *, proven: bool, ip: str
) -> None:
    """Before a signed-in member links a company login from the settings: the password
    (or, for an account without one, a fresh sign-in at a linked provider, `proven`).
    A live session alone is not enough: whoever held it for a moment could link a login
    of their own and keep a way into the account."""
    if any(link.provider == provider_name for link in links_of(session, user)):
        raise _provider_linked()
    if proven:
        return
    if not has_password(user):
        raise Forbidden(LINK_NEEDS_PROOF, code="proof_required")
    _prove_password(user, password, ip=ip)


def link_account(
    session: Session, provider: OidcProvider, claims: dict[str, Any], user: User
) -> User:
    assert user.id is not None
    link = _find_link(session, provider.name, str(claims["sub"]))
    if link is None:
        if any(item.provider == provider.name for item in links_of(session, user)):
            raise _provider_linked()
        link = _add_link(session, provider, str(claims["sub"]), user.id)
    elif link.user_id != user.id:
        raise _subject_linked()
    return _signed_in(session, provider, link, user, claims)


# One identity per provider and account (a second could not be told apart in the
# settings, and unlinking would take the wrong one), and one account per identity.
def _provider_linked() -> Conflict:
    return Conflict(
        N_("Ihr Konto ist schon mit einem anderen Konto dieses Anbieters verknüpft."),
        code="provider_linked",
    )


def _subject_linked() -> Conflict:
    return Conflict(N_("Dieses Firmenkonto ist schon mit einem anderen Konto verknüpft."))


def _add_link(session: Session, provider: OidcProvider, subject: str, user_id: int) -> OidcLink:
    """The link, or the refusal when a request at the same moment made one first (the
    checks before could not see it yet; the unique constraints do)."""
    values = {"provider": provider.name, "subject": subject, "user_id": user_id}
    added = insert_once(
        session, OidcLink, {**values, "created_at": utcnow()}, None, col(OidcLink.id)
    )
    if added is not None:
        link = session.get(OidcLink, added[0])
        assert link is not None
        return link
    taken = _find_link(session, provider.name, subject)
    if taken is not None and taken.user_id == user_id:
        return taken  # the same link, made by a second click at the same moment
    raise _subject_linked() if taken is not None else _provider_linked()


def send_link_mail(session: Session, user: User, token: str) -> None:
    """The other proof: a link to the account's own address (the token is signed and
    names the account, provider and subject). A few per account and hour: the owner's
    mailbox is no one's to flood."""
    hit("3/hour", "sso-link-mail", str(user.id))
    enqueue(session, MAIL_JOB, {"user_id": user.id, "purpose": "sso_link", "token": token})


def unlink(session: Session, user: User, provider_name: str, password: str) -> None:
    links = links_of(session, user)
    link = next((item for item in links if item.provider == provider_name), None)
    if link is None:
        raise NotFound(N_("Diese Verknüpfung gibt es nicht."))
    others = len(links) > 1
    if not others and not security.verify_password(password, user.password_hash):
        # Without another provider the password is the only way back in: it must work.
        raise Forbidden(NEED_PROOF if not password else WRONG_PASSWORD, code="wrong_password")
    session.delete(link)
    session.flush()


def start_session(session: Session, user: User, provider: str, sid: Any) -> str:
    """A forum session begun through the provider; its `sid` (when the ID token has one) is
    remembered so that a logout token naming only that provider session ends this one."""
    raw = accounts.start_session(session, user)
    if isinstance(sid, str) and sid:
        session.flush()
        row = session.execute(
            select(UserSession).where(col(UserSession.token_hash) == security.token_hash(raw))
        ).scalar_one()
        assert row.id is not None
        session.add(OidcSession(provider=provider, sid=sid[:255], session_id=row.id))
        session.flush()
    return raw


def _first_use(session: Session, provider: OidcProvider, token: oidc.LogoutToken) -> bool:
    """Remembers the token's jti; False when it was used before (in any process: the unique
    key decides, on SQLite and PostgreSQL alike)."""
    session.execute(delete(OidcLogoutToken).where(col(OidcLogoutToken.expires_at) < utcnow()))
    values = {
        "provider": provider.name,
        "jti": token.jti[:255],
        "expires_at": datetime.fromtimestamp(token.until, UTC),
    }
    return insert_once(session, OidcLogoutToken, values, None, col(OidcLogoutToken.jti)) is not None


def end_sessions(session: Session, provider: OidcProvider, token: oidc.LogoutToken) -> int:
    """Back-channel logout: with a `sid`, the forum sessions begun in that provider session
    end (of the member `sub` names, when it names one); with only `sub`, every session of
    that member. Returns how many ended; a replayed token is refused."""
    if not _first_use(session, provider, token):
        raise oidc.SignInRefused(oidc.REFUSED, code="logout_token_replayed")
    user_id: int | None = None
    if token.subject is not None:
        link = _find_link(session, provider.name, token.subject)
        if link is None:
            return 0
        user_id = link.user_id
    ended: Any
    if token.sid is not None:
        sessions = (
            select(col(OidcSession.session_id))
            .where(col(OidcSession.provider) == provider.name, col(OidcSession.sid) == token.sid)
            .scalar_subquery()
        )
        query = delete(UserSession).where(col(UserSession.id).in_(sessions))
        if user_id is not None:
            query = query.where(col(UserSession.user_id) == user_id)
        ended = session.execute(query)
    else:
        ended = session.execute(delete(UserSession).where(col(UserSession.user_id) == user_id))
    return int(ended.rowcount or 0)


# ---- proof by a fresh provider sign-in ------------------------------------------------------

# A signed cookie, bound to the forum session it was made in; it expires after this long.
PROOF_COOKIE = "community_sso_proof"
PROOF_SECONDS = 300


def check_reauth(
    session: Session, provider: OidcProvider, claims: dict[str, Any], user: User
) -> None:
    """The fresh sign-in must be the member's own linked account at this provider."""
    link = _find_link(session, provider.name, str(claims["sub"]))
    if link is None or link.user_id != user.id:
        raise Forbidden(NOT_YOUR_ACCOUNT, code="sso_other_account")


def make_proof(user: User, provider: str, session_token: str) -> str:
    return oidc.pack(
        {"user": user.id, "provider": provider, "session": security.token_hash(session_token)},
        "sso-proof",
    )


def proof_holds(raw: str | None, user: User, session_token: str | None) -> bool:
    """Whether the browser proved the account by a provider sign-in in this very forum
    session within the last minutes (instead of the password)."""
    data = oidc.unpack(raw, "sso-proof", PROOF_SECONDS)
    return bool(
        data
        and session_token
        and data.get("user") == user.id
        and secrets.compare_digest(str(data.get("session")), security.token_hash(session_token))
        and any(link.provider == data.get("provider") for link in links_of_user(user))
    )


def links_of_user(user: User) -> list[OidcLink]:
    session = object_session(user)
    return links_of(session, user) if session is not None else []  # type: ignore[arg-type]


def has_password(user: User) -> bool:
    return accounts.has_password(user)


def password_login_allowed(user: User) -> bool:
    return not get_settings().password_login_admins_only or user.is_admin


def links_count(session: Session, user: User) -> int:
    return int(
        session.execute(
            select(func.count()).select_from(OidcLink).where(col(OidcLink.user_id) == user.id)
        ).scalar_one()
    )


def settings_context(user: User) -> dict[str, Any]:
    """The settings page's list of linked providers."""
    session = object_session(user)
    if session is None or user.id is None:
        return {"sso_links": []}
    names = {provider.name: provider for provider in get_settings().oidc_providers}
    rows = []
    for link in links_of(session, user):  # type: ignore[arg-type]
        provider = names.get(link.provider)
        label = oidc.label(provider, user.locale) if provider else link.provider
        rows.append({"provider": link.provider, "label": label, "since": link.created_at})
    return {"sso_links": rows}


def erase_links(session: Session, user_id: int) -> None:
    session.execute(delete(OidcLink).where(col(OidcLink.user_id) == user_id))
