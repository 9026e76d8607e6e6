"""The last admin stays: of the two last admins erasing their accounts at the same moment,
the second waits for the first and is refused (PostgreSQL's row locks decide)."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import Engine
from sqlmodel import Session

from community.accounts.models import Role, User
from community.accounts.viewer import viewer_for
from community.errors import Conflict
from community.privacy import service as privacy
from tests.factories import PASSWORD, make_user

pytestmark = [pytest.mark.commits, pytest.mark.postgres_only]  # two transactions at once


def _erase(session: Session, user_id: int) -> None:
    user = session.get(User, user_id)
    assert user is not None
    privacy.erase_own_account(
        session, viewer_for(session, user), password=PASSWORD, confirm=True, remove_posts=False
    )


def test_two_last_admins_leaving_at_once_leave_one(db: Session, engine: Engine) -> None:
    first = make_user(db, role=Role.admin, nickname="Admin_Eins")
    second = make_user(db, role=Role.admin, nickname="Admin_Zwei")
    assert first.id is not None and second.id is not None
    outcome: list[str] = []

    def second_leaves() -> None:
        with Session(engine) as session:
            try:
                _erase(session, second.id)  # type: ignore[arg-type]
                session.commit()
                outcome.append("erased")
            except Conflict:
                outcome.append("refused")

    with Session(engine) as session:
        _erase(session, first.id)  # the first is erased, not yet committed
        other = threading.Thread(target=second_leaves)
        other.start()
        other.join(timeout=1.0)
        assert other.is_alive(), outcome  # the second waits for the first's decision
        session.commit()
    other.join(timeout=10)

    assert outcome == ["refused"]
    db.expire_all()
    assert db.get(User, second.id).erased_at is None  # type: ignore[union-attr]
    assert db.get(User, first.id).erased_at is not None  # type: ignore[union-attr]
