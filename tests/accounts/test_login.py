"""Logging in: one answer for every failure, six attempts per minute and address."""

from __future__ import annotations

from community.config import get_settings
from tests.factories import PASSWORD, make_user


def _csrf(client) -> str:  # type: ignore[no-untyped-def]
    client.get("/login")
    return client.cookies.get("community_csrf")  # type: ignore[no-any-return]


def _login(client, email: str, password: str):
    return client.post("/api/v1/auth/login", json={"email": email, "password": password})


def test_unknown_address_and_wrong_password_get_the_same_answer(anon, db):
    user = make_user(db)

    wrong_password = _login(anon, user.email, "falsches-Passwort-123")
    unknown_email = _login(anon, "niemand@example.com", "falsches-Passwort-123")

    assert wrong_password.status_code == unknown_email.status_code == 401
    assert wrong_password.json() == unknown_email.json()
    assert wrong_password.json()["error"] == "invalid_credentials"


def test_the_seventh_attempt_within_a_minute_is_refused(anon, db):
    user = make_user(db)
    for _ in range(6):
        assert _login(anon, user.email, "falsches-Passwort-123").status_code == 401

    seventh = _login(anon, user.email, PASSWORD)

    assert seventh.status_code == 429
    assert seventh.json()["error"] == "rate_limited"
    assert 1 <= int(seventh.headers["Retry-After"]) <= 61


def test_the_limit_counts_successful_logins_as_well(anon, db):
    user = make_user(db)
    for _ in range(6):
        assert _login(anon, user.email, PASSWORD).status_code == 200

    assert _login(anon, user.email, PASSWORD).status_code == 429


def test_the_limit_answers_the_same_for_unknown_and_known_addresses(anon, db):
    user = make_user(db)
    for _ in range(6):
        _login(anon, "niemand@example.com", "falsches-Passwort-123")

    known = _login(anon, user.email, "falsches-Passwort-123")
    unknown = _login(anon, "niemand@example.com", "falsches-Passwort-123")

    assert known.status_code == unknown.status_code == 429
    assert known.json() == unknown.json()
    assert "Retry-After" in known.headers
    assert "Retry-After" in unknown.headers


def test_the_login_form_shares_the_limit_with_the_api(client, db):
    user = make_user(db)
    for _ in range(6):
        _login(client, user.email, "falsches-Passwort-123")
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

    assert response.status_code == 429
    assert "Retry-After" in response.headers
    assert client.get("/api/v1/me").status_code == 401


def test_the_login_form_says_the_same_for_unknown_address_and_wrong_password(client, db):
    user = make_user(db)
    client.get("/login")
    csrf = client.cookies.get("community_csrf")

    def attempt(email: str) -> tuple[int, str]:
        response = client.post(
            "/login",
            data={"email": email, "password": "falsches-Passwort-123", "csrf_token": csrf},
        )
        return response.status_code, response.text.replace(email, "<email>")

    assert attempt(user.email) == attempt("niemand@example.com")
    assert attempt(user.email)[0] == 401


def test_a_disabled_account_gets_the_ordinary_failure_answer(anon, db):
    user = make_user(db)
    user.is_active = False
    db.add(user)
    db.commit()

    disabled = _login(anon, user.email, PASSWORD)
    unknown = _login(anon, "niemand@example.com", PASSWORD)

    assert disabled.status_code == 401
    assert disabled.json() == unknown.json()


def test_wrong_passwords_from_many_addresses_slow_the_account_down_briefly(
    anon, db, monkeypatch, limiter_clock
):
    # The per-IP limit cannot see 30 addresses; the account's own count can.
    monkeypatch.setattr(get_settings(), "login_rate", "1000/minute")
    member = make_user(db, email="ziel@example.com")
    wrong = {"email": "ziel@example.com", "password": "falsch-geraten-123"}
    free = get_settings().login_account_free_attempts
    for attempt in range(free + 2):
        response = anon.post("/api/v1/auth/login", json=wrong)
        assert response.status_code == 401
        if attempt == free:  # the first wait (2 s) is over before the next guess
            limiter_clock.advance(2.05)

    refused = anon.post("/api/v1/auth/login", json=wrong | {"password": PASSWORD})
    assert refused.status_code == 429, refused.text
    wait = int(refused.headers["Retry-After"])
    assert 1 <= wait <= 4
    page = anon.post(
        "/login",
        data={"email": member.email, "password": PASSWORD, "csrf_token": _csrf(anon)},
        follow_redirects=False,
    )
    assert page.status_code == 429, (page.headers, page.text[:300])

    # Exponential, never long: the owner gets in once the short wait is over.
    limiter_clock.advance(wait + 0.05)
    assert anon.post("/api/v1/auth/login", json=wrong | {"password": PASSWORD}).status_code == 200
    assert anon.post("/api/v1/auth/login", json=wrong).status_code == 401  # count starts over


def test_the_wait_per_account_doubles_and_stays_capped(anon, db, monkeypatch, limiter_clock):
    monkeypatch.setattr(get_settings(), "login_rate", "1000/minute")
    monkeypatch.setattr(get_settings(), "login_account_free_attempts", 0)
    monkeypatch.setattr(get_settings(), "login_account_max_delay_seconds", 4)
    make_user(db, email="ziel@example.com")
    wrong = {"email": "ziel@example.com", "password": "falsch-geraten-123"}
    waits = []
    for _ in range(3):
        assert anon.post("/api/v1/auth/login", json=wrong).status_code == 401
        refused = anon.post("/api/v1/auth/login", json=wrong)
        assert refused.status_code == 429
        waits.append(int(refused.headers["Retry-After"]))
        limiter_clock.advance(waits[-1] + 0.05)
    assert waits == [2, 4, 4]
