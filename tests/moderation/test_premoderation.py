"""Pre-moderation: a held thread or reply is seen by its author and the moderators only,
is not indexed, sends no events and earns no points, until a moderator approves it; then
everything a direct post sets off happens."""

from __future__ import annotations

import pytest
from sqlmodel import select

from community.accounts.models import Role, User
from community.events.models import Event
from community.forum.models import Category, Post
from community.jobs.worker import Worker
from tests.factories import make_category, make_reply, make_thread, make_user, sign_in


@pytest.fixture
def world(db):
    board = make_category(db, slug="technik", name="Technik")
    author = make_user(db, nickname="Neuling")
    regular = make_user(db, nickname="Stammgast")
    mod = make_user(db, nickname="Wache", role=Role.moderator)
    return board, author, regular, mod


def _premoderate(db, board: Category) -> None:
    board.premoderated = True
    db.add(board)
    db.commit()


def _event_types(db) -> list[str]:
    return [e.type for e in db.exec(select(Event).order_by(Event.id)).all()]


def test_held_reply_is_invisible_to_others_until_approved_then_counted_and_indexed(
    db, engine, make_client, anon, world
):
    board, author, regular, mod = world
    thread = make_thread(db, author=regular, category=board, title="Router verliert Verbindung")
    _premoderate(db, board)
    Worker(engine).run_until_empty()
    events_before = _event_types(db)
    writer, moderator = make_client(), make_client()
    sign_in(writer, author)
    sign_in(moderator, mod)

    created = writer.post(
        f"/api/v1/threads/{thread.id}/posts", json={"body": "Probieren Sie Kanal dreizehn"}
    )
    assert created.status_code == 201, created.text
    post_id = created.json()["id"]
    assert created.json()["is_pending"] is True
    Worker(engine).run_until_empty()

    # Others: not in the thread page, the API, the search or the counters.
    page = anon.get(f"/t/{thread.id}/{thread.slug}").text
    assert "Kanal dreizehn" not in page and f'id="post-{post_id}"' not in page
    ids = [p["id"] for p in anon.get(f"/api/v1/threads/{thread.id}/posts").json()["items"]]
    assert post_id not in ids
    assert anon.get(f"/api/v1/posts/{post_id}").status_code == 404
    assert anon.get("/api/v1/search", params={"q": "dreizehn"}).json()["total"] == 0
    assert anon.get(f"/api/v1/threads/{thread.id}").json()["reply_count"] == 0
    # ... no event (so no webhook) and no points.
    assert _event_types(db) == events_before
    db.refresh(author)
    assert author.points == 0 and author.reply_count == 0
    # The author sees it, marked as waiting.
    own = writer.get(f"/t/{thread.id}/{thread.slug}").text
    assert "Kanal dreizehn" in own and "Wartet auf Freigabe" in own
    # The moderators find it waiting.
    waiting = moderator.get("/api/v1/moderation/pending").json()["items"]
    assert [i["id"] for i in waiting] == [post_id]
    assert "Kanal dreizehn" in moderator.get("/moderation").text

    approved = moderator.post(f"/api/v1/moderation/posts/{post_id}/approve", json={})
    assert approved.status_code == 204, approved.text
    Worker(engine).run_until_empty()
    assert "Kanal dreizehn" in anon.get(f"/t/{thread.id}/{thread.slug}").text
    assert anon.get("/api/v1/search", params={"q": "dreizehn"}).json()["total"] == 1
    assert anon.get(f"/api/v1/threads/{thread.id}").json()["reply_count"] == 1
    assert _event_types(db)[len(events_before) :] == ["post.created", "rank.changed"]
    db.expire_all()
    author = db.get(User, author.id)
    assert author.reply_count == 1 and author.points > 0
    assert moderator.get("/api/v1/moderation/pending").json()["items"] == []
    again = moderator.post(f"/api/v1/moderation/posts/{post_id}/approve", json={})
    assert again.status_code == 409


