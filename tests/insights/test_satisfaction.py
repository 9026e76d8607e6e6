"""The asker rates an accepted solution once: "Hat Ihnen die Lösung geholfen?"."""

from __future__ import annotations

import re
import threading

import pytest
from sqlalchemy import func, select

from community.insights.models import SatisfactionRating
from tests.factories import (
    make_category,
    make_group,
    make_reply,
    make_thread,
    make_user,
    sign_in,
)

QUESTION = "Hat Ihnen die Lösung geholfen?"


@pytest.fixture
def people(db, make_client):
    board = make_category(db, slug="technik")
    asker, helper, other = (
        make_user(db, nickname="Fragerin"),
        make_user(db, nickname="Helfer"),
        make_user(db, nickname="Zaungast"),
    )
    browsers = {}
    for user in (asker, helper, other):
        browsers[user.nickname] = make_client()
        sign_in(browsers[user.nickname], user)
    thread = make_thread(db, author=asker, category=board)
    answer = make_reply(db, author=helper, thread=thread)
    return board, asker, helper, other, thread, answer, browsers


def _solve(browser, thread, answer):
    response = browser.put(f"/api/v1/threads/{thread.id}/solution", json={"post_id": answer.id})
    assert response.status_code == 200


def test_only_the_asker_rates_only_once_and_only_when_solved(db, people):
    _board, _asker, _helper, _other, thread, answer, browsers = people
    url = f"/api/v1/threads/{thread.id}/satisfaction"
    asker = browsers["Fragerin"]

    not_yet = asker.post(url, json={"rating": 5})
    assert not_yet.status_code == 422
    assert not_yet.json()["error"] == "not_solved"

    _solve(asker, thread, answer)
    assert browsers["Helfer"].post(url, json={"rating": 5}).status_code == 403
    assert browsers["Zaungast"].post(url, json={"rating": 1}).json()["error"] == "not_the_asker"

    first = asker.post(url, json={"rating": 4, "comment": "  Hat geklappt, danke!  "})
    assert first.status_code == 201, first.text
    assert first.json()["rating"] == 4
    assert first.json()["comment"] == "Hat geklappt, danke!"

    second = asker.post(url, json={"rating": 1})
    assert second.status_code == 409
    assert second.json()["error"] == "already_rated"
    stored = db.execute(select(SatisfactionRating.rating)).scalars().all()
    assert stored == [4]


@pytest.mark.parametrize("rating", [0, 6, -1, "fünf", None, 4.5])
def test_ratings_outside_one_to_five_are_422(db, people, rating):
    _board, _asker, _helper, _other, thread, answer, browsers = people
    _solve(browsers["Fragerin"], thread, answer)
    response = browsers["Fragerin"].post(
        f"/api/v1/threads/{thread.id}/satisfaction", json={"rating": rating}
    )
    assert response.status_code == 422
    assert db.execute(select(func.count()).select_from(SatisfactionRating)).scalar_one() == 0


@pytest.mark.commits
@pytest.mark.postgres_only  # parallel requests
def test_two_ratings_at_once_store_one(db, people, engine, make_client):
    _board, asker, _helper, _other, thread, answer, browsers = people
    _solve(browsers["Fragerin"], thread, answer)
    url = f"/api/v1/threads/{thread.id}/satisfaction"
    tabs = [make_client(), make_client()]
    for tab in tabs:
        sign_in(tab, asker)
    barrier = threading.Barrier(len(tabs))
    answers = []

    def send(tab, rating):
        barrier.wait()
        answers.append(tab.post(url, json={"rating": rating}).status_code)

    workers = [
        threading.Thread(target=send, args=(t, r)) for t, r in zip(tabs, (2, 5), strict=True)
    ]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    assert sorted(answers) == [201, 409]
    assert db.execute(select(func.count()).select_from(SatisfactionRating)).scalar_one() == 1


def test_the_thread_page_asks_the_asker_once(db, people):
    _board, _asker, _helper, _other, thread, answer, browsers = people
    page = f"/t/{thread.id}/{thread.slug}"
    asker = browsers["Fragerin"]
    assert QUESTION not in asker.get(page).text  # not solved yet

    _solve(asker, thread, answer)
    html = asker.get(page).text
    assert QUESTION in html
    assert f'action="/t/{thread.id}/satisfaction"' in html
    assert QUESTION not in browsers["Helfer"].get(page).text
    assert QUESTION not in browsers["Zaungast"].get(page).text

    token = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)  # type: ignore[union-attr]
    sent = asker.post(
        f"/t/{thread.id}/satisfaction",
        data={"csrf_token": token, "rating": "5", "comment": "Super"},
        follow_redirects=False,
    )
    assert sent.status_code == 303
    assert sent.headers["location"] == f"/t/{thread.id}/{thread.slug}#satisfaction"
    html = asker.get(page).text
    assert QUESTION not in html
    assert "Danke für Ihre Bewertung der Lösung: 5 von 5." in html
    assert "Danke für Ihre Bewertung" not in browsers["Helfer"].get(page).text

    # Sent again from a stale tab: no second rating, back to the thread.
    again = asker.post(
        f"/t/{thread.id}/satisfaction",
        data={"csrf_token": token, "rating": "1"},
        follow_redirects=False,
    )
    assert again.status_code == 303
    assert db.execute(select(SatisfactionRating.rating)).scalars().all() == [5]


def test_the_form_needs_the_csrf_token(db, people):
    _board, _asker, _helper, _other, thread, answer, browsers = people
    _solve(browsers["Fragerin"], thread, answer)
    response = browsers["Fragerin"].post(
        f"/t/{thread.id}/satisfaction", data={"rating": "5"}, follow_redirects=False
    )
    assert response.status_code == 403
    assert db.execute(select(func.count()).select_from(SatisfactionRating)).scalar_one() == 0


def test_a_closed_board_thread_is_404_to_outsiders(db, people, make_client):
    _board, asker, _helper, _other, _thread, _answer, browsers = people
    group = make_group(db, members=[asker])
    closed = make_category(db, groups=[group])
    thread = make_thread(db, author=asker, category=closed)
    response = browsers["Zaungast"].post(
        f"/api/v1/threads/{thread.id}/satisfaction", json={"rating": 3}
    )
    assert response.status_code == 404
