"""Registration and e-mail verification: sign up, get the mail over SMTP, follow the link,
then post. Before the address is confirmed, nothing can be posted."""

from __future__ import annotations

import hashlib
import html
import logging
import re
from datetime import timedelta
from urllib.parse import parse_qs, urlparse

from sqlalchemy import select, update

from community.accounts.models import EmailToken, User
from community.clock import utcnow
from tests.factories import PASSWORD, login, make_category, make_thread, make_user


def _register(client, **fields):
    data = {"email": "neu@example.com", "password": PASSWORD, "nickname": "Neuling"} | fields
    return client.post("/api/v1/auth/register", json=data)


def _token(link: str) -> str:
    return parse_qs(urlparse(link).query)["token"][0]


def _ask(client, board_slug: str):
    return client.post(
        "/api/v1/threads",
        json={"category": board_slug, "title": "Wie kündige ich den Vertrag?", "body": "Danke!"},
    )


def test_registration_needs_only_email_password_and_nickname(anon, db):
    response = _register(anon)

    assert response.status_code == 201, response.text
    body = response.json()
    assert body["nickname"] == "Neuling"
    assert body["email"] == "neu@example.com"
    assert body["real_name"] is None
    assert body["company"] is None
    assert body["email_verified"] is False


def test_real_name_and_company_are_kept_for_the_member(anon, client, db):
    response = _register(anon, real_name="Anna Schmidt", company="Schmidt GmbH")
    assert response.status_code == 201, response.text

    user = db.execute(select(User).where(User.nickname == "Neuling")).scalar_one()
    assert (user.real_name, user.company) == ("Anna Schmidt", "Schmidt GmbH")
    login(client, user)
    me = client.get("/api/v1/me").json()
    assert (me["real_name"], me["company"]) == ("Anna Schmidt", "Schmidt GmbH")


def test_a_known_email_gets_the_same_answer_and_its_owner_a_mail(anon, db, mailbox, run_jobs):
    # Registration must not tell who is a member: same status, same fields, and the
    # account's owner (not the registrant) hears about it.
    make_user(db, email="anna@example.com", nickname="Anna")
    new = _register(anon, email="neu@example.com", nickname="Neuling")

    known = _register(anon, email="Anna@Example.COM", nickname="Zweitname")

    assert known.status_code == new.status_code == 201, known.text
    assert set(known.json()) == set(new.json())
    assert known.json()["nickname"] == "Zweitname"
    assert db.execute(select(User).where(User.nickname == "Zweitname")).first() is None
    run_jobs()
    [mail] = mailbox.to("anna@example.com")
    assert "schon ein Konto" in mail.text and "Anna" in mail.text
    assert mail.link("/forgot-password")


def test_the_registration_page_answers_a_known_email_like_a_new_one(anon, db, mailbox, run_jobs):
    make_user(db, email="anna@example.com", nickname="Anna")
    anon.get("/register")
    form = {
        "email": "anna@example.com",
        "nickname": "Zweitname",
        "password": PASSWORD,
        "csrf_token": anon.cookies.get("community_csrf"),
    }

    response = anon.post("/register", data=form, follow_redirects=False)

    assert response.status_code == 303 and response.headers["location"] == "/welcome"
    assert "schon ein Konto" not in anon.get("/welcome").text
    run_jobs()
    assert len(mailbox.to("anna@example.com")) == 1


def test_an_invalid_email_address_is_refused(anon):
    response = _register(anon, email="keine-adresse")

    assert response.status_code == 422
    assert response.json()["error"] == "invalid_input"


