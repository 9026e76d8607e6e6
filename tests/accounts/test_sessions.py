"""Server-side login sessions: a random cookie stored only as a hash, renewed at every
login, ended at logout and when an admin disables the account."""

from __future__ import annotations

import base64
import hashlib
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, update
from sqlmodel import Session

from community.accounts import service as accounts
from community.accounts.models import Role, User, UserSession
from community.clock import utcnow
from community.config import get_settings
from tests.factories import PASSWORD, login, make_user

COOKIE = "community_session"


def _cookie_from(client) -> str:
    value = client.cookies.get(COOKIE)
    assert value, "no session cookie was set"
    return value


def _browser_with(make_client, cookie: str):
    browser = make_client()
    browser.cookies.set(COOKIE, cookie)
    return browser


def _set_cookie_headers(response, name: str) -> list[str]:
    return [h for h in response.headers.get_list("set-cookie") if h.startswith(f"{name}=")]


def test_the_session_cookie_is_random_and_stored_only_hashed(client, db):
    user = make_user(db)
    login(client, user)
    cookie = _cookie_from(client)

    raw = base64.urlsafe_b64decode(cookie + "=" * (-len(cookie) % 4))
    assert len(raw) * 8 >= 128
    [row] = db.execute(select(UserSession).where(UserSession.user_id == user.id)).scalars()
    assert row.token_hash != cookie
    assert row.token_hash == hashlib.sha256(cookie.encode()).hexdigest()


def test_every_login_gets_a_new_session_and_ends_the_old_one(client, db, make_client):
    user = make_user(db)
    login(client, user)
    first = _cookie_from(client)

    login(client, user)
    second = _cookie_from(client)

    assert second != first
    assert _browser_with(make_client, first).get("/api/v1/me").status_code == 401
    assert _browser_with(make_client, second).get("/api/v1/me").status_code == 200


def test_a_cookie_planted_before_login_is_worthless_afterwards(client, db, make_client):
    """Session fixation: whatever cookie the browser had, the login issues its own."""
    user = make_user(db)
    client.cookies.set(COOKIE, "vom-angreifer-gesetzt", domain="testserver.local")

    login(client, user)

    assert _cookie_from(client) != "vom-angreifer-gesetzt"
    assert _browser_with(make_client, "vom-angreifer-gesetzt").get("/api/v1/me").status_code == 401


def test_logging_in_on_a_second_device_keeps_the_first_signed_in(db, make_client):
    user = make_user(db)
    laptop, phone = make_client(), make_client()
    login(laptop, user)
    login(phone, user)

    assert laptop.get("/api/v1/me").status_code == 200
    assert phone.get("/api/v1/me").status_code == 200


def test_logout_ends_the_session_on_the_server(client, db, make_client):
    user = make_user(db)
    login(client, user)
    cookie = _cookie_from(client)

    response = client.post("/api/v1/auth/logout")

    assert response.status_code == 204
    assert client.get("/api/v1/me").status_code == 401
    # Even a copy of the cookie kept elsewhere no longer signs anyone in.
    copied = _browser_with(make_client, cookie).get("/api/v1/me")
    assert copied.status_code == 401
    assert copied.json()["error"] == "not_authenticated"


def test_logout_through_the_web_form_ends_the_session(client, db, make_client):
    user = make_user(db)
    csrf = login(client, user)
    cookie = _cookie_from(client)

    response = client.post("/logout", data={"csrf_token": csrf}, follow_redirects=False)

    assert response.status_code == 303
    assert _browser_with(make_client, cookie).get("/api/v1/me").status_code == 401


def test_disabling_an_account_ends_its_sessions_and_blocks_login(db, make_client):
    admin = make_user(db, role=Role.admin)
    user = make_user(db, nickname="Sperrkandidat")
    admin_browser, user_browser = make_client(), make_client()
    login(admin_browser, admin)
    login(user_browser, user)

    response = admin_browser.patch("/api/v1/admin/users/Sperrkandidat", json={"is_active": False})

    assert response.status_code == 200, response.text
    assert response.json()["is_active"] is False
    assert user_browser.get("/api/v1/me").status_code == 401
    again = make_client().post(
        "/api/v1/auth/login", json={"email": user.email, "password": PASSWORD}
    )
    assert again.status_code == 401


