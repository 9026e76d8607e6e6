"""Parallel requests: the database decides, so double clicks never double count."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select

from community.events.models import Event
from community.reputation.models import Kudo
from tests.factories import make_category, make_reply, make_thread, make_user, sign_in

pytestmark = [pytest.mark.commits, pytest.mark.postgres_only]  # parallel requests


def _parallel(clients, call) -> list[int]:
    barrier = threading.Barrier(len(clients))
    statuses: list[int] = []

    def run(c):
        barrier.wait()
        statuses.append(call(c).status_code)

    threads = [threading.Thread(target=run, args=(c,)) for c in clients]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return statuses


def test_parallel_kudos_clicks_leave_one_kudos(db, make_client):
    board = make_category(db)
    fan, helper = make_user(db), make_user(db)
    thread = make_thread(db, author=fan, category=board)
    reply = make_reply(db, author=helper, thread=thread)
    clients = [make_client() for _ in range(6)]
    for c in clients:
        sign_in(c, fan)

    statuses = _parallel(clients, lambda c: c.post(f"/api/v1/posts/{reply.id}/kudos"))

    assert statuses == [200] * 6
    assert db.execute(select(func.count()).select_from(Kudo)).scalar_one() == 1
    assert clients[0].get(f"/api/v1/posts/{reply.id}").json()["kudos_count"] == 1
    profile = clients[0].get(f"/api/v1/users/{helper.nickname}").json()
    assert profile["kudos_received"] == 1
    assert profile["points"] == 1 + 4


def test_two_simultaneous_accepts_leave_one_solution_and_one_event(db, make_client):
    board = make_category(db)
    asker, helper = make_user(db), make_user(db)
    thread = make_thread(db, author=asker, category=board)
    answer = make_reply(db, author=helper, thread=thread)
    clients = [make_client() for _ in range(4)]
    for c in clients:
        sign_in(c, asker)

    statuses = _parallel(
        clients,
        lambda c: c.put(f"/api/v1/threads/{thread.id}/solution", json={"post_id": answer.id}),
    )

    assert statuses == [200] * 4
    events = db.execute(select(Event).where(Event.type == "thread.solved")).scalars().all()
    assert len(events) == 1
    profile = clients[0].get(f"/api/v1/users/{helper.nickname}").json()
    assert profile["solutions"] == 1
    assert profile["points"] == 1 + 15


def test_simultaneous_accepts_of_different_answers_leave_one_winner(db, make_client):
    board = make_category(db)
    asker, first, second = make_user(db), make_user(db), make_user(db)
    thread = make_thread(db, author=asker, category=board)
    answers = [
        make_reply(db, author=first, thread=thread),
        make_reply(db, author=second, thread=thread),
    ]
    clients = [make_client(), make_client()]
    for c in clients:
        sign_in(c, asker)
    pairs = iter(zip(clients, answers, strict=True))
    lookup = dict(pairs)

    statuses = _parallel(
        clients,
        lambda c: c.put(f"/api/v1/threads/{thread.id}/solution", json={"post_id": lookup[c].id}),
    )

    assert sorted(statuses) in ([200, 200], [200, 409])
    detail = clients[0].get(f"/api/v1/threads/{thread.id}").json()
    winner = detail["solution_post_id"]
    assert winner in {a.id for a in answers}
    solved_events = db.execute(select(Event).where(Event.type == "thread.solved")).scalars().all()
    assert len(solved_events) == statuses.count(200)
    points = {
        u.nickname: clients[0].get(f"/api/v1/users/{u.nickname}").json()["solutions"]
        for u in (first, second)
    }
    assert sorted(points.values()) == [0, 1]
