"""A member whose account was made by the provider has no password: a fresh sign-in at the
provider proves the account instead (erasure, setting a first password). Against the real
provider (conftest.py): prompt=login and max_age=0 make it ask for the login again, and the
proof is a cookie bound to the forum session that expires after a few minutes."""

from __future__ import annotations

import time
from types import SimpleNamespace
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import itsdangerous.timed
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlmodel import Session, col

from community.accounts import oidc_service
from community.accounts.models import OidcLink, User
from tests.factories import PASSWORD, make_user, sign_in
from tests.sso.conftest import RealProvider, browse_provider


def _csrf(client: TestClient) -> str:
    return client.cookies["community_csrf"]


def _member_from_provider(client: TestClient, at_provider: httpx.Client) -> None:
    """Erika signs in for the first time and chooses a nickname: an account without password."""
    start = client.get("/sso/kunden/start?next=/settings", follow_redirects=False)
    back = browse_provider(start.headers["location"], "erika", at_provider)
    client.get(back.removeprefix("http://testserver"))
    client.get("/sso/nickname")
    chosen = client.post("/sso/nickname", data={"nickname": "Zahnrad", "csrf_token": _csrf(client)})
    assert chosen.status_code == 200


def _confirm_at_provider(
    client: TestClient, at_provider: httpx.Client, login: str, next_path: str = "/settings#erase"
) -> Any:
    """The member presses "Mit Firmenkonto bestätigen" and signs in at the provider again."""
    start = client.get(
        "/sso/kunden/start",
        params={"purpose": "reauth", "next": next_path},
        follow_redirects=False,
    )
    assert start.status_code == 303, start.text
    query = parse_qs(urlsplit(start.headers["location"]).query)
    # A new sign-in, not the provider's remembered session.
    assert query["prompt"] == ["login"] and query["max_age"] == ["0"]
    back = browse_provider(start.headers["location"], login, at_provider)
    return client.get(back.removeprefix("http://testserver"), follow_redirects=False)


def _erase(client: TestClient) -> Any:
    return client.post(
        "/settings/erase",
        data={"confirm": "true", "csrf_token": _csrf(client)},
        follow_redirects=False,
    )


def _zahnrad(db: Session) -> User:
    db.expire_all()
    return db.execute(select(User).where(col(User.nickname) == "Zahnrad")).scalar_one()


def test_a_member_without_password_erases_the_account_after_a_fresh_provider_sign_in(
    client: TestClient, db: Session, kunden: RealProvider
) -> None:
    at_provider = httpx.Client(timeout=10)
    _member_from_provider(client, at_provider)
    member = _zahnrad(db)
    assert not oidc_service.has_password(member)

    # The settings offer the provider instead of a password field.
    page = client.get("/settings")
    assert "Mit Firmenkonto bestätigen" in page.text
    assert 'id="erase-password"' not in page.text
    assert "/sso/kunden/start?purpose=reauth&amp;next=/settings%23erase" in page.text
    refused = _erase(client)
    assert refused.status_code == 422  # the settings again, with the reason
    assert "Ihr Konto hat kein Passwort" in refused.text
    assert "Mit Firmenkonto bestätigen" in refused.text
    assert _zahnrad(db).erased_at is None

    # Still signed in at the provider, yet it asks for the login again (prompt=login).
    answer = _confirm_at_provider(client, at_provider, "erika")
    assert answer.status_code == 303, answer.text
    assert answer.headers["location"] == "/settings#erase"
    assert "Über Ihr Firmenkonto bestätigt" in client.get("/settings").text

    erased = _erase(client)
    assert erased.status_code == 200, erased.text
    assert "Konto gelöscht" in erased.text
    assert _zahnrad_erased(db, member.id)
    links = db.execute(select(func.count()).select_from(OidcLink)).scalar_one()
    assert links == 0
    at_provider.close()


def _zahnrad_erased(db: Session, user_id: int | None) -> bool:
    db.expire_all()
    user = db.get(User, user_id)
    return user is not None and user.erased_at is not None


