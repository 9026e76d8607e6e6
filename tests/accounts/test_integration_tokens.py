"""Integration tokens (e.g. for the CRM): created by an admin, shown once, stored hashed,
limited to their scopes, and dead once revoked."""

from __future__ import annotations

import hashlib

import pytest
from sqlalchemy import select

from community.accounts.models import ApiToken, Role
from tests.factories import login, make_user


@pytest.fixture
def admin_client(db, make_client):
    browser = make_client()
    login(browser, make_user(db, role=Role.admin))
    return browser


def _create(admin_client, scopes: list[str], name: str = "CRM"):
    return admin_client.post("/api/v1/admin/tokens", json={"name": name, "scopes": scopes})


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_a_token_with_events_read_reads_the_event_feed(admin_client, anon):
    created = _create(admin_client, ["events:read"])
    assert created.status_code == 201, created.text
    token = created.json()["token"]

    response = anon.get("/api/v1/events", headers=_bearer(token))

    assert response.status_code == 200, response.text
    assert "items" in response.json()


def test_the_token_is_shown_once_and_stored_only_hashed(admin_client, db):
    created = _create(admin_client, ["events:read"]).json()
    token = created["token"]

    [row] = db.execute(select(ApiToken)).scalars()
    assert row.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token not in (row.token_hash, row.prefix, row.scopes, row.name)
    assert token.startswith(created["prefix"])
    listed = admin_client.get("/api/v1/admin/tokens").json()
    assert [t["name"] for t in listed] == ["CRM"]
    assert "token" not in listed[0]
    assert token not in admin_client.get("/api/v1/admin/tokens").text


def test_a_token_without_the_scope_is_refused(admin_client, anon):
    token = _create(admin_client, ["faq:read"]).json()["token"]

    response = anon.get("/api/v1/events", headers=_bearer(token))

    assert response.status_code == 403
    assert response.json()["error"] == "missing_scope"


def test_an_unknown_token_is_refused(anon):
    response = anon.get("/api/v1/events", headers=_bearer("cmt_ausgedacht"))

    assert response.status_code == 401
    assert response.json()["error"] == "invalid_token"
    # The scheme that gets in (RFC 6750), also when no credentials came at all
    assert response.headers["www-authenticate"] == 'Bearer realm="community", error="invalid_token"'
    assert anon.get("/api/v1/events").headers["www-authenticate"] == 'Bearer realm="community"'
    assert "www-authenticate" not in anon.get("/settings", follow_redirects=False).headers


def test_a_revoked_token_is_refused(admin_client, anon):
    created = _create(admin_client, ["events:read"]).json()
    assert anon.get("/api/v1/events", headers=_bearer(created["token"])).status_code == 200

    revoked = admin_client.delete(f"/api/v1/admin/tokens/{created['id']}")

    assert revoked.status_code == 204
    response = anon.get("/api/v1/events", headers=_bearer(created["token"]))
    assert response.status_code == 401
    listed = admin_client.get("/api/v1/admin/tokens").json()
    assert listed[0]["revoked"] is True


def test_an_unknown_scope_is_refused_at_creation(admin_client, db):
    response = _create(admin_client, ["events:read", "alles:schreiben"])

    assert response.status_code == 422
    assert response.json()["error"] == "unknown_scope"
    assert db.execute(select(ApiToken)).first() is None


def test_using_a_token_is_recorded(admin_client, anon, db):
    created = _create(admin_client, ["events:read"]).json()
    assert created["last_used_at"] is None

    anon.get("/api/v1/events", headers=_bearer(created["token"]))

    listed = admin_client.get("/api/v1/admin/tokens").json()
    assert listed[0]["last_used_at"] is not None


def test_a_token_does_not_act_as_a_member(admin_client, anon, db):
    token = _create(admin_client, ["events:read", "faq:read", "leads:read"]).json()["token"]

    me = anon.get("/api/v1/me", headers=_bearer(token))
    admin = anon.get("/api/v1/admin/tokens", headers=_bearer(token))

    assert me.status_code == 401
    assert admin.status_code == 401


@pytest.mark.parametrize("role", [Role.member, Role.moderator])
def test_only_admins_create_tokens(client, db, role):
    login(client, make_user(db, role=role))

    response = _create(client, ["events:read"])

    assert response.status_code == 403
    assert "token" not in response.json()


def test_members_without_a_token_cannot_read_the_event_feed(client, db):
    login(client, make_user(db))

    response = client.get("/api/v1/events")

    assert response.status_code == 403


def test_the_event_feed_without_any_credentials_answers_401(anon):
    response = anon.get("/api/v1/events")

    assert response.status_code == 401
    assert response.json()["error"] == "not_authenticated"
