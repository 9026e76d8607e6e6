"""Administration: roles and the staff badge, closed groups and which boards they open."""

from __future__ import annotations

import pytest

from community.accounts.models import Role
from tests.factories import login, make_category, make_reply, make_thread, make_user


@pytest.fixture
def admin_client(db, make_client):
    browser = make_client()
    login(browser, make_user(db, nickname="Chefin", role=Role.admin))
    return browser


def _board_slugs(client) -> set[str]:
    response = client.get("/api/v1/categories")
    assert response.status_code == 200
    return {c["slug"] for c in response.json()["items"]}


# ---- roles and the staff flag ------------------------------------------------------------------


def test_an_admin_makes_a_member_moderator_and_staff(admin_client, db):
    user = make_user(db, nickname="Kollegin")

    response = admin_client.patch(
        "/api/v1/admin/users/Kollegin", json={"role": "moderator", "is_staff": True}
    )

    assert response.status_code == 200, response.text
    assert response.json()["role"] == "moderator"
    assert response.json()["is_staff"] is True
    db.refresh(user)
    assert (user.role, user.is_staff) == ("moderator", True)


def test_a_new_moderator_gains_moderator_rights_at_once(admin_client, db, make_client):
    kollegin = make_user(db, nickname="Kollegin")
    make_user(db, nickname="Kundin", real_name="Klara Kunde")
    colleague = make_client()
    login(colleague, kollegin)
    assert colleague.get("/api/v1/users/Kundin/private").status_code == 403

    admin_client.patch("/api/v1/admin/users/Kollegin", json={"role": "moderator"})

    response = colleague.get("/api/v1/users/Kundin/private")
    assert response.status_code == 200
    assert response.json()["real_name"] == "Klara Kunde"


@pytest.mark.parametrize("role", [Role.member, Role.expert, Role.moderator])
def test_only_admins_change_roles(client, db, role):
    login(client, make_user(db, role=role))
    target = make_user(db, nickname="Ziel")

    response = client.patch("/api/v1/admin/users/Ziel", json={"role": "admin", "is_staff": True})

    assert response.status_code == 403
    assert response.json()["error"] == "forbidden"
    db.refresh(target)
    assert (target.role, target.is_staff) == ("member", False)


def test_anonymous_visitors_are_asked_to_log_in_for_admin_pages(anon, db):
    make_user(db, nickname="Ziel")

    response = anon.patch("/api/v1/admin/users/Ziel", json={"role": "admin"})

    assert response.status_code == 401


def test_an_unknown_role_is_refused(admin_client, db):
    make_user(db, nickname="Ziel")

    response = admin_client.patch("/api/v1/admin/users/Ziel", json={"role": "kaiser"})

    assert response.status_code == 422
    assert response.json()["error"] == "invalid_input"


def test_changing_an_unknown_member_answers_404(admin_client):
    response = admin_client.patch("/api/v1/admin/users/Niemand", json={"is_staff": True})

    assert response.status_code == 404


def test_the_staff_badge_shows_on_every_post_of_the_member(admin_client, anon, db):
    board = make_category(db)
    employee = make_user(db, nickname="Expertin")
    customer = make_user(db, nickname="Kunde")
    thread = make_thread(db, author=customer, category=board)
    make_reply(db, author=employee, thread=thread)

    def badges() -> dict[str, bool]:
        posts = anon.get(f"/api/v1/threads/{thread.id}/posts").json()["items"]
        return {p["author"]["nickname"]: p["author"]["is_staff"] for p in posts}

    assert badges() == {"Kunde": False, "Expertin": False}

    admin_client.patch("/api/v1/admin/users/Expertin", json={"is_staff": True})

    assert badges() == {"Kunde": False, "Expertin": True}
    last_poster = anon.get(f"/api/v1/threads/{thread.id}").json()["last_poster"]
    assert last_poster == {
        "nickname": "Expertin",
        "role": "member",
        "is_staff": True,
        # Staff show "Team" instead of a points rank.
        "rank": {"key": "team", "name_de": "Team", "name_en": "Team"},
        # Without a real name on file there is no first name to show.
        "staff_display_name": None,
    }


# ---- closed groups -------------------------------------------------------------------------------


def test_a_member_added_to_a_group_sees_its_closed_board_and_loses_it_when_removed(
    admin_client, client, db
):
    make_category(db, slug="grosskunden", name="Großkunden")
    make_category(db, slug="festnetz", name="Festnetz")
    member = make_user(db, nickname="Konzernkunde")
    login(client, member)

    created = admin_client.post(
        "/api/v1/admin/groups", json={"slug": "konzerne", "name": "Konzerne"}
    )
    assert created.status_code == 201, created.text
    closed = admin_client.put(
        "/api/v1/admin/categories/grosskunden/groups", json={"groups": ["konzerne"]}
    )
    assert closed.status_code == 200, closed.text
    assert closed.json()["is_closed"] is True
    assert _board_slugs(client) == {"festnetz"}

    added = admin_client.post(
        "/api/v1/admin/groups/konzerne/members", json={"nickname": "Konzernkunde"}
    )
    assert added.status_code == 204
    assert _board_slugs(client) == {"festnetz", "grosskunden"}
    assert admin_client.get("/api/v1/admin/groups/konzerne/members").json() == ["Konzernkunde"]

    removed = admin_client.delete("/api/v1/admin/groups/konzerne/members/Konzernkunde")
    assert removed.status_code == 204
    assert _board_slugs(client) == {"festnetz"}