def test_a_reenabled_account_can_log_in_again(db, make_client):
    admin = make_user(db, role=Role.admin)
    user = make_user(db, nickname="Rueckkehrer")
    admin_browser = make_client()
    login(admin_browser, admin)
    admin_browser.patch("/api/v1/admin/users/Rueckkehrer", json={"is_active": False})

    enabled = admin_browser.patch("/api/v1/admin/users/Rueckkehrer", json={"is_active": True})

    assert enabled.status_code == 200
    login(make_client(), user)


def test_login_answers_with_the_member_and_a_csrf_token(client, db):
    user = make_user(db, nickname="Anmelderin")

    response = client.post(
        "/api/v1/auth/login", json={"email": user.email.upper(), "password": PASSWORD}
    )

    assert response.status_code == 200
    body = response.json()
    assert body["user"]["nickname"] == "Anmelderin"
    assert body["csrf_token"] == client.cookies.get("community_csrf")


def test_session_and_csrf_cookies_carry_the_safe_attributes(client, db):
    response = client.post(
        "/api/v1/auth/login", json={"email": make_user(db).email, "password": PASSWORD}
    )

    [session_cookie] = _set_cookie_headers(response, COOKIE)
    attributes = [a.strip().lower() for a in session_cookie.split(";")]
    assert "httponly" in attributes
    assert "samesite=lax" in attributes
    assert "secure" not in attributes  # the test site runs on http://
    csrf_cookies = _set_cookie_headers(response, "community_csrf")
    assert csrf_cookies
    assert all("samesite=lax" in c.lower() for c in csrf_cookies)


@pytest.mark.parametrize("path", ["/api/v1/auth/login", "/login"])
def test_cookies_are_secure_when_the_site_runs_on_https(app, db, monkeypatch, path):
    monkeypatch.setattr(get_settings(), "public_url", "https://forum.example.com")
    user = make_user(db)
    credentials = {"email": user.email, "password": PASSWORD}

    with TestClient(app, base_url="https://forum.example.com") as browser:
        browser.get("/login")
        csrf = browser.cookies.get("community_csrf")
        if path == "/login":
            data = {**credentials, "csrf_token": csrf}
            response = browser.post(path, data=data, follow_redirects=False)
        else:
            response = browser.post(path, json=credentials)

    assert response.status_code in (200, 303), response.text
    [session_cookie] = _set_cookie_headers(response, COOKIE)
    attributes = [a.strip().lower() for a in session_cookie.split(";")]
    assert "secure" in attributes
    assert "httponly" in attributes
    assert "samesite=lax" in attributes


def test_an_expired_session_no_longer_signs_in(client, db):
    login(client, make_user(db))
    db.execute(update(UserSession).values(expires_at=utcnow() - timedelta(seconds=1)))
    db.commit()

    assert client.get("/api/v1/me").status_code == 401


def test_the_signed_in_user_belongs_to_the_request_s_session(client, db, engine):
    """Read as plain values for speed (accounts.viewer_for_session), the user is still the
    session's own: a change a route makes to it is written with the transaction, and a
    session that holds the user already gets that same object back."""
    user = make_user(db, nickname="Vorher")
    login(client, user)
    cookie = _cookie_from(client)
    with Session(engine) as session:
        viewer = accounts.viewer_for_session(session, cookie)
        assert viewer.user is not None and viewer.user.nickname == "Vorher"
        viewer.user.real_name = "Anna Beispiel"
        session.commit()
    with Session(engine) as session:
        held = session.get(User, user.id)
        assert held is not None and held.real_name == "Anna Beispiel"
        assert accounts.viewer_for_session(session, cookie).user is held
