"""A hand-built week of a small forum with a fixed clock, for exact figures.

NOW is Friday 2026-11-20 12:00 UTC; period=week covers 2026-11-14 00:00 to 2026-11-21 00:00.

  board     question  asked    replies (author, after)               solution      notes
  technik   q1        NOW-5d   Helferin 1 h, Support 3 h            Helferin 10 h
  technik   q2        NOW-4d   asker2 (own) 0.5 h, Support 2 h      –
  technik   q7        NOW-2h   –                                    –             too young to be "unanswered"
  technik   q5        NOW-10d  –                                    –             before the week; unanswered
  technik   q6        NOW-3d   Helferin 1 h                         –             deleted: counts nowhere
  technik   disc      NOW-1d   a discussion by Fan                               not a question
  kunden*   q3        NOW-3d   Support 4 h                          Support 6 h
  kunden*   q4        NOW-2d   Helferin 1 h (hidden)                –             unanswered
  (* closed board)

Kudos: Fan and asker1 on Helferin's answer to q1 (in the week), Fan on Support's answer
to q3 (in the week), asker2 on Support's reply in q2 eight days ago (before the week).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import update
from sqlmodel import Session

from community.accounts.models import Role, User
from community.accounts.viewer import viewer_for
from community.forum.models import Category, Post, Thread, ThreadKind
from community.reputation import service as reputation
from community.reputation.models import Kudo
from tests.factories import make_category, make_group, make_reply, make_thread, make_user

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


@pytest.fixture
def fixed_clock(monkeypatch: pytest.MonkeyPatch) -> datetime:
    monkeypatch.setattr("community.clock.utcnow", lambda: NOW)
    return NOW


@dataclass
class World:
    technik: Category
    kunden: Category
    asker1: User
    asker2: User
    helper: User
    staff: User
    fan: User
    moderator: User
    member: User
    q1: Thread
    q2: Thread
    q3: Thread
    q4: Thread
    q5: Thread
    q7: Thread


def _at(db: Session, thread: Thread, asked: datetime) -> None:
    db.execute(
        update(Thread)
        .where(Thread.id == thread.id)  # type: ignore[arg-type]
        .values(created_at=asked, last_post_at=asked)
    )
    db.execute(
        update(Post)
        .where(Post.thread_id == thread.id, Post.is_opening == True)  # type: ignore[arg-type]  # noqa: E712
        .values(created_at=asked)
    )
    db.commit()


def _reply(db: Session, thread: Thread, author: User, after: timedelta, asked: datetime) -> Post:
    post = make_reply(db, author=author, thread=thread)
    db.execute(update(Post).where(Post.id == post.id).values(created_at=asked + after))  # type: ignore[arg-type]
    db.commit()
    return post


def _solve(db: Session, thread: Thread, post: Post, by: User, at: datetime) -> None:
    assert thread.id is not None and post.id is not None
    reputation.accept_solution(db, viewer_for(db, by), thread.id, post.id)
    db.execute(update(Thread).where(Thread.id == thread.id).values(solved_at=at))  # type: ignore[arg-type]
    db.commit()


def _kudos(db: Session, giver: User, post: Post, at: datetime) -> None:
    assert post.id is not None
    reputation.give_kudos(db, viewer_for(db, giver), post.id)
    db.execute(
        update(Kudo)
        .where(Kudo.post_id == post.id, Kudo.giver_id == giver.id)  # type: ignore[arg-type]
        .values(created_at=at)
    )
    db.commit()


# What each field of the world is, to load it by id.
_MODELS: dict[str, type[Category | User | Thread]] = {
    "technik": Category,
    "kunden": Category,
    **dict.fromkeys(("asker1", "asker2", "helper", "staff", "fan", "moderator", "member"), User),
    **dict.fromkeys(("q1", "q2", "q3", "q4", "q5", "q7"), Thread),
}


@pytest.fixture(scope="module")
def world_ids(module_db: Session) -> dict[str, int]:
    """The week, built once per module and database at NOW (as the tests see the clock);
    what a test changes is rolled back to its savepoint (see `module_db`)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("community.clock.utcnow", lambda: NOW)
        world = _build_world(module_db)
    module_db.close()
    return {name: getattr(world, name).id for name in _MODELS}


@pytest.fixture
def world(db: Session, world_ids: dict[str, int]) -> World:
    """The module's week, loaded into this test's session."""
    return World(**{name: db.get(_MODELS[name], id_) for name, id_ in world_ids.items()})


def _build_world(db: Session) -> World:
    asker1 = make_user(db, nickname="Fragerin")
    asker2 = make_user(db, nickname="Frager")
    helper = make_user(db, nickname="Helferin")
    staff = make_user(db, nickname="Support", staff=True)
    fan = make_user(db, nickname="Fan")
    moderator = make_user(db, nickname="Moni", role=Role.moderator)
    member = make_user(db, nickname="Zaungast")
    group = make_group(db, slug="grosskunden", members=[asker1, asker2, helper, staff, fan])
    technik = make_category(db, slug="technik", name="Technik")
    kunden = make_category(db, slug="kunden", name="Kundenbereich", groups=[group])

    def ask(board: Category, asker: User, asked: datetime, **kw: object) -> Thread:
        thread = make_thread(db, author=asker, category=board, **kw)  # type: ignore[arg-type]
        _at(db, thread, asked)
        return thread

    h = timedelta(hours=1)
    t1 = NOW - timedelta(days=5)
    q1 = ask(technik, asker1, t1)
    answer1 = _reply(db, q1, helper, 1 * h, t1)
    _reply(db, q1, staff, 3 * h, t1)
    _solve(db, q1, answer1, asker1, t1 + 10 * h)

    t2 = NOW - timedelta(days=4)
    q2 = ask(technik, asker2, t2)
    _reply(db, q2, asker2, h / 2, t2)
    staff_reply2 = _reply(db, q2, staff, 2 * h, t2)

    q7 = ask(technik, asker1, NOW - 2 * h)
    q5 = ask(technik, asker2, NOW - timedelta(days=10))

    t6 = NOW - timedelta(days=3)
    q6 = ask(technik, helper, t6)
    _reply(db, q6, asker1, h, t6)
    db.execute(update(Thread).where(Thread.id == q6.id).values(is_deleted=True))  # type: ignore[arg-type]
    db.commit()

    ask(technik, fan, NOW - timedelta(days=1), kind=ThreadKind.discussion)

    t3 = NOW - timedelta(days=3)
    q3 = ask(kunden, asker1, t3)
    answer3 = _reply(db, q3, staff, 4 * h, t3)
    _solve(db, q3, answer3, asker1, t3 + 6 * h)

    t4 = NOW - timedelta(days=2)
    q4 = ask(kunden, asker2, t4)
    hidden = _reply(db, q4, helper, h, t4)
    db.execute(update(Post).where(Post.id == hidden.id).values(is_hidden=True))  # type: ignore[arg-type]
    db.commit()

    _kudos(db, fan, answer1, NOW - timedelta(days=4))
    _kudos(db, asker1, answer1, NOW - timedelta(days=4))
    _kudos(db, fan, answer3, NOW - timedelta(days=2))
    _kudos(db, asker2, staff_reply2, NOW - timedelta(days=8))

    return World(
        technik,
        kunden,
        asker1,
        asker2,
        helper,
        staff,
        fan,
        moderator,
        member,
        q1,
        q2,
        q3,
        q4,
        q5,
        q7,
    )
