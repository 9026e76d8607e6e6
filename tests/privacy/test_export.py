"""A member downloads everything the forum holds about them, and no one else can."""

from __future__ import annotations

import json

from fastapi.testclient import TestClient
from sqlmodel import Session

from tests.factories import make_user, sign_in
from tests.privacy.conftest import COMPANY, EMAIL, NICKNAME, REAL_NAME, World


def _download(client: TestClient, path: str = "/api/v1/me/export") -> dict:  # type: ignore[type-arg]
    response = client.get(path)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/json")
    disposition = response.headers["content-disposition"]
    assert disposition.startswith("attachment;") and ".json" in disposition
    return response.json()


def test_the_export_holds_profile_posts_versions_kudos_reports_and_consents(
    world: World,
) -> None:
    data = _download(world.browsers[NICKNAME])
    profile = data["profile"]
    assert (profile["nickname"], profile["email"]) == (NICKNAME, EMAIL)
    assert (profile["real_name"], profile["company"]) == (REAL_NAME, COMPANY)
    assert profile["settings"] == {"language": "de"}

    posts = {p["id"]: p for p in data["posts"]}
    reply = posts[world.member_reply.id]
    assert reply["body"] == f"Bei mir half das Profil G.711.\n\nGruß, {REAL_NAME} ({EMAIL})"
    assert [v["body"] for v in reply["earlier_versions"]] == ["Bei mir half ein T.38-Profil."]
    # Their own thread in a closed board is theirs.
    titles = {p["thread_title"] for p in data["posts"]}
    assert {
        "Rahmenvertrag Standortvernetzung",
        "Warteschleifenmusik ändern",
        "Rufumleitung im Portal einrichten",
    } <= titles

    assert [k["post_id"] for k in data["kudos_given"]] == [world.helper_answer.id]
    assert [k["post_id"] for k in data["kudos_received"]] == [world.member_reply.id]
    assert [r["comment"] for r in data["reports_filed"]] == ["Gehört in einen anderen Bereich."]
    [consent] = data["consents"]
    assert consent["status"] == "consented"
    assert consent["passed_to_sales"]["real_name"] == REAL_NAME
    assert consent["passed_to_sales"]["phone"] == "+49 171 5550"
    assert [g["slug"] for g in data["groups"]] == ["grosskunde"]
    [signed_in] = data["sessions"]
    assert set(signed_in) == {"created_at", "last_seen_at", "expires_at"}
    assert [(r["old_rank"], r["new_rank"]) for r in data["rank_history"]] == [
        ("newcomer", "member")
    ]


def test_the_export_holds_no_credentials_and_no_one_elses_identity(world: World) -> None:
    text = json.dumps(_download(world.browsers[NICKNAME]))
    for secret in ("token_hash", "password", "$argon2"):
        assert secret not in text
    # Who thanked or reported whom is the other person's data.
    assert "Helferlein" not in text


def test_only_the_member_downloads_their_export(
    world: World, db: Session, anon: TestClient, make_client
) -> None:  # type: ignore[no-untyped-def]
    assert anon.get("/api/v1/me/export").status_code == 401
    # An integration token acts for no person: nothing to export.
    assert anon.get("/api/v1/me/export", headers=world.tokens["feed"]).status_code == 401
    other = make_user(db, nickname="Nachbarin")
    browser = make_client()
    sign_in(browser, other)
    text = json.dumps(_download(browser))
    assert REAL_NAME not in text and EMAIL not in text and NICKNAME not in text
    # Even an admin gets their own data here, not someone else's.
    admin_export = json.dumps(_download(world.browsers["Admina"]))
    assert REAL_NAME not in admin_export


def test_the_settings_page_offers_the_download(world: World, anon: TestClient) -> None:
    me = world.browsers[NICKNAME]
    page = me.get("/settings")
    assert 'action="/settings/export"' in page.text
    data = _download(me, "/settings/export")
    assert data["profile"]["real_name"] == REAL_NAME
    response = anon.get("/settings/export", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"].startswith("/login")


def test_the_export_holds_the_members_notices_and_what_they_watch(world: World) -> None:
    data = _download(world.browsers[NICKNAME])
    types = {n["type"] for n in data["notifications"]}
    # The helper answered the member's question and thanked their reply.
    assert {"reply", "kudos"} <= types
    watched = {w["thread_id"] for w in data["notification_preferences"]["watched_threads"]}
    assert {world.answered.id, world.helpers_thread.id} <= watched
    assert data["notification_preferences"]["settings"]["reply"] in {"email", "in_app", "off"}


def test_the_file_is_named_in_the_members_language(db, client) -> None:  # type: ignore[no-untyped-def]
    sign_in(client, make_user(db, locale="en"))
    disposition = client.get("/api/v1/me/export").headers["content-disposition"]
    assert 'filename="community-data-' in disposition
