"""The privacy canary: a member with a distinctive real name, company and e-mail writes a
thread and replies; then every GET route of the API and every page is fetched as
different people. The canary may appear only where the rules allow it: to the member
themself and to staff, on the private account endpoints."""

from __future__ import annotations

import itertools
import json
import re
from dataclasses import dataclass, field

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from community.accounts.models import Role, User
from community.events.models import Event
from community.jobs.models import Job
from tests.factories import PASSWORD, make_category, make_group, make_thread, make_user, sign_in

REAL_NAME = "Canaria Zwitscherling"
COMPANY = "Kanarienvogel GmbH"
EMAIL = "canaria.zwitscherling@kanarienvogel.example"
NICKNAME = "Piepmatz"
# Parts as well as the whole, in any case: a leak may be shortened or re-cased.
CANARY = re.compile("canaria|zwitscherling|kanarienvogel", re.IGNORECASE)

# (viewer, path) pairs where the private fields are meant to be shown.
ALLOWED = {
    ("self", "/api/v1/me"),
    ("self", "/api/v1/me/export"),  # the member's own data export
    ("self", f"/api/v1/users/{NICKNAME}/private"),
    ("moderator", f"/api/v1/users/{NICKNAME}/private"),
    ("admin", f"/api/v1/users/{NICKNAME}/private"),
}


@dataclass
class Scene:
    browsers: dict[str, TestClient]
    path_values: dict[str, list[str]]
    thread_ids: list[int]
    bearer: str
    seen: dict[tuple[str, str], str] = field(default_factory=dict)


def _register_canary(anon: TestClient, db) -> User:
    response = anon.post(
        "/api/v1/auth/register",
        json={
            "email": EMAIL,
            "password": PASSWORD,
            "nickname": NICKNAME,
            "real_name": REAL_NAME,
            "company": COMPANY,
        },
    )
    assert response.status_code == 201, response.text
    assert response.json()["real_name"] == REAL_NAME  # the member sees their own data
    user = db.execute(select(User).where(User.nickname == NICKNAME)).scalar_one()
    (mail,) = db.execute(
        select(Job).where(Job.payload["user_id"].as_integer() == user.id)
    ).scalars()
    verified = anon.post("/api/v1/auth/verify-email", json={"token": mail.payload["token"]})
    assert verified.status_code == 200, verified.text
    return user


@pytest.fixture
def scene(db, app, anon, make_client) -> Scene:
    make_category(db, slug="allgemein", name="Allgemein")
    canary = _register_canary(anon, db)
    make_group(db, slug="kunden-gruppe", members=[canary])
    member = make_user(db, nickname="Nachbarin")
    moderator = make_user(db, nickname="Aufpasser", role=Role.moderator, staff=True)
    admin = make_user(db, nickname="Verwaltung", role=Role.admin, staff=True)
    other_thread = make_thread(
        db, author=member, category=make_category(db, slug="festnetz"), title="Telefonanlage"
    )

    me = make_client()
    sign_in(me, canary)
    created = me.post(
        "/api/v1/threads",
        json={
            "category": "allgemein",
            "title": "Rechnung als PDF bekommen?",
            "body": "Wo finde ich die Rechnung?",
        },
    )
    assert created.status_code == 201, created.text
    thread_id = created.json()["thread"]["id"]
    opening_id = created.json()["post"]["id"]
    reply = me.post(f"/api/v1/threads/{other_thread.id}/posts", json={"body": "Bei mir auch."})
    assert reply.status_code == 201, reply.text
    edited = me.patch(f"/api/v1/posts/{reply.json()['id']}", json={"body": "Bei mir ebenso."})
    assert edited.status_code == 200

    others = {"member": member, "moderator": moderator, "admin": admin}
    browsers = {"anonymous": make_client(), "self": me}
    for name, user in others.items():
        browsers[name] = make_client()
        sign_in(browsers[name], user)
    browsers["member"].post(f"/api/v1/threads/{thread_id}/posts", json={"body": "Im Portal."})

    # An ideas board: the canary proposes, a member votes, staff set a status.
    ideas_board = make_category(db, slug="ideen", name="Ideen")
    ideas_board.default_kind = "idea"
    db.add(ideas_board)
    db.commit()
    idea = me.post(
        "/api/v1/threads",
        json={"category": "ideen", "title": "Rechnungen als CSV", "body": "Für die Buchhaltung."},
    )
    assert idea.status_code == 201, idea.text
    idea_id = idea.json()["thread"]["id"]
    assert browsers["member"].post(f"/api/v1/ideas/{idea_id}/vote").is_success
    assert (
        browsers["moderator"]
        .put(f"/api/v1/ideas/{idea_id}/status", json={"status": "review", "note": "Wir prüfen."})
        .is_success
    )

    token = browsers["admin"].post(
        "/api/v1/admin/tokens", json={"name": "CRM", "scopes": ["events:read", "faq:read"]}
    )
    assert token.status_code == 201, token.text
    assert other_thread.id is not None
    return Scene(
        browsers=browsers,
        path_values={
            "slug": ["allgemein", "kunden-gruppe", "ideen"],
            "thread_id": [str(thread_id), str(other_thread.id), str(idea_id)],
            "idea_id": [str(idea_id)],
            "post_id": [str(opening_id), str(reply.json()["id"])],
            "nickname": [NICKNAME],
        },
        thread_ids=[thread_id, other_thread.id, idea_id],
        bearer=token.json()["token"],
    )