def test_a_taken_nickname_and_a_weak_password_are_told_at_once(anon, db):
    """One refusal per try made the member send the form again for each field."""
    make_user(db, nickname="Anna")
    anon.get("/register")
    form = {
        "email": "neu@example.com",
        "nickname": "anna",
        "password": "passwort123",
        "company": "Beispiel GmbH",
        "csrf_token": anon.cookies.get("community_csrf"),
    }
    page = anon.post("/register", data=form)
    assert page.status_code == 422
    text = html.unescape(page.text)
    assert "Bitte prüfen Sie die markierten Angaben." in text
    assert 'id="nickname-error">Dieser Spitzname ist schon vergeben.' in text
    assert re.search(r'id="password-error">[^<]+', text)
    assert re.search(r'id="nickname"[^>]*aria-invalid="true"[^>]*autofocus', text)
    assert re.search(r'id="password"[^>]*aria-invalid="true"', text)
    assert 'value="neu@example.com"' in text and 'value="Beispiel GmbH"' in text
    assert db.execute(select(User).where(User.email == "neu@example.com")).first() is None
    # A bad address too (a browser without its own check): all three in one answer.
    form["email"] = "keine-adresse"
    all_three = html.unescape(anon.post("/register", data=form).text)
    for field in ("nickname", "email", "password"):
        assert f'id="{field}-error"' in all_three, field
    assert re.search(r'id="nickname"[^>]*aria-invalid="true"[^>]*autofocus', all_three)
    # The API answers the first refusal as it always has.
    api = _register(anon, nickname="anna", password="passwort123")
    assert api.status_code == 409 and api.json()["error"] == "nickname_taken"


def test_full_verification_flow_over_smtp(anon, client, db, mailbox, run_jobs):
    board = make_category(db)
    assert _register(anon, email="neu@example.com").status_code == 201
    user = db.execute(select(User).where(User.email == "neu@example.com")).scalar_one()
    login(client, user)

    refused = _ask(client, board.slug)
    assert refused.status_code == 403
    assert refused.json()["error"] == "email_not_verified"

    assert mailbox.messages == []  # the mail leaves with the worker, not with the request
    run_jobs()
    [mail] = mailbox.to("neu@example.com")
    assert mail.to == "neu@example.com"
    assert "Neuling" in mail.text
    link = mail.link("/verify-email")

    verified = anon.post("/api/v1/auth/verify-email", json={"token": _token(link)})
    assert verified.status_code == 200, verified.text
    assert verified.json()["email_verified"] is True

    asked = _ask(client, board.slug)
    assert asked.status_code == 201, asked.text


def test_the_link_in_the_mail_verifies_in_the_browser(anon, client, db, mailbox, run_jobs):
    board = make_category(db)
    assert _register(anon).status_code == 201
    run_jobs()
    [mail] = mailbox.messages
    link = mail.link("/verify-email")
    assert link.startswith("http://testserver/verify-email?token=")

    page = anon.get(link)

    assert page.status_code == 200
    assert "bestätigt" in page.text
    user = db.execute(select(User).where(User.nickname == "Neuling")).scalar_one()
    login(client, user)
    assert client.get("/api/v1/me").json()["email_verified"] is True
    assert _ask(client, board.slug).status_code == 201


def test_a_verification_link_works_only_once(anon, mailbox, run_jobs):
    assert _register(anon).status_code == 201
    run_jobs()
    token = _token(mailbox.messages[0].link("/verify-email"))
    assert anon.post("/api/v1/auth/verify-email", json={"token": token}).status_code == 200

    again = anon.post("/api/v1/auth/verify-email", json={"token": token})
    assert again.status_code == 422
    assert again.json()["error"] == "invalid_token"
    assert anon.get(f"/verify-email?token={token}").status_code == 422


def test_an_expired_verification_link_is_refused(anon, db, mailbox, run_jobs):
    assert _register(anon).status_code == 201
    run_jobs()
    token = _token(mailbox.messages[0].link("/verify-email"))
    db.execute(update(EmailToken).values(expires_at=utcnow() - timedelta(minutes=1)))
    db.commit()

    response = anon.post("/api/v1/auth/verify-email", json={"token": token})

    assert response.status_code == 422
    assert response.json()["error"] == "invalid_token"
    user = db.execute(select(User).where(User.nickname == "Neuling")).scalar_one()
    db.refresh(user)
    assert user.email_verified_at is None


def test_a_made_up_verification_token_is_refused(anon):
    response = anon.post("/api/v1/auth/verify-email", json={"token": "ausgedacht"})

    assert response.status_code == 422
    assert response.json()["error"] == "invalid_token"


