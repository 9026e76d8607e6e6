"""What the fault tests check after a fault: nothing half-written."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, select
from sqlmodel import Session

from community.accounts.models import User
from community.forum.counters import recompute_counters
from community.forum.models import Category, Post, Thread
from community.reputation.service import recompute_all


def kept_values(session: Session) -> dict[str, Any]:
    """Every counter the forum keeps beside the rows it counts."""
    rows: dict[str, Any] = {}
    for t in session.execute(select(Thread)).scalars():
        rows[f"thread {t.id}"] = (t.reply_count, t.last_post_id, t.kudos_count)
    for c in session.execute(select(Category)).scalars():
        rows[f"board {c.id}"] = (c.thread_count, c.post_count, c.last_thread_id)
    for p in session.execute(select(Post)).scalars():
        rows[f"post {p.id}"] = p.kudos_count
    for u in session.execute(select(User)).scalars():
        rows[f"user {u.id}"] = (u.points, u.rank)
    return rows


def assert_recomputes_to_same(engine: Engine) -> None:
    """The counters kept during the fault equal the ones recomputed from the rows."""
    with Session(engine) as session:
        before = kept_values(session)
        recompute_counters(session)
        recompute_all(session)
        session.flush()
        session.expire_all()
        after = kept_values(session)
        session.rollback()
    changed = {k: (before[k], after.get(k)) for k in before if before[k] != after.get(k)}
    assert not changed, f"kept counters differ from the recomputed ones: {changed}"
