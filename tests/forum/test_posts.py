"""Editing posts (earlier versions kept for moderators) and locked threads."""

from __future__ import annotations

import pytest

from community.accounts.models import Role
from tests.factories import make_category, make_reply, make_thread, make_user, sign_in


@pytest.fixture
def board(db):
    return make_category(db, slug="internet", name="Internet")


@pytest.fixture
def author(db):
    return make_user(db, nickname="Autorin")


@pytest.fixture
def moderator(db):
    return make_user(db, nickname="ModMax", role=Role.moderator)


@pytest.fixture
def thread(db, board, author):
    return make_thread(db, author=author, category=board, body="Erste Fassung")


def _opening_id(client, thread):
    return client.get(f"/api/v1/threads/{thread.id}").json()["opening_post"]["id"]


def test_author_edits_own_post_and_readers_see_the_new_text(db, client, anon, thread, author):
    sign_in(client, author)
    post_id = _opening_id(client, thread)
    response = client.patch(f"/api/v1/posts/{post_id}", json={"body": "Zweite **Fassung**"})
    assert response.status_code == 200, response.text
    edited = response.json()
    assert edited["body"] == "Zweite **Fassung**"
    assert "<strong>Fassung</strong>" in edited["body_html"]
    assert edited["edit_count"] == 1
    assert edited["edited_at"] is not None
    seen = anon.get(f"/api/v1/posts/{post_id}").json()
    assert seen["body"] == "Zweite **Fassung**"
    assert seen["edit_count"] == 1


def test_moderator_reads_every_earlier_version_in_order(
    db, client, make_client, thread, author, moderator
):
    sign_in(client, author)
    post_id = _opening_id(client, thread)
    client.patch(f"/api/v1/posts/{post_id}", json={"body": "Zweite Fassung"})
    client.patch(f"/api/v1/posts/{post_id}", json={"body": "Dritte Fassung"})

    mod = make_client()
    sign_in(mod, moderator)
    response = mod.get(f"/api/v1/posts/{post_id}/revisions")
    assert response.status_code == 200, response.text
    revisions = response.json()
    assert [r["body"] for r in revisions] == ["Erste Fassung", "Zweite Fassung"]
    assert [r["editor"] for r in revisions] == ["Autorin", "Autorin"]
    assert mod.get(f"/api/v1/posts/{post_id}").json()["body"] == "Dritte Fassung"


def test_saving_unchanged_text_keeps_no_extra_version(
    db, client, make_client, thread, author, moderator
):
    sign_in(client, author)
    post_id = _opening_id(client, thread)
    assert (
        client.patch(f"/api/v1/posts/{post_id}", json={"body": "Erste Fassung"}).json()[
            "edit_count"
        ]
        == 0
    )
    mod = make_client()
    sign_in(mod, moderator)
    assert mod.get(f"/api/v1/posts/{post_id}/revisions").json() == []


def test_revisions_are_for_moderators_only(db, client, make_client, anon, thread, author):
    sign_in(client, author)
    post_id = _opening_id(client, thread)
    client.patch(f"/api/v1/posts/{post_id}", json={"body": "Verbesserte Fassung"})

    assert client.get(f"/api/v1/posts/{post_id}/revisions").status_code == 403
    other = make_client()
    sign_in(other, make_user(db))
    assert other.get(f"/api/v1/posts/{post_id}/revisions").status_code == 403
    expert = make_client()
    sign_in(expert, make_user(db, role=Role.expert, staff=True))
    assert expert.get(f"/api/v1/posts/{post_id}/revisions").status_code == 403
    assert anon.get(f"/api/v1/posts/{post_id}/revisions").status_code == 401


def test_member_cannot_edit_someone_elses_post(db, client, thread):
    sign_in(client, make_user(db, nickname="Fremder"))
    post_id = _opening_id(client, thread)
    response = client.patch(f"/api/v1/posts/{post_id}", json={"body": "Übernommen!"})
    assert response.status_code == 403
    assert response.json()["error"] == "forbidden"
    assert client.get(f"/api/v1/posts/{post_id}").json()["body"] == "Erste Fassung"


def test_moderator_edits_someone_elses_post_and_is_named_as_editor(db, client, thread, moderator):
    sign_in(client, moderator)
    post_id = _opening_id(client, thread)
    response = client.patch(f"/api/v1/posts/{post_id}", json={"body": "Telefonnummer entfernt"})
    assert response.status_code == 200
    revisions = client.get(f"/api/v1/posts/{post_id}/revisions").json()
    assert [(r["body"], r["editor"]) for r in revisions] == [("Erste Fassung", "ModMax")]


def test_anonymous_visitor_cannot_edit(db, anon, client, thread):
    post_id = _opening_id(client, thread)
    assert anon.patch(f"/api/v1/posts/{post_id}", json={"body": "Anonym"}).status_code == 401


