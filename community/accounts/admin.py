"""Admins' actions on members, closed groups and integration tokens: each checks that the
actor is an admin and writes an audit entry (who, what, when, before and after) in the
same transaction. The plain account functions stay free of the actor, as the command line
(`create-admin`, `create-token`) calls them too."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session

from community.accounts import service as accounts
from community.accounts.models import ApiToken, Group, Role, User
from community.accounts.viewer import Viewer
from community.errors import Conflict, InvalidInput
from community.forum import permissions as perms
from community.i18n import N_
from community.moderation import audit

UNKNOWN_MEMBERS = N_("Diese Spitznamen oder Adressen gehören zu keinem Mitglied:")
OWN_ROLE = N_(
    "Ihre eigene Rolle als Administrator ändert ein anderes Admin-Mitglied, damit immer "
    "jemand die Verwaltung erreicht."
)


class UnknownMembers(InvalidInput):
    """Names in a list that match no member; the form shows them beside the message."""

    def __init__(self, names: list[str]):
        super().__init__(UNKNOWN_MEMBERS)
        self.names = names


def _user_state(user: User) -> dict[str, Any]:
    return {"role": user.role, "is_staff": user.is_staff, "is_active": user.is_active}


def update_user(
    session: Session,
    viewer: Viewer,
    nickname: str,
    *,
    role: Role | None = None,
    is_staff: bool | None = None,
    is_active: bool | None = None,
) -> User:
    perms.require_admin(viewer)
    user = accounts.get_user_by_nickname(session, nickname)
    if user.id == viewer.user_id and (
        (role is not None and role != Role.admin) or is_active is False
    ):
        # Whoever has the rights to give them back stays: the only admin who demoted
        # themselves locked everybody out of the console (only the command line let one in).
        raise Conflict(OWN_ROLE, code="own_role")
    before = _user_state(user)
    accounts.set_role(session, user, role=role, is_staff=is_staff)
    if is_active is not None:
        accounts.set_active(session, user, is_active)
    session.flush()
    after = _user_state(user)
    if after != before:
        audit.record(session, viewer, "user.update", "user", user.id, before=before, after=after)
    return user


def create_group(
    session: Session, viewer: Viewer, *, slug: str, name: str, description: str = ""
) -> Group:
    perms.require_admin(viewer)
    group = accounts.create_group(session, slug=slug, name=name, description=description)
    audit.record(
        session, viewer, "group.create", "group", group.id, after={"slug": slug, "name": name}
    )
    return group


def update_group(
    session: Session, viewer: Viewer, slug: str, *, name: str, description: str
) -> Group:
    """Rename or describe a group; the slug stays, as boards and tokens name it."""
    perms.require_admin(viewer)
    group = accounts.get_group(session, slug)
    accounts.check_group_name_free(session, name, except_id=group.id)
    before = {"name": group.name, "description": group.description}
    group.name = name
    group.description = description
    session.add(group)
    session.flush()
    after = {"name": group.name, "description": group.description}
    if after != before:
        audit.record(session, viewer, "group.update", "group", group.id, before=before, after=after)
    return group


def add_members(session: Session, viewer: Viewer, slug: str, names: list[str]) -> list[User]:
    """Several members at once, each by nickname or e-mail address. All or none: an
    unknown name refuses the whole list, so the admin corrects it and sends it again."""
    perms.require_admin(viewer)
    wanted = [n.strip() for n in names if n.strip()]
    if not wanted:
        raise InvalidInput(
            "Bitte geben Sie mindestens einen Spitznamen oder eine E-Mail-Adresse an."
        )
    users, unknown = [], []
    for name in wanted:
        user = accounts.find_user(session, name)
        if user is None:
            unknown.append(name)
        else:
            users.append(user)
    if unknown:
        raise UnknownMembers(unknown)
    for user in users:
        add_member(session, viewer, slug, user.nickname)
    return users


def _members(session: Session, group: Group) -> list[str]:
    return sorted(u.nickname for u in accounts.group_members(session, group))


def add_member(session: Session, viewer: Viewer, slug: str, nickname: str) -> None:
    perms.require_admin(viewer)
    group = accounts.get_group(session, slug)
    user = accounts.get_user_by_nickname(session, nickname)
    before = _members(session, group)
    accounts.add_member(session, group, user)
    after = _members(session, group)
    if after != before:
        audit.record(
            session,
            viewer,
            "group.add_member",
            "group",
            group.id,
            before={"member": None},
            after={"member": user.nickname},
        )


def remove_member(session: Session, viewer: Viewer, slug: str, nickname: str) -> None:
    perms.require_admin(viewer)
    group = accounts.get_group(session, slug)
    user = accounts.get_user_by_nickname(session, nickname)
    before = _members(session, group)
    accounts.remove_member(session, group, user)
    if _members(session, group) != before:
        audit.record(
            session,
            viewer,
            "group.remove_member",
            "group",
            group.id,
            before={"member": user.nickname},
            after={"member": None},
        )


def _token_state(token: ApiToken) -> dict[str, Any]:
    # Name, prefix and scopes only: the secret itself is never written anywhere.
    return {
        "name": token.name,
        "prefix": token.prefix,
        "scopes": token.scope_list,
        "revoked": token.revoked_at is not None,
    }


def list_tokens(session: Session, viewer: Viewer) -> list[ApiToken]:
    perms.require_admin(viewer)
    return accounts.list_api_tokens(session)


def create_token(
    session: Session, viewer: Viewer, *, name: str, scopes: list[str]
) -> tuple[ApiToken, str]:
    perms.require_admin(viewer)
    token, raw = accounts.create_api_token(
        session, name=name, scopes=scopes, created_by=viewer.user
    )
    session.flush()
    audit.record(session, viewer, "token.create", "token", token.id, after=_token_state(token))
    return token, raw


def revoke_token(session: Session, viewer: Viewer, token_id: int) -> ApiToken:
    perms.require_admin(viewer)
    existing = session.get(ApiToken, token_id)
    before = _token_state(existing) if existing is not None else None
    token = accounts.revoke_api_token(session, token_id)
    session.add(token)
    session.flush()
    audit.record(
        session, viewer, "token.revoke", "token", token.id, before=before, after=_token_state(token)
    )
    return token
