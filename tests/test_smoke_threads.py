from __future__ import annotations

from tests.factories import make_category, make_thread, make_user, sign_in


def test_member_asks_and_another_answers_through_the_api(db, client, make_client):
    board = make_category(db, slug="festnetz", name="Festnetz")
    asker = make_user(db, nickname="Fragesteller")
    helper = make_user(db, nickname="Helferin")
    sign_in(client, asker)
    created = client.post(
        "/api/v1/threads",
        json={
            "category": "festnetz",
            "title": "Router blinkt rot, was tun?",
            "body": "Seit heute.",
        },
    )
    assert created.status_code == 201, created.text
    thread_id = created.json()["thread"]["id"]

    other = make_client()
    sign_in(other, helper)
    reply = other.post(f"/api/v1/threads/{thread_id}/posts", json={"body": "Neu starten."})
    assert reply.status_code == 201, reply.text

    posts = client.get(f"/api/v1/threads/{thread_id}/posts").json()["items"]
    assert [p["author"]["nickname"] for p in posts] == ["Fragesteller", "Helferin"]
    board_list = client.get("/api/v1/categories").json()["items"]
    assert board_list[0]["thread_count"] == 1
    assert board_list[0]["post_count"] == 2
    assert board_list[0]["newest_thread"]["id"] == thread_id
    assert board.slug == "festnetz"


def test_thread_factory_counts_replies(db):
    board = make_category(db)
    author = make_user(db)
    thread = make_thread(db, author=author, category=board)
    assert thread.reply_count == 0