def test_moderator_locks_a_thread_and_members_can_no_longer_reply(
    db, client, make_client, thread, moderator
):
    mod = make_client()
    sign_in(mod, moderator)
    locked = mod.patch(f"/api/v1/threads/{thread.id}", json={"is_locked": True})
    assert locked.status_code == 200, locked.text
    assert locked.json()["is_locked"] is True

    sign_in(client, make_user(db))
    response = client.post(f"/api/v1/threads/{thread.id}/posts", json={"body": "Noch was."})
    assert response.status_code == 403
    assert response.json()["error"] == "thread_locked"
    detail = client.get(f"/api/v1/threads/{thread.id}").json()
    assert detail["is_locked"] is True
    assert detail["reply_count"] == 0


def test_a_reply_written_while_the_thread_was_closed_is_shown_to_copy(
    db, client, make_client, thread, moderator
):
    """It was a bare 403 page, and the text was gone."""
    csrf = sign_in(client, make_user(db))
    client.get(f"/t/{thread.id}/{thread.slug}")  # the form is open ...
    mod = make_client()
    sign_in(mod, moderator)
    mod.patch(f"/api/v1/threads/{thread.id}", json={"is_locked": True})  # ... it closes
    refused = client.post(
        f"/t/{thread.id}/reply",
        data={"csrf_token": csrf, "body": "Meine lange, sorgfältige Antwort."},
    )
    assert refused.status_code == 403
    assert "Dieses Thema ist geschlossen." in refused.text
    assert "Ihre Antwort wurde nicht veröffentlicht" in refused.text
    assert ">Meine lange, sorgfältige Antwort.</textarea>" in refused.text
    assert f'href="/t/{thread.id}' in refused.text  # the thread itself, not an error page


def test_moderator_may_still_reply_to_a_locked_thread(db, client, thread, moderator):
    sign_in(client, moderator)
    client.patch(f"/api/v1/threads/{thread.id}", json={"is_locked": True})
    response = client.post(f"/api/v1/threads/{thread.id}/posts", json={"body": "Geschlossen."})
    assert response.status_code == 201


def test_author_cannot_edit_posts_in_a_locked_thread(
    db, client, make_client, thread, author, moderator
):
    mod = make_client()
    sign_in(mod, moderator)
    mod.patch(f"/api/v1/threads/{thread.id}", json={"is_locked": True})
    sign_in(client, author)
    post_id = _opening_id(client, thread)
    response = client.patch(f"/api/v1/posts/{post_id}", json={"body": "Nachträglich"})
    assert response.status_code == 403
    assert response.json()["error"] == "thread_locked"


def test_unlocking_lets_members_reply_again(db, client, make_client, thread, moderator):
    mod = make_client()
    sign_in(mod, moderator)
    mod.patch(f"/api/v1/threads/{thread.id}", json={"is_locked": True})
    mod.patch(f"/api/v1/threads/{thread.id}", json={"is_locked": False})
    sign_in(client, make_user(db))
    response = client.post(f"/api/v1/threads/{thread.id}/posts", json={"body": "Wieder offen."})
    assert response.status_code == 201


def test_members_cannot_lock_threads_not_even_their_own(db, client, thread, author):
    sign_in(client, author)
    response = client.patch(f"/api/v1/threads/{thread.id}", json={"is_locked": True})
    assert response.status_code == 403
    assert client.get(f"/api/v1/threads/{thread.id}").json()["is_locked"] is False


def test_locked_thread_page_offers_no_reply_form(db, client, make_client, thread, moderator):
    mod = make_client()
    sign_in(mod, moderator)
    mod.patch(f"/api/v1/threads/{thread.id}", json={"is_locked": True})
    sign_in(client, make_user(db))
    page = client.get(f"/t/{thread.id}/{thread.slug}")
    assert page.status_code == 200
    assert "Dieses Thema ist geschlossen." in page.text
    assert f'action="/t/{thread.id}/reply"' not in page.text


def test_deleted_reply_keeps_no_text_for_members_but_moderators_see_it(
    db, client, make_client, thread, moderator
):
    replier = make_user(db)
    reply = make_reply(db, author=replier, thread=thread, body="Bitte löschen")
    sign_in(client, replier)
    assert client.delete(f"/api/v1/posts/{reply.id}").status_code == 204
    assert client.get(f"/api/v1/posts/{reply.id}").status_code == 404
    listed = client.get(f"/api/v1/threads/{thread.id}/posts").json()["items"]
    assert reply.id not in [p["id"] for p in listed]
    mod = make_client()
    sign_in(mod, moderator)
    seen = mod.get(f"/api/v1/posts/{reply.id}").json()
    assert seen["is_deleted"] is True
    assert seen["body"] == "Bitte löschen"
