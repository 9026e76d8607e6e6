"""Password rules: argon2id hashes, 10 to (at least) 128 characters, no common passwords."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from community.accounts import security
from community.accounts.models import User
from tests.factories import PASSWORD, login, make_user


def _register(client, password: str, nickname: str = "Neuling"):
    return client.post(
        "/api/v1/auth/register",
        json={"email": "neu@example.com", "password": password, "nickname": nickname},
    )


@pytest.mark.usefixtures("production_password_cost")
def test_passwords_are_stored_as_argon2id_hashes(anon, db):
    assert _register(anon, PASSWORD).status_code == 201

    stored = db.execute(select(User.password_hash)).scalar_one()

    assert stored.startswith("$argon2id$")
    assert PASSWORD not in stored
    assert security.verify_password(PASSWORD, stored)


@pytest.mark.parametrize(
    "password",
    [
        "Kurz-1234",  # 9 characters
        "",
        "x" * 129,
        "passwort123",
        "Passwort123",  # case does not make a common password rare
        "1234567890",
        "qwertyuiop",
    ],
    ids=["nine-chars", "empty", "129-chars", "passwort123", "Passwort123", "digits", "keyboard"],
)
def test_short_overlong_and_common_passwords_are_refused(anon, db, password):
    response = _register(anon, password)

    assert response.status_code == 422, response.text
    assert response.json()["error"] == "weak_password"
    assert response.json()["detail"]
    assert db.execute(select(User)).first() is None


@pytest.mark.parametrize(
    "password",
    ["Tk7#pQ2!mZ", "Tk7#pQ2!mZ" + "ab" * 59],
    ids=["10-chars", "128-chars"],
)
def test_passwords_from_10_to_128_characters_are_accepted(anon, client, db, password):
    assert len(password) in (10, 128)

    response = _register(anon, password)

    assert response.status_code == 201, response.text
    user = db.execute(select(User)).scalar_one()
    login(client, user, password)


def test_the_nickname_as_password_is_refused(anon):
    response = _register(anon, "Neuling-2024", nickname="Neuling-2024")

    assert response.status_code == 422
    assert response.json()["error"] == "weak_password"


def test_a_common_password_cannot_be_set_by_a_password_change(client, db):
    user = make_user(db)
    login(client, user)

    response = client.post(
        "/api/v1/me/password", json={"current_password": PASSWORD, "new_password": "1234567890"}
    )

    assert response.status_code == 422
    assert response.json()["error"] == "weak_password"


def test_changing_the_password_ends_the_other_sessions_but_keeps_this_one(db, make_client):
    user = make_user(db)
    here, elsewhere = make_client(), make_client()
    login(here, user)
    login(elsewhere, user)

    response = here.post(
        "/api/v1/me/password",
        json={"current_password": PASSWORD, "new_password": "Frühlingswiese-am-Rhein"},
    )

    assert response.status_code == 200, response.text
    assert here.get("/api/v1/me").status_code == 200
    assert elsewhere.get("/api/v1/me").status_code == 401


def test_changing_the_password_needs_the_current_one(client, db):
    login(client, make_user(db))

    response = client.post(
        "/api/v1/me/password",
        json={
            "current_password": "falsch-falsch-falsch",
            "new_password": "Frühlingswiese-am-Rhein",
        },
    )

    assert response.status_code == 403
    assert response.json()["error"] == "wrong_password"
