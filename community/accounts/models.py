"""Accounts: users, their sessions, one-time mail tokens, closed groups, integration tokens
and the links to OpenID providers (with their session ids and used logout tokens)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import (
    CheckConstraint,
    Column,
    Index,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    event,
)
from sqlmodel import Field, SQLModel

from community.accounts.validation import nickname_skeleton
from community.clock import utcnow


class Role(StrEnum):
    member = "member"
    expert = "expert"
    moderator = "moderator"
    admin = "admin"


# Members choose 3-20 characters; the pseudonym of an erased account ("Gelöschtes
# Mitglied 1234") needs more. SQLite does not enforce VARCHAR lengths, and widening the
# column there would mean recreating the users table, whose DROP cascades to every row
# referencing it, so its SQLite schema keeps the 20.
NICKNAME_TYPE = String(40).with_variant(String(20), "sqlite")


class User(SQLModel, table=True):
    __tablename__ = "users"
    __table_args__ = (
        CheckConstraint("role IN ('member', 'expert', 'moderator', 'admin')", name="role"),
    )

    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(sa_column=Column(String(254), unique=True, nullable=False))
    nickname: str = Field(sa_column=Column(NICKNAME_TYPE, nullable=False))
    # The case-folded nickname carries the uniqueness: "Anna" and "anna" are one name.
    nickname_key: str = Field(sa_column=Column(NICKNAME_TYPE, unique=True, nullable=False))
    # The look-alike key (validation.nickname_skeleton), kept by a mapper event on every
    # write: registration refuses a name whose skeleton an existing member has.
    nickname_skeleton: str = Field(
        default="", sa_column=Column(String(80), index=True, nullable=False, server_default="")
    )
    password_hash: str = Field(max_length=255)
    real_name: str | None = Field(default=None, max_length=100)
    company: str | None = Field(default=None, max_length=100)
    role: str = Field(default=Role.member.value, max_length=16)
    is_staff: bool = False
    is_active: bool = True
    # A suspension by the moderation: no posting or kudos until then (a ban is is_active=False).
    suspended_until: datetime | None = None
    email_verified_at: datetime | None = None
    locale: str = Field(default="de", max_length=5)
    created_at: datetime = Field(default_factory=utcnow)
    # Set when the account was erased (GDPR): the row stays under a pseudonym, so the
    # posts it keeps and the counters of others stay whole; nothing personal is left on it.
    erased_at: datetime | None = None
    # Reputation, kept in the same transaction as the kudos or solution that changes it;
    # `community recompute-reputation` rebuilds them from the rows.
    points: int = 0
    rank: str = Field(default="newcomer", max_length=40)
    solution_count: int = 0
    kudos_received: int = 0
    kudos_given: int = 0
    reply_count: int = 0
    thread_count: int = 0
    # The random key of an uploaded avatar (accounts/avatars.py); None: the generated one.
    avatar_key: str | None = Field(default=None, max_length=32)

    @property
    def is_verified(self) -> bool:
        return self.email_verified_at is not None

    @property
    def is_moderator(self) -> bool:
        return self.role in (Role.moderator, Role.admin)

    @property
    def is_admin(self) -> bool:
        return self.role == Role.admin


class Avatar(SQLModel, table=True):
    """An uploaded avatar, cleaned and resized (accounts/avatars.py); WebP at 48 and 96 px."""

    __tablename__ = "avatars"

    user_id: int = Field(foreign_key="users.id", primary_key=True, ondelete="CASCADE")
    key: str = Field(max_length=32)
    small: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    large: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    created_at: datetime = Field(default_factory=utcnow)


class UserSession(SQLModel, table=True):
    """A login. Only the token's hash is stored, so a leaked table opens no account."""

    __tablename__ = "user_sessions"

    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(sa_column=Column(String(64), unique=True, nullable=False))
    user_id: int = Field(foreign_key="users.id", index=True, ondelete="CASCADE")
    created_at: datetime = Field(default_factory=utcnow)
    expires_at: datetime
    last_seen_at: datetime = Field(default_factory=utcnow)


