"""Staff posts show "Anna K." beside the nickname while the setting is on; a member's real
name never appears, on the page or in the API."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session

from community.accounts.models import Role, User
from community.config import get_settings
from community.forum.models import Thread
from tests.factories import make_category, make_reply, make_thread, make_user, sign_in


@pytest.fixture
def staff(db: Session) -> User:
    return make_user(db, nickname="anna_support", staff=True, real_name="Anna Maria Krause")


@pytest.fixture
def member(db: Session) -> User:
    return make_user(db, nickname="bernd42", real_name="Bernd Beispiel", company="Beispiel AG")


@pytest.fixture
def thread(db: Session, staff: User, member: User) -> Thread:
    thread = make_thread(db, author=member, category=make_category(db, slug="technik"))
    make_reply(db, author=staff, thread=thread, body="Das richten wir für Sie ein.")
    return thread


def _authors(client: TestClient, thread: Thread) -> dict[str, str | None]:
    posts = client.get(f"/api/v1/threads/{thread.id}/posts").json()["items"]
    return {p["author"]["nickname"]: p["author"]["staff_display_name"] for p in posts}


def test_staff_post_shows_first_name_and_initial(
    anon: TestClient, thread: Thread, staff: User
) -> None:
    page = anon.get(f"/t/{thread.id}/{thread.slug}").text
    assert '<span class="staff-name">Anna K.</span> · <span class="badge staff"' in page
    assert "Krause" not in page and "Maria" not in page
    assert _authors(anon, thread) == {"bernd42": None, "anna_support": "Anna K."}
    detail = anon.get(f"/api/v1/threads/{thread.id}").json()
    assert detail["last_poster"]["staff_display_name"] == "Anna K."
    assert detail["author"]["staff_display_name"] is None


def test_moderators_count_as_staff(anon: TestClient, db: Session, thread: Thread) -> None:
    moderator = make_user(db, nickname="modteam", role=Role.moderator, real_name="Jonas Weber")
    make_reply(db, author=moderator, thread=thread)
    assert "Jonas W." in anon.get(f"/t/{thread.id}/{thread.slug}").text
    assert _authors(anon, thread)["modteam"] == "Jonas W."


def test_admins_switch_the_names_off_and_on(
    client: TestClient, anon: TestClient, db: Session, thread: Thread
) -> None:
    sign_in(client, make_user(db, role=Role.admin))
    off = client.put("/api/v1/admin/staff-names", json={"show_name": False})
    assert off.status_code == 200 and off.json() == {"show_name": False}
    page = anon.get(f"/t/{thread.id}/{thread.slug}").text
    assert "Anna K." not in page
    assert 'class="badge staff"' in page  # still marked as staff
    assert _authors(anon, thread)["anna_support"] is None

    form = client.post(
        "/admin/legal/staff-names",
        data={"csrf_token": client.headers["X-CSRF-Token"], "show_name": "true"},
        follow_redirects=False,
    )
    assert form.status_code == 303
    assert client.get("/api/v1/admin/staff-names").json() == {"show_name": True}
    assert "Anna K." in anon.get(f"/t/{thread.id}/{thread.slug}").text


def test_the_environment_sets_the_default(
    anon: TestClient, thread: Thread, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(get_settings(), "staff_show_name", False)
    assert "Anna K." not in anon.get(f"/t/{thread.id}/{thread.slug}").text
    assert _authors(anon, thread)["anna_support"] is None


def test_a_members_real_name_never_appears(
    client: TestClient, anon: TestClient, db: Session, thread: Thread, member: User
) -> None:
    make_reply(db, author=member, thread=thread, body="Danke!")
    sign_in(client, make_user(db, nickname="kollege"))
    for browser in (anon, client):
        page = browser.get(f"/t/{thread.id}/{thread.slug}").text
        api = browser.get(f"/api/v1/threads/{thread.id}/posts").text
        detail = browser.get(f"/api/v1/threads/{thread.id}").text
        for text in (page, api, detail):
            assert "Bernd" not in text and "Beispiel" not in text
        assert _authors(browser, thread)["bernd42"] is None


def test_staff_without_a_real_name_show_only_the_badge(
    anon: TestClient, db: Session, thread: Thread
) -> None:
    nameless = make_user(db, nickname="support2", staff=True)
    make_reply(db, author=nameless, thread=thread)
    assert _authors(anon, thread)["support2"] is None