def _api_get_urls(app, scene: Scene) -> list[str]:
    urls = []
    for path, operations in app.openapi()["paths"].items():
        if "get" not in operations:
            continue
        names = re.findall(r"\{(\w+)\}", path)
        choices = [scene.path_values.get(name, ["1"]) for name in names]
        for combination in itertools.product(*choices):
            url = path
            for name, value in zip(names, combination, strict=True):
                url = url.replace("{" + name + "}", value)
            urls.append(url)
    return urls


def _web_urls(scene: Scene) -> list[str]:
    urls = ["/", "/c/allgemein", "/c/festnetz", f"/u/{NICKNAME}", "/ideas/ideen"]
    urls += [f"/t/{thread_id}" for thread_id in scene.thread_ids]
    return urls


def _fetch_everything(app, scene: Scene) -> None:
    api_urls = _api_get_urls(app, scene)
    for viewer, browser in scene.browsers.items():
        for url in api_urls + _web_urls(scene):
            response = browser.get(url)
            assert response.status_code < 500, (viewer, url)
            scene.seen[(viewer, url)] = f"{response.headers}\n{response.text}"
    bearer = {"Authorization": f"Bearer {scene.bearer}"}
    with TestClient(app) as integration:
        for url in api_urls:
            response = integration.get(url, headers=bearer)
            assert response.status_code < 500, ("token", url)
            scene.seen[("token", url)] = f"{response.headers}\n{response.text}"


def test_real_name_company_and_email_appear_only_to_the_member_and_staff(db, app, scene):
    _fetch_everything(app, scene)
    leaks = sorted(key for key, text in scene.seen.items() if CANARY.search(text))
    assert leaks == sorted(ALLOWED)


def test_the_canary_check_sees_what_it_looks_at(db, app, scene):
    """Guards the test above: the fetched pages really hold the member's posts."""
    _fetch_everything(app, scene)
    thread_id = scene.thread_ids[0]
    for viewer in ("anonymous", "member", "self", "moderator", "admin"):
        assert NICKNAME in scene.seen[(viewer, f"/api/v1/threads/{thread_id}/posts")]
        assert NICKNAME in scene.seen[(viewer, f"/t/{thread_id}")]
        assert "Rechnung als PDF" in scene.seen[(viewer, "/")]
    events = scene.seen[("token", "/api/v1/events")]
    assert NICKNAME in events
    assert '"thread.created"' in events
    assert '"post.created"' in events
    assert REAL_NAME in scene.seen[("self", "/api/v1/me")]
    assert COMPANY in scene.seen[("moderator", f"/api/v1/users/{NICKNAME}/private")]


def test_private_endpoint_is_refused_to_other_members_and_visitors(db, app, scene):
    private = f"/api/v1/users/{NICKNAME}/private"
    assert scene.browsers["member"].get(private).status_code == 403
    assert scene.browsers["anonymous"].get(private).status_code == 401
    assert scene.browsers["anonymous"].get("/api/v1/me").status_code == 401


def test_public_profile_shows_only_the_nickname(db, app, scene):
    profile = scene.browsers["member"].get(f"/api/v1/users/{NICKNAME}").json()
    assert set(profile) == {
        "nickname",
        "role",
        "is_staff",
        "created_at",
        "thread_count",
        "post_count",
        "rank",
        "points",
        "solutions",
        "kudos_received",
        "kudos_given",
    }
    assert profile["nickname"] == NICKNAME
    assert (profile["thread_count"], profile["post_count"]) == (2, 3)  # the question and the idea


def test_no_job_or_event_payload_carries_the_canary(db, scene):
    db.expire_all()
    jobs = list(db.execute(select(Job)).scalars())
    events = list(db.execute(select(Event)).scalars())
    assert jobs, "registration queued a verification mail"
    assert {e.type for e in events} >= {"thread.created", "post.created"}
    for row in jobs + events:
        assert not CANARY.search(json.dumps(row.payload)), (row.type, row.payload)


def test_nickname_change_does_not_expose_the_real_name_elsewhere(db, app, scene):
    me = scene.browsers["self"]
    renamed = me.patch("/api/v1/me", json={"nickname": "Zeisig"})
    assert renamed.status_code == 200, renamed.text
    thread_id = scene.thread_ids[0]
    posts = scene.browsers["anonymous"].get(f"/api/v1/threads/{thread_id}/posts")
    assert posts.json()["items"][0]["author"]["nickname"] == "Zeisig"
    assert not CANARY.search(posts.text)
    assert not CANARY.search(scene.browsers["anonymous"].get(f"/t/{thread_id}").text)
