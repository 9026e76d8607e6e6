"""Who is looking: the user (or nobody) and the closed groups they belong to."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import bindparam, select
from sqlmodel import Session, col

from community.accounts.models import GroupMember, User
from community.db import read_values


@dataclass(frozen=True)
class Viewer:
    user: User | None = None
    group_ids: frozenset[int] = field(default_factory=frozenset)
    # Scopes of an integration token; None for a person signed in with a session.
    token_scopes: frozenset[str] | None = None

    @property
    def is_anonymous(self) -> bool:
        return self.user is None

    @property
    def user_id(self) -> int | None:
        return self.user.id if self.user else None

    @property
    def is_moderator(self) -> bool:
        return self.user is not None and self.user.is_moderator

    @property
    def is_admin(self) -> bool:
        return self.user is not None and self.user.is_admin


ANONYMOUS = Viewer()


def viewer_for(session: Session, user: User | None) -> Viewer:
    if user is None or user.id is None:
        return ANONYMOUS
    group_ids = read_values(session, _GROUP_IDS, {"user_id": user.id}).scalars()
    return Viewer(user=user, group_ids=frozenset(group_ids))


# Built once per process: every signed-in request asks.
_GROUP_IDS = select(col(GroupMember.group_id)).where(
    col(GroupMember.user_id) == bindparam("user_id")
)
