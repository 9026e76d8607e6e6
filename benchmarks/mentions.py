"""How long an @mention suggestion takes with many members, and what the visibility rule
(a visible post in a thread the viewer can see) costs against a bare nickname-prefix lookup
in the same run.

    .venv/bin/python benchmarks/mentions.py [--members 20000] [--url sqlite:////tmp/m.sqlite3]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from sqlalchemy import insert, select
from sqlmodel import Session, col

from community.accounts.models import User
from community.accounts.viewer import viewer_for
from community.clock import utcnow
from community.config import get_settings
from community.db import make_engine
from community.forum import mentions
from community.forum.models import Category, CategoryGroup, Post, Thread
from community.migrate import upgrade
from community.models import Group
from community.ratelimit import reset_limits

PREFIXES = ["a", "be", "chr", "da", "m", "mar", "st", "x", "zz", "Mit"]


def build(url: str, members: int) -> None:
    engine = make_engine(url)
    upgrade(engine)
    now = utcnow()
    names = [
        "Anna", "Bernd", "Christa", "Daniel", "Marta", "Markus", "Stefan", "Xaver", "Mitglied",
    ]  # fmt: skip
    with Session(engine) as s:
        s.execute(
            insert(User),
            [
                {
                    "email": f"u{i}@example.com",
                    "nickname": f"{names[i % len(names)]}{i}",
                    "nickname_key": f"{names[i % len(names)]}{i}".casefold(),
                    "nickname_skeleton": f"{names[i % len(names)]}{i}".casefold(),
                    "password_hash": "x",
                    "email_verified_at": now,
                    "created_at": now,
                }
                for i in range(members)
            ],
        )
        s.add_all([Category(slug="offen", name="Offen"), Category(slug="zu", name="Zu")])
        s.add(Group(slug="kunden", name="Kunden"))
        s.flush()
        closed = s.execute(select(Category).where(col(Category.slug) == "zu")).scalar_one()
        group = s.execute(select(Group)).scalar_one()
        s.add(CategoryGroup(category_id=closed.id, group_id=group.id))  # type: ignore[arg-type]
        ids = list(s.execute(select(col(User.id)).order_by(col(User.id))).scalars())
        # Every third member writes in the open board, every fifth in the closed one only.
        for n, uid in enumerate(ids):
            if n % 3 and n % 5:
                continue
            board = closed.id if n % 5 == 0 and n % 3 else 1
            thread = Thread(category_id=board, author_id=uid, title=f"Frage {n}", slug="frage")  # type: ignore[arg-type]
            s.add(thread)
            s.flush()
            s.add(
                Post(thread_id=thread.id, author_id=uid, is_opening=True, body="x", body_html="x")
            )  # type: ignore[arg-type]
        s.commit()


def timed(fn, rounds: int = 30) -> float:  # type: ignore[no-untyped-def]
    runs = []
    for _ in range(rounds):
        start = time.perf_counter()
        fn()
        runs.append(time.perf_counter() - start)
    return statistics.median(runs) * 1000


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--members", type=int, default=20_000)
    parser.add_argument("--url")
    args = parser.parse_args()
    url = args.url or f"sqlite:///{Path(tempfile.mkdtemp()) / 'mentions.sqlite3'}"
    get_settings().mention_suggest_rate = "1000000/minute"
    build(url, args.members)
    engine = make_engine(url)
    with Session(engine) as s:
        viewer = viewer_for(s, s.execute(select(User).limit(1)).scalar_one())
        reset_limits()

        def suggest_all() -> None:
            for prefix in PREFIXES:
                mentions.suggest(s, viewer, prefix)

        def bare_all() -> None:
            for prefix in PREFIXES:
                s.execute(
                    select(col(User.nickname))
                    .where(col(User.nickname_key).startswith(prefix.casefold(), autoescape=True))
                    .order_by(col(User.nickname_key))
                    .limit(mentions.LIMIT)
                ).all()

        with_rule = timed(suggest_all) / len(PREFIXES)
        bare = timed(bare_all) / len(PREFIXES)
    print(f"members: {args.members}, backend: {url.split(':')[0]}")
    print(f"suggestion (visible posts only, thread-less): {with_rule:.2f} ms median per prefix")
    print(f"bare nickname-prefix lookup:                  {bare:.2f} ms median per prefix")
    print(f"ratio: {with_rule / bare:.1f}x")


if __name__ == "__main__":
    main()