class EmailToken(SQLModel, table=True):
    """A one-time link sent by mail: verify the address or reset the password."""

    __tablename__ = "email_tokens"
    __table_args__ = (CheckConstraint("purpose IN ('verify', 'reset')", name="purpose"),)

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="users.id", index=True, ondelete="CASCADE")
    purpose: str = Field(max_length=16)
    token_hash: str = Field(sa_column=Column(String(64), unique=True, nullable=False))
    created_at: datetime = Field(default_factory=utcnow)
    expires_at: datetime
    used_at: datetime | None = None


class Group(SQLModel, table=True):
    """A closed group: boards restricted to it are seen only by its members (and moderators)."""

    __tablename__ = "groups"

    id: int | None = Field(default=None, primary_key=True)
    slug: str = Field(sa_column=Column(String(60), unique=True, nullable=False))
    name: str = Field(max_length=100)
    description: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    created_at: datetime = Field(default_factory=utcnow)


class GroupMember(SQLModel, table=True):
    __tablename__ = "group_members"

    group_id: int = Field(foreign_key="groups.id", primary_key=True, ondelete="CASCADE")
    user_id: int = Field(foreign_key="users.id", primary_key=True, index=True, ondelete="CASCADE")
    added_at: datetime = Field(default_factory=utcnow)


# A token's scope for one group's closed boards in the FAQ export, with the group's slug.
GROUP_FAQ_SCOPE = "faq:read:group:"


class ApiToken(SQLModel, table=True):
    """An integration token (e.g. for the CRM); stored hashed, limited by scopes."""

    __tablename__ = "api_tokens"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=100)
    prefix: str = Field(max_length=12)
    token_hash: str = Field(sa_column=Column(String(64), unique=True, nullable=False))
    scopes: str = Field(default="", max_length=500)
    created_by_id: int | None = Field(default=None, foreign_key="users.id", ondelete="SET NULL")
    created_at: datetime = Field(default_factory=utcnow)
    last_used_at: datetime | None = None
    revoked_at: datetime | None = None

    @property
    def scope_list(self) -> list[str]:
        return [s for s in self.scopes.split() if s]


class OidcLink(SQLModel, table=True):
    """An account's sign-in through an OpenID provider: the provider's name (configuration)
    and its subject id for the member. No tokens are kept."""

    __tablename__ = "oidc_links"
    __table_args__ = (
        UniqueConstraint("provider", "subject", name="uq_oidc_links_subject"),
        # One identity per provider and account: a second could not be told apart in the
        # settings, and unlinking would take the wrong one.
        UniqueConstraint("provider", "user_id", name="uq_oidc_links_user"),
    )

    id: int | None = Field(default=None, primary_key=True)
    provider: str = Field(max_length=30)
    subject: str = Field(max_length=255)
    user_id: int = Field(foreign_key="users.id", index=True, ondelete="CASCADE")
    created_at: datetime = Field(default_factory=utcnow)
    last_login_at: datetime | None = None


class OidcSession(SQLModel, table=True):
    """The provider's session id (the ID token's `sid`) for a forum session begun through
    it, so a back-channel logout token naming only `sid` ends exactly that session."""

    __tablename__ = "oidc_sessions"
    __table_args__ = (Index("ix_oidc_sessions_provider_sid", "provider", "sid"),)

    id: int | None = Field(default=None, primary_key=True)
    provider: str = Field(max_length=30)
    sid: str = Field(max_length=255)
    session_id: int = Field(foreign_key="user_sessions.id", index=True, ondelete="CASCADE")


class OidcLogoutToken(SQLModel, table=True):
    """A back-channel logout token already used (its `jti`), kept until the token would be
    refused as too old anyway: the same token posted again is refused (replay)."""

    __tablename__ = "oidc_logout_tokens"
    __table_args__ = (UniqueConstraint("provider", "jti", name="uq_oidc_logout_tokens_jti"),)

    id: int | None = Field(default=None, primary_key=True)
    provider: str = Field(max_length=30)
    jti: str = Field(max_length=255)
    expires_at: datetime = Field(index=True)


@event.listens_for(User, "before_insert")
@event.listens_for(User, "before_update")
def _keep_nickname_skeleton(_mapper: object, _connection: object, user: User) -> None:
    user.nickname_skeleton = nickname_skeleton(user.nickname)
