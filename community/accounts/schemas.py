"""Input and output models of accounts. Real name, company and e-mail appear only in
the private models, which the API returns to the user themself and to staff."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, EmailStr, Field

from community.accounts.models import Role, User
from community.accounts.validation import EMAIL_PATTERN
from community.text import CleanStr, SettingsBody


class UserRegister(BaseModel):
    email: EmailStr
    password: CleanStr = Field(max_length=1000)
    nickname: CleanStr = Field(max_length=100)
    real_name: CleanStr | None = Field(default=None, max_length=100)
    company: CleanStr | None = Field(default=None, max_length=100)
    locale: str = Field(default="de", pattern="^(de|en)$")


class LoginRequest(BaseModel):
    email: CleanStr = Field(max_length=254)
    password: CleanStr = Field(max_length=1000)


class EmailRequest(BaseModel):
    # "nope" gets a format error, not "a link is on its way"; any account's address passes
    email: CleanStr = Field(max_length=254, pattern=EMAIL_PATTERN)


class TokenRequest(BaseModel):
    token: CleanStr = Field(max_length=200)


class PasswordResetConfirm(BaseModel):
    token: CleanStr = Field(max_length=200)
    password: CleanStr = Field(max_length=1000)


class PasswordChange(BaseModel):
    current_password: CleanStr = Field(max_length=1000)
    new_password: CleanStr = Field(max_length=1000)


class UserUpdate(BaseModel):
    nickname: CleanStr | None = Field(default=None, max_length=100)
    real_name: CleanStr | None = Field(default=None, max_length=100)
    company: CleanStr | None = Field(default=None, max_length=100)
    locale: str | None = Field(default=None, pattern="^(de|en)$")


class UserPublic(BaseModel):
    """What anyone may see of a member: the nickname is the only public identity."""

    model_config = ConfigDict(from_attributes=True)

    nickname: str
    role: Role
    is_staff: bool
    created_at: datetime

    @classmethod
    def of(cls, user: User) -> UserPublic:
        return cls(
            nickname=user.nickname,
            role=Role(user.role),
            is_staff=user.is_staff,
            created_at=user.created_at,
        )


class UserPrivate(UserPublic):
    """The member's own view, and staff's."""

    id: int
    email: str
    real_name: str | None
    company: str | None
    locale: str
    email_verified: bool
    is_active: bool

    @classmethod
    def of(cls, user: User) -> UserPrivate:
        assert user.id is not None
        return cls(
            id=user.id,
            nickname=user.nickname,
            role=Role(user.role),
            is_staff=user.is_staff,
            created_at=user.created_at,
            email=user.email,
            real_name=user.real_name,
            company=user.company,
            locale=user.locale,
            email_verified=user.is_verified,
            is_active=user.is_active,
        )


class LoginResult(BaseModel):
    user: UserPrivate
    csrf_token: str = Field(
        description="Send as X-CSRF-Token with every state-changing request made with the cookie"
    )


class UserAdminUpdate(SettingsBody):
    role: Role | None = None
    is_staff: bool | None = None
    is_active: bool | None = None


class GroupCreate(SettingsBody):
    slug: str = Field(min_length=2, max_length=60, pattern=r"^[a-z0-9][a-z0-9-]*$")
    name: CleanStr = Field(min_length=2, max_length=100)
    description: CleanStr = Field(default="", max_length=2000)


class GroupUpdate(BaseModel):
    name: CleanStr = Field(min_length=2, max_length=100)
    description: CleanStr = Field(default="", max_length=2000)


class GroupPublic(BaseModel):
    slug: str
    name: str
    description: str
    member_count: int


class GroupMemberAdd(SettingsBody):
    nickname: CleanStr = Field(max_length=100)


class ApiTokenCreate(SettingsBody):
    name: CleanStr = Field(min_length=1, max_length=100)
    scopes: list[CleanStr] = Field(default_factory=list, max_length=10)


class ApiTokenPublic(BaseModel):
    id: int
    name: str
    prefix: str
    scopes: list[str]
    created_at: datetime
    last_used_at: datetime | None
    revoked: bool


class ApiTokenCreated(ApiTokenPublic):
    token: str = Field(description="Shown once; only its hash is stored")
