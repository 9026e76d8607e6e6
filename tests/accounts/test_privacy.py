"""Privacy: the nickname is the only public identity. Real name, company and e-mail are shown
to the member themself and to moderators, nowhere else."""

from __future__ import annotations

import pytest

from community.accounts.models import Role
from tests.factories import login, make_category, make_reply, make_thread, make_user

SECRETS = ("Klara Kunde", "Kunde & Co. KG", "klara.kunde@example.com")


@pytest.fixture
def klara(db):
    return make_user(
        db,
        nickname="Klara",
        real_name="Klara Kunde",
        company="Kunde & Co. KG",
        email="klara.kunde@example.com",
    )


def _assert_no_secrets(text: str) -> None:
    for secret in SECRETS:
        assert secret not in text
    # JSON escapes "&" nowhere, but HTML does.
    assert "Kunde &amp; Co. KG" not in text


@pytest.mark.parametrize("viewer_role", [None, Role.member, Role.moderator, Role.admin])
def test_the_public_profile_never_shows_private_fields(klara, db, make_client, viewer_role):
    browser = make_client()
    if viewer_role is not None:
        login(browser, make_user(db, role=viewer_role))

    response = browser.get("/api/v1/users/Klara")

    assert response.status_code == 200
    body = response.json()
    assert body["nickname"] == "Klara"
    assert not {"real_name", "company", "email", "id"} & set(body)
    _assert_no_secrets(response.text)


def test_the_profile_page_shows_only_the_nickname(klara, anon):
    response = anon.get("/u/Klara")

    assert response.status_code == 200
    assert "Klara" in response.text
    _assert_no_secrets(response.text)


def test_posts_and_threads_show_the_author_by_nickname_only(klara, anon, db):
    board = make_category(db)
    thread = make_thread(db, author=klara, category=board)
    make_reply(db, author=klara, thread=thread)

    responses = [
        anon.get(f"/api/v1/threads/{thread.id}"),
        anon.get(f"/api/v1/threads/{thread.id}/posts"),
        anon.get(f"/api/v1/categories/{board.slug}/threads"),
        anon.get("/api/v1/categories"),
        anon.get(f"/t/{thread.id}/{thread.slug}"),
    ]

    for response in responses:
        assert response.status_code == 200, response.url
        _assert_no_secrets(response.text)
    assert responses[1].json()["items"][0]["author"] == {
        "nickname": "Klara",
        "role": "member",
        "is_staff": False,
        "rank": {"key": "member", "name_de": "Mitglied", "name_en": "Member"},
        "staff_display_name": None,
    }


def test_a_member_sees_their_own_private_fields(klara, client):
    login(client, klara)

    response = client.get("/api/v1/users/Klara/private")

    assert response.status_code == 200
    body = response.json()
    assert body["real_name"] == "Klara Kunde"
    assert body["company"] == "Kunde & Co. KG"
    assert body["email"] == "klara.kunde@example.com"


@pytest.mark.parametrize(
    ("role", "staff"), [(Role.moderator, False), (Role.admin, False), (Role.member, True)]
)
def test_staff_see_a_members_private_fields(klara, client, db, role, staff):
    """Moderators, admins and company employees (the staff flag) are staff."""
    login(client, make_user(db, role=role, staff=staff))

    response = client.get("/api/v1/users/Klara/private")

    assert response.status_code == 200
    assert response.json()["real_name"] == "Klara Kunde"


@pytest.mark.parametrize("role", [Role.member, Role.expert])
def test_other_members_may_not_see_private_fields(klara, client, db, role):
    login(client, make_user(db, role=role))

    response = client.get("/api/v1/users/Klara/private")

    assert response.status_code == 403
    _assert_no_secrets(response.text)


def test_anonymous_visitors_may_not_see_private_fields(klara, anon):
    response = anon.get("/api/v1/users/Klara/private")

    assert response.status_code == 401
    _assert_no_secrets(response.text)


def test_an_integration_token_may_not_see_private_fields(klara, client, anon, db):
    login(client, make_user(db, role=Role.admin))
    token = client.post(
        "/api/v1/admin/tokens",
        json={"name": "CRM", "scopes": ["events:read", "faq:read", "leads:read"]},
    ).json()["token"]

    response = anon.get("/api/v1/users/Klara/private", headers={"Authorization": f"Bearer {token}"})

    assert response.status_code == 401
    _assert_no_secrets(response.text)


def test_a_member_edits_their_private_fields(klara, client, anon):
    login(client, klara)

    response = client.patch(
        "/api/v1/me", json={"real_name": "Klara Neu", "company": "Neue Firma AG"}
    )

    assert response.status_code == 200
    assert client.get("/api/v1/me").json()["company"] == "Neue Firma AG"
    public = anon.get("/api/v1/users/Klara").text
    assert "Klara Neu" not in public
    assert "Neue Firma AG" not in public


def test_an_unknown_nickname_answers_404(anon):
    assert anon.get("/api/v1/users/Niemand").status_code == 404
    assert anon.get("/api/v1/users/Niemand/private").status_code == 404
