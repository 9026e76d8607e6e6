"""CSRF: a write made with the session cookie must echo the CSRF cookie (header on the API,
form field on the web). Requests with an integration token carry no cookie and need none."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from community.accounts.models import Role
from community.forum.models import Post
from tests.factories import PASSWORD, login, make_category, make_thread, make_user


def _ask(client, board_slug: str, headers: dict[str, str] | None = None):
    return client.post(
        "/api/v1/threads",
        json={"category": board_slug, "title": "Router blinkt rot, was tun?", "body": "Hilfe"},
        headers=headers,
    )


def _post_count(db) -> int:
    return db.execute(select(func.count()).select_from(Post)).scalar_one()


def test_an_api_write_with_the_cookie_but_without_the_csrf_header_is_refused(client, db):
    board = make_category(db)
    login(client, make_user(db))
    del client.headers["X-CSRF-Token"]

    response = _ask(client, board.slug)

    assert response.status_code == 403
    assert response.json()["error"] == "csrf_failed"
    assert _post_count(db) == 0


def test_an_api_write_with_a_wrong_csrf_header_is_refused(client, db):
    board = make_category(db)
    login(client, make_user(db))

    response = _ask(client, board.slug, headers={"X-CSRF-Token": "geraten"})

    assert response.status_code == 403
    assert response.json()["error"] == "csrf_failed"
    assert _post_count(db) == 0


def test_an_api_write_with_the_right_csrf_header_goes_through(client, db):
    board = make_category(db)
    login(client, make_user(db))

    assert _ask(client, board.slug).status_code == 201


def test_a_forged_logout_does_not_sign_the_member_out(client, db):
    login(client, make_user(db))
    del client.headers["X-CSRF-Token"]

    response = client.post("/api/v1/auth/logout")

    assert response.status_code == 403
    assert response.json()["error"] == "csrf_failed"
    assert client.get("/api/v1/me").status_code == 200


def test_admin_changes_need_the_csrf_header_too(client, db):
    login(client, make_user(db, role=Role.admin))
    victim = make_user(db, nickname="Zielscheibe")
    del client.headers["X-CSRF-Token"]

    response = client.patch("/api/v1/admin/users/Zielscheibe", json={"role": "admin"})

    assert response.status_code == 403
    assert response.json()["error"] == "csrf_failed"
    db.refresh(victim)
    assert victim.role == Role.member


def test_reading_with_the_cookie_needs_no_csrf_header(client, db):
    login(client, make_user(db))
    del client.headers["X-CSRF-Token"]

    assert client.get("/api/v1/me").status_code == 200


def test_a_bearer_token_request_needs_no_csrf(client, db):
    login(client, make_user(db, role=Role.admin))
    created = client.post("/api/v1/admin/tokens", json={"name": "CRM", "scopes": ["events:read"]})
    bearer = {"Authorization": f"Bearer {created.json()['token']}"}
    # The browser still holds its session cookie but sends no CSRF header.
    del client.headers["X-CSRF-Token"]

    write = client.post(
        "/api/v1/admin/tokens", json={"name": "Zweites", "scopes": []}, headers=bearer
    )
    read = client.get("/api/v1/events", headers=bearer)

    # The token, not the cookie, decides: it is no admin, and that is the refusal, not CSRF.
    assert write.status_code == 401
    assert write.json()["error"] == "not_authenticated"
    assert read.status_code == 200


# ---- web forms -------------------------------------------------------------------------------


def test_the_login_form_with_a_wrong_csrf_token_is_refused(client, db):
    user = make_user(db)
    client.get("/login")
    assert client.cookies.get("community_csrf")

    response = client.post(
        "/login",
        data={"email": user.email, "password": PASSWORD, "csrf_token": "geraten"},
        follow_redirects=False,
    )

    assert response.status_code == 403
    assert "community_session" not in response.headers.get("set-cookie", "")
    assert client.get("/api/v1/me").status_code == 401


def test_the_login_form_without_a_csrf_cookie_is_refused(client, db):
    user = make_user(db)

    response = client.post(
        "/login",
        data={"email": user.email, "password": PASSWORD, "csrf_token": "irgendwas"},
        follow_redirects=False,
    )

    assert response.status_code == 403
    assert client.get("/api/v1/me").status_code == 401


def test_the_login_form_without_the_csrf_field_is_refused(client, db):
    user = make_user(db)
    client.get("/login")

    response = client.post(
        "/login", data={"email": user.email, "password": PASSWORD}, follow_redirects=False
    )

    assert response.status_code == 403
    assert "community_session" not in response.headers.get("set-cookie", "")
    assert client.get("/api/v1/me").status_code == 401


def test_the_login_form_with_the_matching_csrf_token_signs_in(client, db):
    user = make_user(db)
    client.get("/login")

    response = client.post(
        "/login",
        data={
            "email": user.email,
            "password": PASSWORD,
            "csrf_token": client.cookies.get("community_csrf"),
        },
        follow_redirects=False,
    )

    assert response.status_code == 303
    assert client.get("/api/v1/me").status_code == 200


@pytest.mark.parametrize(
    "csrf_field",
    [{"csrf_token": "geraten"}, {"csrf_token": ""}, {}],
    ids=["wrong", "empty", "missing"],
)
def test_a_reply_form_without_the_matching_csrf_token_posts_nothing(client, db, csrf_field):
    board = make_category(db)
    thread = make_thread(db, author=make_user(db), category=board)
    login(client, make_user(db))

    response = client.post(
        f"/t/{thread.id}/reply",
        data={**csrf_field, "body": "Das ist ein untergeschobener Beitrag."},
        follow_redirects=False,
    )

    assert response.status_code == 403
    assert "Sicherheitsprüfung" in response.text
    assert _post_count(db) == 1  # only the opening post


def test_a_reply_form_with_the_matching_csrf_token_posts(client, db):
    board = make_category(db)
    thread = make_thread(db, author=make_user(db), category=board)
    csrf = login(client, make_user(db))

    response = client.post(
        f"/t/{thread.id}/reply",
        data={"csrf_token": csrf, "body": "Das ist meine Antwort."},
        follow_redirects=False,
    )

    assert response.status_code == 303
    assert _post_count(db) == 2


def test_a_planted_csrf_cookie_echoed_in_the_header_is_refused(client, db):
    # Another site (or a sibling subdomain) can set the CSRF cookie and send the same value
    # in the header; the signed-in member's session decides what the token must be.
    board = make_category(db)
    login(client, make_user(db))
    client.cookies.set("community_csrf", "vom-angreifer-gesetzt")

    response = _ask(client, board.slug, headers={"X-CSRF-Token": "vom-angreifer-gesetzt"})

    assert response.status_code == 403
    assert response.json()["error"] == "csrf_failed"
    assert _post_count(db) == 0


def test_the_csrf_token_is_renewed_at_login_and_logout(client, db):
    board = make_category(db)
    member = make_user(db)
    before_login = client.get("/login") and client.cookies.get("community_csrf")
    first = login(client, member)
    assert first != before_login
    assert client.post("/api/v1/auth/logout").status_code == 204
    after_logout = client.cookies.get("community_csrf")
    assert after_logout not in (first, before_login)
    second = login(client, member)
    assert second != first

    # The first session's token does not carry over to the second.
    stale = _ask(client, board.slug, headers={"X-CSRF-Token": first})
    assert stale.status_code == 403
    assert _ask(client, board.slug, headers={"X-CSRF-Token": second}).status_code == 201


def test_a_form_page_gives_a_new_visitor_its_token_as_cookie_once(client, db):
    first = client.get("/login")
    token = client.cookies.get("community_csrf")
    assert token and f'value="{token}"' in first.text
    cookie = next(v for k, v in first.headers.multi_items() if k == "set-cookie")
    assert cookie.startswith(f"community_csrf={token};") and "SameSite=lax" in cookie
    # A visitor who has it keeps it: no new cookie, the same token in the form.
    again = client.get("/login")
    assert "set-cookie" not in again.headers
    assert f'value="{token}"' in again.text
