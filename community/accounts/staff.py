"""How company staff appear beside their nickname: "Anna K." from the real name, when the
company's guidelines say so (a site setting, else COMMUNITY_STAFF_SHOW_NAME).

This is the one exception to "the nickname is the only public identity", and it covers
staff only: a member's real name never leaves this module."""

from __future__ import annotations

from collections.abc import Iterable

from sqlmodel import Session

from community.accounts.models import Role, User
from community.config import get_settings
from community.site import service as site

SHOW_NAME_KEY = "staff.show_name"


def is_staff_member(user: User) -> bool:
    """Company employees (the staff flag), moderators and admins."""
    return user.is_staff or user.role in (Role.moderator, Role.admin)


def staff_names_shown(session: Session) -> bool:
    stored = site.get_value(session, SHOW_NAME_KEY)
    if isinstance(stored, bool):
        return stored
    return get_settings().staff_show_name


def staff_display_name(user: User, *, shown: bool) -> str | None:
    """First word of the real name and the initial of the last: "Anna K."; None for members,
    for staff without a real name, and while the setting is off."""
    if not shown or not is_staff_member(user) or not user.real_name:
        return None
    words = user.real_name.split()
    if not words:
        return None
    if len(words) == 1:
        return words[0]
    return f"{words[0]} {words[-1][0]}."


def staff_names(session: Session, users: Iterable[User]) -> dict[int, str]:
    """The display names of the staff among a page's authors, by user id."""
    shown = staff_names_shown(session)
    if not shown:
        return {}
    out = {}
    for user in users:
        name = staff_display_name(user, shown=True)
        if name is not None and user.id is not None:
            out[user.id] = name
    return out