def test_a_closed_boards_threads_are_404_for_outsiders_and_open_to_members(
    admin_client, client, db
):
    board = make_category(db, slug="grosskunden")
    insider = make_user(db, nickname="Insider")
    thread = make_thread(db, author=make_user(db), category=board, title="Rahmenvertrag 2025")
    login(client, make_user(db, nickname="Aussen"))
    admin_client.post("/api/v1/admin/groups", json={"slug": "konzerne", "name": "Konzerne"})
    admin_client.put("/api/v1/admin/categories/grosskunden/groups", json={"groups": ["konzerne"]})
    admin_client.post("/api/v1/admin/groups/konzerne/members", json={"nickname": "Insider"})

    assert client.get(f"/api/v1/threads/{thread.id}").status_code == 404
    assert client.get("/api/v1/categories/grosskunden").status_code == 404

    login(client, insider)
    assert client.get(f"/api/v1/threads/{thread.id}").status_code == 200


def test_opening_a_board_again_makes_it_public(admin_client, anon, db):
    make_category(db, slug="grosskunden")
    admin_client.post("/api/v1/admin/groups", json={"slug": "konzerne", "name": "Konzerne"})
    admin_client.put("/api/v1/admin/categories/grosskunden/groups", json={"groups": ["konzerne"]})
    assert "grosskunden" not in _board_slugs(anon)

    opened = admin_client.put("/api/v1/admin/categories/grosskunden/groups", json={"groups": []})

    assert opened.status_code == 200
    assert opened.json()["is_closed"] is False
    assert "grosskunden" in _board_slugs(anon)


def test_groups_list_counts_their_members(admin_client, db):
    make_user(db, nickname="Eins")
    make_user(db, nickname="Zwei")
    admin_client.post("/api/v1/admin/groups", json={"slug": "konzerne", "name": "Konzerne"})
    for nickname in ("Eins", "Zwei", "Eins"):
        admin_client.post("/api/v1/admin/groups/konzerne/members", json={"nickname": nickname})

    groups = admin_client.get("/api/v1/admin/groups").json()

    assert groups == [
        {"slug": "konzerne", "name": "Konzerne", "description": "", "member_count": 2}
    ]


def test_a_group_slug_exists_only_once(admin_client):
    admin_client.post("/api/v1/admin/groups", json={"slug": "konzerne", "name": "Konzerne"})

    again = admin_client.post("/api/v1/admin/groups", json={"slug": "konzerne", "name": "Zwei"})

    assert again.status_code == 409


@pytest.mark.parametrize("slug", ["Konzerne", "k", "-konzerne", "kon zerne", "x" * 61])
def test_a_malformed_group_slug_is_refused(admin_client, slug):
    response = admin_client.post("/api/v1/admin/groups", json={"slug": slug, "name": "Konzerne"})

    assert response.status_code == 422
    assert response.json()["error"] == "invalid_input"


def test_adding_an_unknown_member_or_to_an_unknown_group_answers_404(admin_client, db):
    make_user(db, nickname="Eins")
    admin_client.post("/api/v1/admin/groups", json={"slug": "konzerne", "name": "Konzerne"})

    no_user = admin_client.post(
        "/api/v1/admin/groups/konzerne/members", json={"nickname": "Niemand"}
    )
    no_group = admin_client.post(
        "/api/v1/admin/groups/gibtsnicht/members", json={"nickname": "Eins"}
    )

    assert no_user.status_code == 404
    assert no_group.status_code == 404


def test_closing_a_board_to_an_unknown_group_is_refused(admin_client, anon, db):
    make_category(db, slug="grosskunden")

    response = admin_client.put(
        "/api/v1/admin/categories/grosskunden/groups", json={"groups": ["gibtsnicht"]}
    )

    assert response.status_code == 422
    assert "grosskunden" in _board_slugs(anon)


def test_only_admins_manage_groups(client, db):
    login(client, make_user(db, role=Role.moderator))
    make_category(db, slug="grosskunden")

    created = client.post("/api/v1/admin/groups", json={"slug": "konzerne", "name": "Konzerne"})
    closed = client.put("/api/v1/admin/categories/grosskunden/groups", json={"groups": []})

    assert created.status_code == 403
    assert closed.status_code == 403
