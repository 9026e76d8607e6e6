"""Password reset: ask by e-mail, follow the link from the mail, choose a new password.
The old password and every open session stop working; the link works once."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import parse_qs, urlparse

from sqlalchemy import func, select, update

from community.accounts.models import EmailToken, UserSession
from community.clock import utcnow
from tests.factories import PASSWORD, login, make_user

NEW_PASSWORD = "Frühlingswiese-am-Rhein"


def _token(link: str) -> str:
    return parse_qs(urlparse(link).query)["token"][0]


def _request_reset(client, email: str):
    return client.post("/api/v1/auth/password-reset", json={"email": email})


def _confirm(client, token: str, password: str = NEW_PASSWORD):
    return client.post(
        "/api/v1/auth/password-reset/confirm", json={"token": token, "password": password}
    )


def _login(client, email: str, password: str):
    return client.post("/api/v1/auth/login", json={"email": email, "password": password})


def _reset_token_from_mail(anon, mailbox, run_jobs, email: str) -> str:
    assert _request_reset(anon, email).status_code == 202
    run_jobs()
    [mail] = mailbox.to(email)
    return _token(mail.link("/reset-password"))


def test_reset_by_mail_replaces_the_password(anon, db, mailbox, run_jobs, make_client):
    user = make_user(db, email="anna@example.com")

    response = _request_reset(anon, "anna@example.com")
    assert response.status_code == 202
    run_jobs()
    [mail] = mailbox.to("anna@example.com")
    link = mail.link("/reset-password")
    assert link.startswith("http://testserver/reset-password?token=")

    confirmed = _confirm(anon, _token(link))
    assert confirmed.status_code == 200, confirmed.text

    assert _login(make_client(), user.email, PASSWORD).status_code == 401
    assert _login(make_client(), user.email, NEW_PASSWORD).status_code == 200


def test_reset_ends_every_open_session(anon, db, mailbox, run_jobs, make_client):
    user = make_user(db)
    laptop, phone = make_client(), make_client()
    login(laptop, user)
    login(phone, user)
    assert laptop.get("/api/v1/me").status_code == 200

    token = _reset_token_from_mail(anon, mailbox, run_jobs, user.email)
    assert _confirm(anon, token).status_code == 200

    assert laptop.get("/api/v1/me").status_code == 401
    assert phone.get("/api/v1/me").status_code == 401
    assert db.execute(select(func.count()).select_from(UserSession)).scalar_one() == 0


def test_a_reset_link_works_only_once(anon, db, mailbox, run_jobs):
    user = make_user(db)
    token = _reset_token_from_mail(anon, mailbox, run_jobs, user.email)
    assert _confirm(anon, token).status_code == 200

    again = _confirm(anon, token, "noch-ein-ganz-neues-Passwort")

    assert again.status_code == 422
    assert again.json()["error"] == "invalid_token"
    assert _login(anon, user.email, NEW_PASSWORD).status_code == 200


def test_an_expired_reset_link_is_refused(anon, db, mailbox, run_jobs):
    user = make_user(db)
    token = _reset_token_from_mail(anon, mailbox, run_jobs, user.email)
    db.execute(update(EmailToken).values(expires_at=utcnow() - timedelta(seconds=1)))
    db.commit()

    response = _confirm(anon, token)

    assert response.status_code == 422
    assert response.json()["error"] == "invalid_token"
    assert _login(anon, user.email, PASSWORD).status_code == 200


def test_a_weak_new_password_is_refused_and_the_link_stays_usable(anon, db, mailbox, run_jobs):
    user = make_user(db)
    token = _reset_token_from_mail(anon, mailbox, run_jobs, user.email)

    weak = _confirm(anon, token, "passwort123")
    assert weak.status_code == 422
    assert weak.json()["error"] == "weak_password"

    assert _confirm(anon, token).status_code == 200
    assert _login(anon, user.email, NEW_PASSWORD).status_code == 200


def test_unknown_address_gets_the_same_answer_and_no_mail(anon, db, mailbox, run_jobs):
    user = make_user(db, email="anna@example.com")

    known = _request_reset(anon, user.email)
    unknown = _request_reset(anon, "niemand@example.com")

    assert unknown.status_code == known.status_code == 202
    assert unknown.json() == known.json()
    run_jobs()
    assert [m.rcpt_tos for m in mailbox.messages] == [("anna@example.com",)]


def test_a_verification_link_cannot_reset_the_password(anon, db, mailbox, run_jobs):
    registered = anon.post(
        "/api/v1/auth/register",
        json={"email": "neu@example.com", "password": PASSWORD, "nickname": "Neuling"},
    )
    assert registered.status_code == 201
    run_jobs()
    verify_token = _token(mailbox.messages[0].link("/verify-email"))

    response = _confirm(anon, verify_token)

    assert response.status_code == 422
    assert _login(anon, "neu@example.com", PASSWORD).status_code == 200


def test_the_reset_form_in_the_browser_sets_the_new_password(anon, db, mailbox, run_jobs):
    user = make_user(db)
    token = _reset_token_from_mail(anon, mailbox, run_jobs, user.email)
    form = anon.get(f"/reset-password?token={token}")
    assert form.status_code == 200
    csrf = anon.cookies.get("community_csrf")
    assert csrf

    done = anon.post(
        "/reset-password", data={"csrf_token": csrf, "token": token, "password": NEW_PASSWORD}
    )

    assert done.status_code == 200
    assert _login(anon, user.email, NEW_PASSWORD).status_code == 200


def test_an_older_reset_link_stops_working_once_the_password_was_reset(anon, db, mailbox, run_jobs):
    user = make_user(db)
    assert _request_reset(anon, user.email).status_code == 202
    assert _request_reset(anon, user.email).status_code == 202
    run_jobs()
    first, second = (_token(m.link("/reset-password")) for m in mailbox.to(user.email))
    assert _confirm(anon, second).status_code == 200

    stale = _confirm(anon, first, "noch-ein-ganz-neues-Passwort")

    assert stale.status_code == 422
    assert _login(anon, user.email, NEW_PASSWORD).status_code == 200


def test_the_reset_mail_is_in_the_members_language(anon, db, mailbox, run_jobs):
    make_user(db, email="de@example.com")
    make_user(db, email="en@example.com", locale="en")

    for address in ("de@example.com", "en@example.com"):
        assert _request_reset(anon, address).status_code == 202
    run_jobs()
    [german_mail] = mailbox.to("de@example.com")
    [english_mail] = mailbox.to("en@example.com")
    assert german_mail.subject.endswith("Passwort zurücksetzen")
    assert "Der Link gilt 2 Stunden." in german_mail.text
    assert english_mail.subject.endswith("Reset your password")
    assert "The link is valid for 2 hours." in english_mail.text
    assert english_mail.link("/reset-password").startswith("http://testserver/reset-password")


def test_something_that_is_no_address_gets_a_format_error(anon, db, mailbox, run_jobs):
    assert _request_reset(anon, "nope").status_code == 422
    anon.get("/forgot-password")
    page = anon.post(
        "/forgot-password", data={"csrf_token": anon.cookies.get("community_csrf"), "email": "nope"}
    )
    assert page.status_code == 422
    assert "Bitte geben Sie eine gültige E-Mail-Adresse an." in page.text
    assert 'value="nope"' in page.text  # kept, to be corrected
    assert "E-Mail unterwegs" not in page.text
    run_jobs()
    assert mailbox.messages == []
    # An address made on the command line, which registration's stricter check refuses
    local = make_user(db, email="it@firma.local")
    assert _request_reset(anon, "it@firma.local").status_code == 202
    run_jobs()
    assert mailbox.to(local.email)
