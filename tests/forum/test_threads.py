"""Starting threads, replying, and the counters that boards and threads keep."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from community.accounts.models import User
from community.accounts.viewer import viewer_for
from community.forum import counters as forum_counters
from community.forum import service as forum
from community.forum.models import Category, Thread, ThreadKind
from tests.factories import make_category, make_reply, make_thread, make_user, sign_in


@pytest.fixture
def board(db):
    return make_category(db, slug="mobilfunk", name="Mobilfunk")


@pytest.fixture
def member(db):
    return make_user(db, nickname="Fragende")


def _new_thread(client, **fields):
    data = {
        "category": "mobilfunk",
        "title": "Wie kündige ich eine SIM-Karte?",
        "body": "Ich brauche eine Karte nicht mehr.",
    } | fields
    return client.post("/api/v1/threads", json=data)


@pytest.mark.parametrize("kind", ["question", "discussion"])
def test_member_starts_a_thread_of_either_kind(db, client, board, member, kind):
    sign_in(client, member)
    response = _new_thread(client, kind=kind)
    assert response.status_code == 201, response.text
    created = response.json()
    assert created["thread"]["kind"] == kind
    assert created["thread"]["author"]["nickname"] == "Fragende"
    assert created["post"]["is_opening"] is True
    detail = client.get(f"/api/v1/threads/{created['thread']['id']}").json()
    assert detail["kind"] == kind
    assert detail["opening_post"]["body"] == "Ich brauche eine Karte nicht mehr."


def test_thread_kind_defaults_to_question(db, client, board, member):
    sign_in(client, member)
    assert _new_thread(client).json()["thread"]["kind"] == "question"


def test_thread_list_filters_by_kind(db, client, board, member):
    make_thread(db, author=member, category=board, title="Eine echte Frage hier")
    make_thread(
        db,
        author=member,
        category=board,
        title="Eine offene Diskussion",
        kind=ThreadKind.discussion,
    )
    questions = client.get("/api/v1/threads?kind=question").json()["items"]
    discussions = client.get("/api/v1/categories/mobilfunk/threads?kind=discussion").json()
    assert [t["title"] for t in questions] == ["Eine echte Frage hier"]
    assert [t["title"] for t in discussions["items"]] == ["Eine offene Diskussion"]


def test_unknown_thread_kind_is_refused(db, client, board, member):
    sign_in(client, member)
    assert _new_thread(client, kind="umfrage").status_code == 422


@pytest.mark.parametrize("length", [10, 150])
def test_title_at_the_limits_is_accepted(db, client, board, member, length):
    sign_in(client, member)
    response = _new_thread(client, title="T" * length)
    assert response.status_code == 201, response.text
    assert response.json()["thread"]["title"] == "T" * length


@pytest.mark.parametrize("length", [9, 151])
def test_title_outside_the_limits_is_refused(db, client, board, member, length):
    sign_in(client, member)
    response = _new_thread(client, title="T" * length)
    assert response.status_code == 422
    assert response.json()["error"] == "invalid_title"
    assert client.get("/api/v1/threads").json()["items"] == []


def test_title_padded_with_spaces_counts_only_its_text(db, client, board, member):
    sign_in(client, member)
    response = _new_thread(client, title="   Kurz    da      ")
    assert response.status_code == 422


def test_body_of_20000_characters_is_accepted(db, client, board, member):
    sign_in(client, member)
    response = _new_thread(client, body="x" * 20_000)
    assert response.status_code == 201, response.text
    assert len(response.json()["post"]["body"]) == 20_000


def test_body_of_20001_characters_is_refused_for_threads_replies_and_edits(
    db, client, board, member
):
    sign_in(client, member)
    assert _new_thread(client, body="x" * 20_001).status_code == 422
    created = _new_thread(client).json()
    thread_id, post_id = created["thread"]["id"], created["post"]["id"]
    reply = client.post(f"/api/v1/threads/{thread_id}/posts", json={"body": "y" * 20_001})
    assert reply.status_code == 422
    edit = client.patch(f"/api/v1/posts/{post_id}", json={"body": "z" * 20_001})
    assert edit.status_code == 422
    assert client.get(f"/api/v1/threads/{thread_id}").json()["reply_count"] == 0


@pytest.mark.parametrize("body", ["", "   ", "\n\t\n"])
def test_empty_body_is_refused(db, client, board, member, body):
    sign_in(client, member)
    assert _new_thread(client, body=body).status_code == 422


def test_anonymous_visitor_cannot_start_a_thread(db, anon, board):
    response = _new_thread(anon)
    assert response.status_code == 401
    assert response.json()["error"] == "not_authenticated"


def test_unverified_member_cannot_start_a_thread(db, client, board):
    sign_in(client, make_user(db, verified=False))
    response = _new_thread(client)
    assert response.status_code == 403
    assert response.json()["error"] == "email_not_verified"


def test_thread_in_unknown_board_is_404(db, client, board, member):
    sign_in(client, member)
    assert _new_thread(client, category="gibt-es-nicht").status_code == 404


def test_reply_appears_after_the_opening_post(db, client, make_client, board, member):
    thread = make_thread(db, author=member, category=board)
    helper = make_client()
    sign_in(helper, make_user(db, nickname="Helfer"))
    response = helper.post(f"/api/v1/threads/{thread.id}/posts", json={"body": "So geht's."})
    assert response.status_code == 201, response.text
    assert response.json()["is_opening"] is False
    posts = client.get(f"/api/v1/threads/{thread.id}/posts").json()["items"]
    assert [(p["author"]["nickname"], p["is_opening"]) for p in posts] == [
        ("Fragende", True),
        ("Helfer", False),
    ]


def test_thread_counts_replies_and_names_the_last_poster(db, client, board, member):
    thread = make_thread(db, author=member, category=board)
    before = client.get(f"/api/v1/threads/{thread.id}").json()
    assert before["reply_count"] == 0
    assert before["last_poster"]["nickname"] == "Fragende"

    make_reply(db, author=make_user(db, nickname="Erste"), thread=thread)
    make_reply(db, author=make_user(db, nickname="Zweite"), thread=thread)
    after = client.get(f"/api/v1/threads/{thread.id}").json()
    assert after["reply_count"] == 2
    assert after["last_poster"]["nickname"] == "Zweite"
    assert after["last_post_at"] > before["last_post_at"]


def test_board_counts_threads_and_posts_and_shows_the_newest_thread(db, client, board, member):
    other_board = make_category(db, slug="festnetz")
    first = make_thread(db, author=member, category=board, title="Die erste Frage hier")
    make_reply(db, author=member, thread=first)
    newest = make_thread(db, author=member, category=board, title="Die neueste Frage hier")
    make_thread(db, author=member, category=other_board, title="Woanders gefragt")

    boards = {c["slug"]: c for c in client.get("/api/v1/categories").json()["items"]}
    assert boards["mobilfunk"]["thread_count"] == 2
    assert boards["mobilfunk"]["post_count"] == 3
    assert boards["mobilfunk"]["newest_thread"]["id"] == newest.id
    assert boards["mobilfunk"]["newest_thread"]["title"] == "Die neueste Frage hier"
    assert boards["festnetz"]["thread_count"] == 1


def test_deleting_the_newest_thread_shows_the_one_before(db, client, board, member):
    older = make_thread(db, author=member, category=board, title="Die ältere Frage hier")
    newer = make_thread(db, author=member, category=board, title="Die jüngere Frage hier")
    sign_in(client, member)
    opening = client.get(f"/api/v1/threads/{newer.id}").json()["opening_post"]["id"]
    assert client.delete(f"/api/v1/posts/{opening}").status_code == 204
    listed = client.get("/api/v1/categories/mobilfunk").json()
    assert listed["thread_count"] == 1
    assert listed["post_count"] == 1
    assert listed["newest_thread"]["id"] == older.id
    assert client.get(f"/api/v1/threads/{newer.id}").status_code == 404


def test_deleting_a_reply_lowers_the_counts_and_restores_the_last_poster(db, client, board, member):
    thread = make_thread(db, author=member, category=board)
    make_reply(db, author=make_user(db, nickname="Bleibt"), thread=thread)
    late = make_user(db, nickname="Geht")
    reply = make_reply(db, author=late, thread=thread)
    sign_in(client, late)
    assert client.delete(f"/api/v1/posts/{reply.id}").status_code == 204
    detail = client.get(f"/api/v1/threads/{thread.id}").json()
    assert detail["reply_count"] == 1
    assert detail["last_poster"]["nickname"] == "Bleibt"
    assert client.get("/api/v1/categories/mobilfunk").json()["post_count"] == 2


def test_member_cannot_delete_someone_elses_reply(db, client, board, member):
    thread = make_thread(db, author=member, category=board)
    reply = make_reply(db, author=make_user(db), thread=thread)
    sign_in(client, member)
    response = client.delete(f"/api/v1/posts/{reply.id}")
    assert response.status_code == 403
    assert client.get(f"/api/v1/posts/{reply.id}").json()["body"] == "Das geht so."


def _counters(db):
    db.expire_all()
    threads = {
        t.id: (t.reply_count, t.last_post_id, t.last_poster_id, t.last_post_at)
        for t in db.execute(select(Thread)).scalars()
    }
    boards = {
        c.id: (c.thread_count, c.post_count, c.last_thread_id)
        for c in db.execute(select(Category)).scalars()
    }
    return threads, boards


def test_recompute_counters_agrees_with_the_kept_counters(db, board, member):
    other_board = make_category(db, slug="festnetz")
    helpers = [make_user(db) for _ in range(3)]
    threads = [
        make_thread(db, author=member, category=board if i % 2 else other_board) for i in range(5)
    ]
    replies = [
        make_reply(db, author=helpers[i % 3], thread=threads[i % 5], body=f"Antwort {i}")
        for i in range(12)
    ]
    # Deletes of replies (the latest in a thread and an earlier one) and of whole threads.
    for post in (replies[11], replies[1], replies[5]):
        assert post.id is not None
        forum.delete_post(db, viewer_for(db, db.get(User, post.author_id)), post.id)
        db.commit()
    for thread in (threads[4], threads[1]):
        forum.delete_post(db, viewer_for(db, member), forum.opening_post(db, thread).id)
        db.commit()
    make_reply(db, author=helpers[0], thread=threads[0], body="Nach dem Löschen")
    make_thread(db, author=helpers[1], category=board, title="Ganz zum Schluss gefragt")

    kept = _counters(db)
    assert forum_counters.recompute_counters(db) == 6
    db.commit()
    assert _counters(db) == kept


def test_recompute_counters_repairs_wrong_counters(db, client, board, member):
    thread = make_thread(db, author=member, category=board)
    make_reply(db, author=member, thread=thread)
    make_reply(db, author=member, thread=thread)
    db.get(Thread, thread.id).reply_count = 40
    category = db.get(Category, board.id)
    category.thread_count, category.post_count, category.last_thread_id = 7, 99, None
    db.commit()

    forum_counters.recompute_counters(db)
    db.commit()
    listed = client.get("/api/v1/categories/mobilfunk").json()
    assert (listed["thread_count"], listed["post_count"]) == (1, 3)
    assert listed["newest_thread"]["id"] == thread.id
    assert client.get(f"/api/v1/threads/{thread.id}").json()["reply_count"] == 2


def test_author_renames_own_thread_but_not_someone_elses(db, client, make_client, board, member):
    thread = make_thread(db, author=member, category=board)
    sign_in(client, member)
    renamed = client.patch(
        f"/api/v1/threads/{thread.id}", json={"title": "Ein besserer Titel für die Frage"}
    )
    assert renamed.status_code == 200, renamed.text
    assert renamed.json()["title"] == "Ein besserer Titel für die Frage"
    assert renamed.json()["slug"] == "ein-besserer-titel-fuer-die-frage"

    stranger = make_client()
    sign_in(stranger, make_user(db))
    response = stranger.patch(f"/api/v1/threads/{thread.id}", json={"title": "Gekaperter Titel!"})
    assert response.status_code == 403
    assert client.get(f"/api/v1/threads/{thread.id}").json()["title"] == (
        "Ein besserer Titel für die Frage"
    )


def test_title_loses_bidi_controls_and_zero_width_characters(db, client, board, member):
    sign_in(client, member)
    # U+202E reverses what follows, U+200B hides inside a word, U+2066 opens an isolate.
    response = _new_thread(client, title="Rechnung\u202e fdp.exe\u200b zu\u2066 hoch?")

    assert response.status_code == 201, response.text
    thread = response.json()["thread"]
    assert thread["title"] == "Rechnung fdp.exe zu hoch?"
    edited = client.patch(
        f"/api/v1/threads/{thread['id']}", json={"title": "Neu\u200f\u2069er Titel hier"}
    )
    assert edited.status_code == 200, edited.text
    assert edited.json()["title"] == "Neuer Titel hier"
    page = client.get("/c/mobilfunk")
    assert "\u202e" not in page.text and "\u200f" not in page.text
    # Lists isolate user text, so a right-to-left title cannot reorder its neighbours.
    assert "<bdi>Neuer Titel hier</bdi>" in page.text
    assert "<bdi>Fragende</bdi>" in client.get(f"/t/{thread['id']}").text