def test_the_proof_sets_a_first_password(
    client: TestClient, db: Session, kunden: RealProvider
) -> None:
    at_provider = httpx.Client(timeout=10)
    _member_from_provider(client, at_provider)
    page = client.get("/settings")
    assert "Passwort festlegen" in page.text and 'id="current"' not in page.text
    new = "ein-neues-langes-Passwort-7"
    refused = client.post("/settings/password", data={"new": new, "csrf_token": _csrf(client)})
    assert refused.status_code == 422
    assert "Ihr Konto hat kein Passwort" in refused.text
    assert not oidc_service.has_password(_zahnrad(db))

    confirmed = _confirm_at_provider(client, at_provider, "erika", "/settings#password")
    assert confirmed.headers["location"] == "/settings#password"
    saved = client.post(
        "/settings/password",
        data={"new": new, "csrf_token": _csrf(client)},
        follow_redirects=False,
    )
    assert saved.status_code == 303, saved.text
    member = _zahnrad(db)
    assert oidc_service.has_password(member)
    fresh = TestClient(client.app)
    fresh.get("/login")
    login = fresh.post(
        "/login",
        data={"email": member.email, "password": new, "csrf_token": _csrf(fresh)},
        follow_redirects=False,
    )
    assert login.status_code == 303
    fresh.close()
    at_provider.close()


def test_a_proof_by_another_provider_account_is_refused(
    client: TestClient, db: Session, kunden: RealProvider
) -> None:
    at_provider = httpx.Client(timeout=10)
    _member_from_provider(client, at_provider)
    # Otto signs in at the provider in the member's browser: not the linked account.
    answer = _confirm_at_provider(client, at_provider, "otto")
    assert answer.status_code == 403
    assert "mit einem anderen Konto angemeldet" in answer.text
    assert oidc_service.PROOF_COOKIE not in answer.cookies
    assert _erase(client).status_code == 422
    assert _zahnrad(db).erased_at is None
    at_provider.close()


def test_a_stale_or_foreign_proof_is_refused(
    client: TestClient, db: Session, kunden: RealProvider, monkeypatch: pytest.MonkeyPatch
) -> None:
    at_provider = httpx.Client(timeout=10)
    _member_from_provider(client, at_provider)
    member = _zahnrad(db)
    assert _confirm_at_provider(client, at_provider, "erika").status_code == 303
    proof = client.cookies[oidc_service.PROOF_COOKIE]
    session_token = client.cookies["community_session"]

    # Another member who copies the proof into the own browser: refused.
    otto = make_user(db, nickname="Otto", email="otto@example.com")
    other = TestClient(client.app)
    sign_in(other, otto)
    other.cookies.set(oidc_service.PROOF_COOKIE, proof)
    foreign = _erase(other)
    assert foreign.status_code == 422 and "Das Passwort stimmt nicht." in foreign.text
    # The same member in another session (another browser): the proof is bound to the first.
    elsewhere = TestClient(client.app)
    sign_in(elsewhere, member)
    elsewhere.cookies.set(oidc_service.PROOF_COOKIE, proof)
    assert _erase(elsewhere).status_code == 422

    # A proof made longer ago than PROOF_SECONDS, for this very session: refused.
    real_time = time.time
    earlier = SimpleNamespace(time=lambda: real_time() - oidc_service.PROOF_SECONDS - 5)
    monkeypatch.setattr(itsdangerous.timed, "time", earlier)
    stale = oidc_service.make_proof(member, "kunden", session_token)
    monkeypatch.undo()
    client.cookies.set(oidc_service.PROOF_COOKIE, stale)
    refused = _erase(client)
    assert refused.status_code == 422
    assert "Ihr Konto hat kein Passwort" in refused.text
    db.expire_all()
    assert db.get(User, otto.id) is not None
    assert _zahnrad(db).erased_at is None

    # The fresh proof in its own session still works (the harness is not what refuses).
    client.cookies.set(oidc_service.PROOF_COOKIE, proof)
    assert _erase(client).status_code == 200
    for browser in (other, elsewhere):
        browser.close()
    at_provider.close()


def test_a_member_with_a_password_still_uses_it(
    client: TestClient, db: Session, kunden: RealProvider
) -> None:
    member = make_user(db, nickname="Otto", email="otto@kunde.example")
    sign_in(client, member)
    page = client.get("/settings")
    assert 'id="erase-password"' in page.text
    wrong = client.post(
        "/settings/erase",
        data={"password": "falsch", "confirm": "true", "csrf_token": _csrf(client)},
    )
    assert wrong.status_code == 422 and "Das Passwort stimmt nicht." in wrong.text
    right = client.post(
        "/settings/erase",
        data={"password": PASSWORD, "confirm": "true", "csrf_token": _csrf(client)},
    )
    assert right.status_code == 200
