"""Nicknames: the only public identity, so they must be unique regardless of case, readable,
free of look-alike tricks and of names that pretend to speak for the company."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from community.accounts.models import User
from community.config import get_settings
from tests.factories import login, make_user

GOOD_PASSWORD = "ein-sehr-sicheres-Passwort"


def _register(client, nickname, email: str = "neu@example.com"):
    return client.post(
        "/api/v1/auth/register",
        json={"email": email, "password": GOOD_PASSWORD, "nickname": nickname},
    )


def _assert_refused(response, status: int = 422) -> None:
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"error", "detail"}
    assert body["detail"]


@pytest.mark.parametrize(
    "nickname",
    ["Max", "a" * 20, "anna.maria_b-1", "Jürgen", "Ömer_1990", "Иван"],
    ids=["3-chars", "20-chars", "dot-underscore-hyphen", "umlaut", "letters-digits", "cyrillic"],
)
def test_acceptable_nicknames_register(anon, db, nickname):
    response = _register(anon, nickname)

    assert response.status_code == 201, response.text
    assert response.json()["nickname"] == nickname


@pytest.mark.parametrize(
    "nickname",
    ["ab", "a" * 21, "anna maria", "anna@home", "anna!", "<script>", "anna/b", "🙂🙂🙂"],
    ids=["2-chars", "21-chars", "space", "at-sign", "bang", "markup", "slash", "emoji"],
)
def test_nicknames_of_wrong_length_or_characters_are_refused(anon, db, nickname):
    response = _register(anon, nickname)

    _assert_refused(response)
    assert response.json()["error"] == "invalid_nickname"
    assert db.execute(select(User)).first() is None


def test_nicknames_are_unique_regardless_of_case(anon, db):
    make_user(db, nickname="Anna")

    response = _register(anon, "anna")

    _assert_refused(response, 409)
    assert response.json()["error"] == "nickname_taken"


def test_fullwidth_letters_are_normalised_before_storing(anon, db):
    response = _register(anon, "Ｍａｘ＿１")

    assert response.status_code == 201, response.text
    assert response.json()["nickname"] == "Max_1"
    stored = db.execute(select(User.nickname)).scalar_one()
    assert stored == "Max_1"


def test_a_fullwidth_copy_of_a_taken_nickname_is_refused(anon, db):
    make_user(db, nickname="Anna")

    response = _register(anon, "ａｎｎａ")

    _assert_refused(response, 409)


def test_the_length_counts_after_normalisation(anon, db):
    # U+FB00 (ﬀ) becomes "ff": two characters that read as four are accepted as four.
    response = _register(anon, "ﬀﬀ")

    assert response.status_code == 201, response.text
    assert response.json()["nickname"] == "ffff"


@pytest.mark.parametrize(
    "nickname", ["admin", "Admin", "MODERATOR", "team", "Support", "Business-Community"]
)
def test_reserved_nicknames_are_refused(anon, db, nickname):
    response = _register(anon, nickname)

    _assert_refused(response)
    assert response.json()["error"] == "invalid_nickname"


def test_the_configured_site_name_is_reserved(anon, db, monkeypatch):
    monkeypatch.setattr(get_settings(), "site_name", "Fernmelder")

    refused = _register(anon, "fernmelder")
    accepted = _register(anon, "Business-Community", email="zwei@example.com")

    _assert_refused(refused)
    assert accepted.status_code == 201, accepted.text


@pytest.mark.parametrize(
    "nickname",
    ["An\u200bna", "\u200bAnna", "Anna\u202e", "\u202enimda", "An\u2066na", "An\ufeffna"],
    ids=[
        "zero-width-space",
        "leading-zwsp",
        "rtl-override",
        "rtl-override-admin",
        "isolate",
        "bom",
    ],
)
def test_invisible_and_bidi_control_characters_are_refused(anon, db, nickname):
    response = _register(anon, nickname)

    _assert_refused(response)
    assert response.json()["error"] == "invalid_nickname"
    assert db.execute(select(User)).first() is None


@pytest.mark.parametrize(
    "payload",
    [
        {"nickname": "Anna\u0000"},
        {"nickname": "x" * 101},
        {"nickname": 12345},
        {"nickname": None},
        {"nickname": ["Anna"]},
        {},
    ],
    ids=["nul", "huge", "number", "null", "list", "missing"],
)
def test_malformed_nicknames_answer_422_never_500(anon, db, payload):
    data = {"email": "neu@example.com", "password": GOOD_PASSWORD} | payload

    response = anon.post("/api/v1/auth/register", json=data)

    _assert_refused(response)
    assert response.json()["error"] == "invalid_input"


def test_a_lone_surrogate_in_the_nickname_answers_422(anon, db):
    # Sent as the escape \ud800: valid JSON text, but not a string that can be stored.
    body = json.dumps(
        {"email": "neu@example.com", "password": GOOD_PASSWORD, "nickname": "Anna\ud800"}
    )
    assert "\\ud800" in body

    response = anon.post(
        "/api/v1/auth/register", content=body, headers={"Content-Type": "application/json"}
    )

    _assert_refused(response)


def test_a_broken_json_body_answers_422(anon, db):
    response = anon.post(
        "/api/v1/auth/register", content=b"{nickname", headers={"Content-Type": "application/json"}
    )

    _assert_refused(response)


def test_renaming_follows_the_same_rules(client, db):
    make_user(db, nickname="Anna")
    login(client, make_user(db, nickname="Bert"))

    taken = client.patch("/api/v1/me", json={"nickname": "ANNA"})
    reserved = client.patch("/api/v1/me", json={"nickname": "Support"})
    invisible = client.patch("/api/v1/me", json={"nickname": "Be\u200brt"})

    _assert_refused(taken, 409)
    _assert_refused(reserved)
    _assert_refused(invisible)
    assert client.get("/api/v1/me").json()["nickname"] == "Bert"


def test_a_member_may_change_the_case_of_their_own_nickname(client, db):
    login(client, make_user(db, nickname="bert"))

    response = client.patch("/api/v1/me", json={"nickname": "Bert"})

    assert response.status_code == 200, response.text
    assert response.json()["nickname"] == "Bert"


def test_profiles_are_found_regardless_of_case(anon, db):
    make_user(db, nickname="Anna")

    response = anon.get("/api/v1/users/ANNA")

    assert response.status_code == 200
    assert response.json()["nickname"] == "Anna"


@pytest.mark.parametrize(
    "imitation",
    ["Аdmin-Team", "Admin_Team", "Admin.Team", "AdminTeam", "Adm1n-Team", "ΑDMIN-TEAM"],
    ids=["cyrillic-a", "underscore", "dot", "no-separator", "digit-one", "greek-capitals"],
)
def test_a_look_alike_of_an_existing_nickname_is_refused(anon, db, imitation):
    make_user(db, nickname="Admin-Team", staff=True)

    response = _register(anon, imitation)

    _assert_refused(response, 409)
    assert response.json()["error"] == "nickname_taken"
    assert db.execute(select(User).where(User.nickname == imitation)).first() is None


@pytest.mark.parametrize("imitation", ["аdmin", "Adm1n", "sup.port", "Моderator"])
def test_a_look_alike_of_a_reserved_nickname_is_refused(anon, db, imitation):
    response = _register(anon, imitation)

    _assert_refused(response)
    assert response.json()["error"] == "invalid_nickname"


def test_renaming_to_a_look_alike_of_another_member_is_refused(client, db):
    make_user(db, nickname="Expertin_Anna", staff=True)
    login(client, make_user(db, nickname="Nachahmer"))

    response = client.patch("/api/v1/me", json={"nickname": "Ехрertin-Anna"})

    _assert_refused(response, 409)
    assert response.json()["error"] == "nickname_taken"
