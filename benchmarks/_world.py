"""The small forum the webhook benchmarks start from: a migrated database with an admin,
an author and one board, and (when given) an endpoint subscribed to thread.created."""

from __future__ import annotations

from sqlalchemy import Engine
from sqlmodel import Session

from community.accounts.models import Role, User
from community.accounts.viewer import viewer_for
from community.clock import utcnow
from community.config import get_settings
from community.db import make_engine
from community.forum.models import Category
from community.migrate import upgrade
from community.webhooks import service as webhooks


def bench_world(url: str, endpoint: str | None) -> tuple[Engine, User]:
    """The engine and the author who writes the benchmark's threads in board "bench"."""
    # One author writes a thread every fraction of a second: the posting limits are off.
    get_settings().antispam_enabled = False
    engine = make_engine(url)
    upgrade(engine)
    with Session(engine, expire_on_commit=False) as s:
        admin = User(
            email="a@example.com",
            nickname="Admin",
            nickname_key="admin",
            password_hash="x",
            role=Role.admin.value,
            is_staff=True,
        )
        author = User(
            email="b@example.com",
            nickname="Autor",
            nickname_key="autor",
            password_hash="x",
            email_verified_at=utcnow(),
        )
        s.add_all([admin, author, Category(slug="bench", name="Bench", position=1)])
        s.commit()
        if endpoint:
            webhooks.create_endpoint(
                s, viewer_for(s, admin), url=endpoint, event_types=["thread.created"]
            )
            s.commit()
    return engine, author
