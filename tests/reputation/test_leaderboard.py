from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import update

from community.accounts.models import Role
from community.clock import utcnow
from community.forum.models import Thread
from community.reputation.models import Kudo
from tests.factories import make_category, make_group, make_reply, make_thread, make_user, sign_in


@pytest.fixture
def as_(make_client):
    """One signed-in browser per person (logging in again and again would hit the limit)."""
    browsers = {}

    def browser(user):
        if user.id not in browsers:
            browsers[user.id] = make_client()
            sign_in(browsers[user.id], user)
        return browsers[user.id]

    return browser


def _solve(db, as_, *, asker, helper, board, kudos_from=()):
    thread = make_thread(db, author=asker, category=board)
    answer = make_reply(db, author=helper, thread=thread)
    response = as_(asker).put(f"/api/v1/threads/{thread.id}/solution", json={"post_id": answer.id})
    assert response.status_code == 200
    for fan in kudos_from:
        assert as_(fan).post(f"/api/v1/posts/{answer.id}/kudos").status_code == 200
    return thread


def _board(client, **params):
    return [
        (e["nickname"], e["solutions"], e["kudos"])
        for e in client.get("/api/v1/leaderboard", params=params).json()["items"]
    ]


def test_members_rank_by_solutions_then_kudos(db, client, as_):
    board = make_category(db)
    asker, fan1, fan2 = make_user(db), make_user(db), make_user(db)
    anna, bert, cleo = (
        make_user(db, nickname="Anna"),
        make_user(db, nickname="Bert"),
        make_user(db, nickname="Cleo"),
    )
    _solve(db, as_, asker=asker, helper=anna, board=board)
    _solve(db, as_, asker=asker, helper=anna, board=board)
    _solve(db, as_, asker=asker, helper=bert, board=board, kudos_from=[fan1, fan2])
    _solve(db, as_, asker=asker, helper=cleo, board=board, kudos_from=[fan1])
    assert _board(client) == [("Anna", 2, 0), ("Bert", 1, 2), ("Cleo", 1, 1)]
    entry = client.get("/api/v1/leaderboard").json()["items"][0]
    assert entry["position"] == 1
    assert entry["rank"]["name_de"] == "Mitglied"


def test_the_period_counts_only_recent_solutions_and_kudos(db, client, as_):
    board = make_category(db)
    asker, fan = make_user(db), make_user(db)
    old_hand, newcomer = make_user(db, nickname="Alt"), make_user(db, nickname="Neu")
    old_thread = _solve(db, as_, asker=asker, helper=old_hand, board=board, kudos_from=[fan])
    _solve(db, as_, asker=asker, helper=newcomer, board=board)
    long_ago = utcnow() - timedelta(days=40)
    db.execute(update(Thread).where(Thread.id == old_thread.id).values(solved_at=long_ago))
    db.execute(update(Kudo).where(Kudo.thread_id == old_thread.id).values(created_at=long_ago))
    db.commit()
    assert _board(client, period="week") == [("Neu", 1, 0)]
    assert _board(client, period="month") == [("Neu", 1, 0)]
    assert _board(client, period="year") == [("Alt", 1, 1), ("Neu", 1, 0)]
    assert _board(client, period="all") == [("Alt", 1, 1), ("Neu", 1, 0)]
    assert client.get("/api/v1/leaderboard", params={"period": "decade"}).status_code == 422


def test_a_closed_board_counts_only_for_viewers_who_can_see_it(db, client, make_client, as_):
    insider, asker = make_user(db), make_user(db)
    secret_helper = make_user(db, nickname="Geheimtipp")
    public_helper = make_user(db, nickname="Offen")
    closed = make_category(
        db, slug="grosskunden", groups=[make_group(db, members=[insider, asker, secret_helper])]
    )
    public = make_category(db, slug="festnetz")
    _solve(db, as_, asker=asker, helper=secret_helper, board=closed)
    _solve(db, as_, asker=asker, helper=secret_helper, board=closed)
    _solve(db, as_, asker=asker, helper=public_helper, board=public)

    outsider = make_client()
    sign_in(outsider, make_user(db))
    assert _board(outsider) == [("Offen", 1, 0)]
    assert (
        outsider.get("/api/v1/leaderboard", params={"category": "grosskunden"}).status_code == 404
    )
    member = make_client()
    sign_in(member, insider)
    assert _board(member) == [("Geheimtipp", 2, 0), ("Offen", 1, 0)]
    assert _board(member, category="grosskunden") == [("Geheimtipp", 2, 0)]
    assert _board(member, category="festnetz") == [("Offen", 1, 0)]


def test_staff_are_left_out_by_default_and_can_be_listed_apart(
    db, client, settings, monkeypatch, as_
):
    board = make_category(db)
    asker = make_user(db)
    employee = make_user(db, nickname="Mitarbeiterin", staff=True)
    moderator = make_user(db, nickname="Modi", role=Role.moderator)
    customer = make_user(db, nickname="Kunde")
    for helper in (employee, moderator, customer):
        _solve(db, as_, asker=asker, helper=helper, board=board)
    body = client.get("/api/v1/leaderboard").json()
    assert [e["nickname"] for e in body["items"]] == ["Kunde"]
    assert body["staff"] is None
    monkeypatch.setattr(settings, "leaderboard_staff", "separate")
    body = client.get("/api/v1/leaderboard").json()
    assert [e["nickname"] for e in body["items"]] == ["Kunde"]
    assert sorted(e["nickname"] for e in body["staff"]) == ["Mitarbeiterin", "Modi"]


def test_the_profile_shows_the_leaderboards_figures_to_each_viewer(db, client, make_client, as_):
    insider, asker, fan = make_user(db), make_user(db), make_user(db)
    helper = make_user(db, nickname="Beides")
    closed = make_category(
        db, slug="konzern", groups=[make_group(db, members=[insider, asker, fan, helper])]
    )
    public = make_category(db, slug="mobil")
    _solve(db, as_, asker=asker, helper=helper, board=closed, kudos_from=[fan])
    _solve(db, as_, asker=asker, helper=helper, board=public, kudos_from=[fan])

    outsider = make_client()
    sign_in(outsider, make_user(db))
    member = make_client()
    sign_in(member, insider)
    for viewer, expected in ((outsider, (1, 1)), (client, (1, 1)), (member, (2, 2))):
        [(_nickname, solutions, kudos)] = _board(viewer)
        profile = viewer.get("/api/v1/users/Beides").json()
        assert (solutions, kudos) == expected
        assert (profile["solutions"], profile["kudos_received"]) == expected
