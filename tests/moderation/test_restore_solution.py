"""Hiding the accepted answer unsolves its thread; restoring it solves the thread again,
with the points and the FAQ entry, unless another answer was accepted meanwhile."""

from __future__ import annotations

import pytest
from sqlmodel import select

from community.accounts.models import Role, User
from community.faq.models import FaqEntry
from tests.factories import make_category, make_reply, make_thread, make_user, sign_in


@pytest.fixture
def solved(db, client):
    board = make_category(db, slug="technik")
    asker = make_user(db, nickname="Fragerin")
    helper = make_user(db, nickname="Helfer")
    thread = make_thread(db, author=asker, category=board, title="Router verliert Verbindung")
    answer = make_reply(db, author=helper, thread=thread, body="Firmware aktualisieren hilft.")
    sign_in(client, asker)
    accepted = client.put(f"/api/v1/threads/{thread.id}/solution", json={"post_id": answer.id})
    assert accepted.status_code == 200, accepted.text
    mod = make_user(db, nickname="Wache", role=Role.moderator)
    return thread, answer, helper, asker, mod


def _hide(client, post_id) -> None:  # type: ignore[no-untyped-def]
    response = client.post(f"/api/v1/moderation/posts/{post_id}/hide", json={"reason": "Prüfen"})
    assert response.status_code == 204, response.text


def test_restoring_the_hidden_accepted_answer_solves_the_thread_again(db, client, anon, solved):
    thread, answer, helper, _asker, mod = solved
    db.expire_all()
    points = db.get(User, helper.id).points
    assert points >= 15  # the accepted answer's points
    sign_in(client, mod)
    _hide(client, answer.id)
    assert anon.get(f"/api/v1/threads/{thread.id}").json()["solved"] is False
    restored = client.post(f"/api/v1/moderation/posts/{answer.id}/restore", json={})
    assert restored.status_code == 204, restored.text

    shown = anon.get(f"/api/v1/threads/{thread.id}").json()
    assert shown["solved"] is True and shown["solution_post_id"] == answer.id
    assert "Gelöst" in anon.get(f"/t/{thread.id}/{thread.slug}").text
    db.expire_all()
    assert db.get(User, helper.id).points == points
    entry = db.exec(select(FaqEntry).where(FaqEntry.thread_id == thread.id)).one()
    assert entry.status == "draft" and entry.answer_post_id == answer.id


def test_restoring_does_not_replace_an_answer_accepted_meanwhile(db, client, solved):
    thread, answer, _helper, asker, mod = solved
    other = make_reply(db, author=make_user(db, nickname="Zweite"), thread=thread, body="Neu")
    sign_in(client, mod)
    _hide(client, answer.id)
    sign_in(client, asker)
    assert (
        client.put(f"/api/v1/threads/{thread.id}/solution", json={"post_id": other.id}).status_code
        == 200
    )
    client.delete(f"/api/v1/threads/{thread.id}/solution")
    sign_in(client, mod)
    assert client.post(f"/api/v1/moderation/posts/{answer.id}/restore", json={}).status_code == 204
    assert client.get(f"/api/v1/threads/{thread.id}").json()["solution_post_id"] is None