def test_held_thread_is_only_for_its_author_and_rejecting_it_removes_it(
    db, engine, client, make_client, anon, world
):
    board, author, _regular, mod = world
    _premoderate(db, board)
    sign_in(client, author)
    created = client.post(
        "/api/v1/threads",
        json={"category": "technik", "title": "Wer kennt den Zaubertrick", "body": "Frage"},
    )
    assert created.status_code == 201, created.text
    thread = created.json()["thread"]
    assert thread["is_pending"] is True
    Worker(engine).run_until_empty()
    assert anon.get(f"/api/v1/threads/{thread['id']}").status_code == 404
    assert anon.get("/c/technik").text.count("Zaubertrick") == 0
    assert anon.get("/api/v1/search", params={"q": "Zaubertrick"}).json()["total"] == 0
    own = client.get(f"/t/{thread['id']}/{thread['slug']}").text
    assert "wartet auf Freigabe" in own
    reply = client.post(f"/api/v1/threads/{thread['id']}/posts", json={"body": "Noch was"})
    assert reply.status_code == 403 and reply.json()["error"] == "thread_pending"
    assert "thread.created" not in _event_types(db)

    moderator = make_client()
    sign_in(moderator, mod)
    opening = db.exec(select(Post).where(Post.thread_id == thread["id"])).one()
    rejected = moderator.post(
        f"/api/v1/moderation/posts/{opening.id}/reject", json={"reason": "Werbung"}
    )
    assert rejected.status_code == 204
    assert client.get(f"/api/v1/threads/{thread['id']}").status_code == 404
    assert moderator.get("/api/v1/moderation/pending").json()["items"] == []


def test_approved_thread_sets_off_event_points_counters_and_index(
    db, engine, client, make_client, anon, world
):
    board, author, _regular, mod = world
    _premoderate(db, board)
    sign_in(client, author)
    thread = client.post(
        "/api/v1/threads",
        json={"category": "technik", "title": "Wer kennt den Zaubertrick", "body": "Frage"},
    ).json()["thread"]
    moderator = make_client()
    sign_in(moderator, mod)
    opening = db.exec(select(Post).where(Post.thread_id == thread["id"])).one()
    page = moderator.post(
        f"/moderation/posts/{opening.id}/approve",
        data={"csrf_token": moderator.cookies.get("community_csrf") or ""},
        follow_redirects=False,
    )
    assert page.status_code == 303, page.text
    Worker(engine).run_until_empty()
    assert anon.get(f"/api/v1/threads/{thread['id']}").status_code == 200
    assert anon.get("/api/v1/search", params={"q": "Zaubertrick"}).json()["total"] == 1
    assert "thread.created" in _event_types(db)
    board_now = anon.get("/api/v1/categories/technik").json()
    assert board_now["thread_count"] == 1
    db.expire_all()
    assert db.get(User, author.id).thread_count == 1


def test_a_new_members_first_posts_wait_and_then_they_post_directly(
    db, engine, make_client, anon, world
):
    board, author, regular, _mod = world
    admin = make_user(db, nickname="Chefin", role=Role.admin)
    thread = make_thread(db, author=regular, category=board)
    boss = make_client()
    sign_in(boss, admin)
    assert boss.get("/api/v1/admin/premoderation").json() == {"first_posts": 0}
    assert boss.put("/api/v1/admin/premoderation", json={"first_posts": 1}).status_code == 200
    assert boss.put("/api/v1/admin/premoderation", json={"first_posts": -1}).status_code == 422

    writer = make_client()
    sign_in(writer, author)
    first = writer.post(f"/api/v1/threads/{thread.id}/posts", json={"body": "Erste Antwort"})
    assert first.json()["is_pending"] is True
    # The regular member posted before (the thread): not held.
    assert make_reply(db, author=regular, thread=thread, body="Stamm").is_pending is False
    approved = boss.post(f"/api/v1/moderation/posts/{first.json()['id']}/approve", json={})
    assert approved.status_code == 204
    second = writer.post(f"/api/v1/threads/{thread.id}/posts", json={"body": "Zweite Antwort"})
    assert second.json()["is_pending"] is False
    assert "Zweite Antwort" in anon.get(f"/t/{thread.id}/{thread.slug}").text

    log = boss.get("/api/v1/admin/audit-log").json()["items"]
    assert [e["action"] for e in log] == ["post.approve", "settings.premoderation"]
    assert log[1]["before"] == {"first_posts": 0} and log[1]["after"] == {"first_posts": 1}


def test_board_switch_is_admins_only_audited_and_explains_why_it_is_off(db, client, world):
    _board, _author, _regular, mod = world
    sign_in(client, mod)
    assert (
        client.patch("/api/v1/admin/categories/technik", json={"premoderated": True}).status_code
        == 403
    )
    sign_in(client, make_user(db, nickname="Chefin", role=Role.admin))
    switched = client.patch("/api/v1/admin/categories/technik", json={"premoderated": True})
    assert switched.status_code == 200 and switched.json()["premoderated"] is True
    [entry] = client.get("/api/v1/admin/audit-log").json()["items"]
    assert entry["action"] == "board.premoderation"
    assert entry["before"] == {"premoderated": False} and entry["after"] == {"premoderated": True}
    doc = client.get("/openapi.json").text
    assert "Eine Vorabprüfung kann den Betreiber für Inhalte haftbar machen" in doc
