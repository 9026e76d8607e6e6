"""Two reports of the same post by the same member at the same moment: one 201, one 409."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select

from community.moderation.models import Report
from tests.factories import make_category, make_reply, make_thread, make_user, sign_in

pytestmark = [pytest.mark.commits, pytest.mark.postgres_only]  # parallel requests


def test_simultaneous_duplicate_reports_leave_one_and_answer_409(db, make_client, engine):
    board = make_category(db)
    author, reporter = make_user(db), make_user(db)
    thread = make_thread(db, author=author, category=board)
    post = make_reply(db, author=author, thread=thread)
    clients = [make_client() for _ in range(4)]
    for c in clients:
        sign_in(c, reporter)
    barrier = threading.Barrier(len(clients))
    statuses: list[int] = []

    def report(c):
        barrier.wait()
        response = c.post(
            f"/api/v1/posts/{post.id}/reports", json={"reason": "spam", "comment": ""}
        )
        statuses.append(response.status_code)

    workers = [threading.Thread(target=report, args=(c,)) for c in clients]
    for w in workers:
        w.start()
    for w in workers:
        w.join()

    assert sorted(statuses) == [201, 409, 409, 409]
    assert db.execute(select(func.count()).select_from(Report)).scalar_one() == 1