def test_without_smtp_the_verification_mail_goes_to_the_log(anon, db, run_jobs, caplog):
    assert _register(anon).status_code == 201

    with caplog.at_level(logging.INFO, logger="community.mail"):
        run_jobs()

    [record] = [r for r in caplog.records if r.name == "community.mail"]
    assert "http://testserver/verify-email?token=" in record.getMessage()
    token = record.getMessage().split("token=")[1].split()[0]
    assert anon.post("/api/v1/auth/verify-email", json={"token": token}).status_code == 200


def test_the_token_is_stored_only_as_a_hash(anon, db, mailbox, run_jobs):
    assert _register(anon).status_code == 201
    run_jobs()
    token = _token(mailbox.messages[0].link("/verify-email"))

    stored = db.execute(select(EmailToken.token_hash)).scalars().all()

    assert stored == [hashlib.sha256(token.encode()).hexdigest()]


def test_an_unverified_member_can_ask_for_a_new_mail(anon, client, db, mailbox, run_jobs):
    user = make_user(db, verified=False)
    login(client, user)

    response = client.post("/api/v1/auth/resend-verification")

    assert response.status_code == 202
    run_jobs()
    [mail] = mailbox.to(user.email)
    token = _token(mail.link("/verify-email"))
    assert anon.post("/api/v1/auth/verify-email", json={"token": token}).status_code == 200


def test_a_verified_member_gets_no_new_verification_mail(client, db, mailbox, run_jobs):
    login(client, make_user(db, verified=True))

    response = client.post("/api/v1/auth/resend-verification")

    assert response.status_code == 409
    run_jobs()
    assert mailbox.messages == []


def test_an_unverified_member_cannot_reply_either(client, db):
    board = make_category(db)
    author = make_user(db)
    thread = make_thread(db, author=author, category=board)
    login(client, make_user(db, verified=False))

    response = client.post(f"/api/v1/threads/{thread.id}/posts", json={"body": "Ich auch!"})

    assert response.status_code == 403
    assert response.json()["error"] == "email_not_verified"


def test_registering_in_the_browser_signs_in_and_asks_to_confirm(client, db, mailbox, run_jobs):
    client.get("/register")

    response = client.post(
        "/register",
        data={
            "csrf_token": client.cookies.get("community_csrf"),
            "email": "web@example.com",
            "nickname": "Webnutzerin",
            "password": PASSWORD,
            "company": "Geheim GmbH",
        },
        follow_redirects=False,
    )

    assert response.status_code == 303
    assert response.headers["location"] == "/welcome"
    me = client.get("/api/v1/me").json()
    assert (me["nickname"], me["company"], me["email_verified"]) == (
        "Webnutzerin",
        "Geheim GmbH",
        False,
    )
    run_jobs()
    assert len(mailbox.to("web@example.com")) == 1


def test_the_browser_form_shows_registration_problems_instead_of_failing(client, db):
    make_user(db, nickname="Anna")
    client.get("/register")

    response = client.post(
        "/register",
        data={
            "csrf_token": client.cookies.get("community_csrf"),
            "email": "web@example.com",
            "nickname": "anna",
            "password": PASSWORD,
        },
    )

    assert response.status_code == 422
    assert "schon vergeben" in response.text
    assert db.execute(select(User).where(User.email == "web@example.com")).first() is None


def test_the_confirmation_page_speaks_the_language_of_the_mail(anon, mailbox, run_jobs):
    # Registered in English, the link opened in a browser that asks for German
    assert _register(anon, locale="en").status_code == 201
    run_jobs()
    link = mailbox.messages[0].link("/verify-email")
    page = anon.get(link, headers={"Accept-Language": "de"})
    assert page.status_code == 200
    assert '<html lang="en"' in page.text and "E-mail address confirmed" in page.text


def test_a_head_on_the_link_leaves_it_for_its_owner(anon, mailbox, run_jobs):
    """Mail scanners and link checkers look with HEAD; the owner's click must still work."""
    assert _register(anon).status_code == 201
    run_jobs()
    link = mailbox.messages[0].link("/verify-email")
    assert anon.head(link).status_code == 200
    page = anon.get(link)
    assert page.status_code == 200 and "bestätigt" in page.text
