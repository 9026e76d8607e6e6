"""Forum changes write events (ids and nicknames only) in the same transaction."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select
from sqlmodel import Session

from community.accounts.models import Role, User
from community.accounts.viewer import viewer_for
from community.events.models import Event
from community.forum import service as forum
from community.forum.models import Category, Post, Thread, ThreadKind
from community.jobs.models import Job
from tests.factories import make_category, make_group, make_thread, make_user, sign_in

REAL_NAME = "Ottilie Sonderbar"
COMPANY = "Sonderbar Maschinenbau AG"
EMAIL = "ottilie@sonderbar-maschinenbau.example"


@pytest.fixture
def board(db):
    return make_category(db, slug="vertraege", name="Verträge")


@pytest.fixture
def author(db):
    return make_user(
        db, nickname="Otti", real_name=REAL_NAME, company=COMPANY, email=EMAIL, staff=True
    )


def _events(db, type_):
    db.expire_all()
    return list(db.execute(select(Event).where(Event.type == type_).order_by(Event.id)).scalars())


def _count(db, model):
    return db.execute(select(func.count()).select_from(model)).scalar_one()


def test_starting_a_thread_records_thread_created_with_ids_and_nickname(db, client, board, author):
    sign_in(client, author)
    created = client.post(
        "/api/v1/threads",
        json={"category": "vertraege", "title": "Vertragslaufzeit verlängern?", "body": "Wie?"},
    ).json()
    (event,) = _events(db, "thread.created")
    assert event.payload["thread_id"] == created["thread"]["id"]
    assert event.payload["post_id"] == created["post"]["id"]
    assert event.payload["category_id"] == board.id
    assert event.payload["category_slug"] == "vertraege"
    assert event.payload["kind"] == "question"
    assert event.payload["author"] == "Otti"
    assert event.payload["url"].endswith(
        f"/t/{created['thread']['id']}/vertragslaufzeit-verlaengern"
    )


def test_replying_records_post_created_with_ids_and_nickname(db, client, board, author):
    thread = make_thread(db, author=make_user(db, nickname="Frager"), category=board)
    sign_in(client, author)
    reply = client.post(f"/api/v1/threads/{thread.id}/posts", json={"body": "So."}).json()
    (event,) = _events(db, "post.created")
    assert event.payload["post_id"] == reply["id"]
    assert event.payload["thread_id"] == thread.id
    assert event.payload["category_id"] == board.id
    assert event.payload["author"] == "Otti"
    assert event.payload["url"].endswith(f"#post-{reply['id']}")


def test_events_never_carry_real_name_company_or_email(db, client, board, author):
    sign_in(client, author)
    created = client.post(
        "/api/v1/threads",
        json={"category": "vertraege", "title": "Frage ohne Klarnamen", "body": "Text"},
    ).json()
    client.post(f"/api/v1/threads/{created['thread']['id']}/posts", json={"body": "Nachtrag"})
    payloads = json.dumps([e.payload for e in _events(db, "thread.created")])
    payloads += json.dumps([e.payload for e in _events(db, "post.created")])
    assert "Otti" in payloads
    for secret in (REAL_NAME, COMPANY, EMAIL, "Sonderbar", "sonderbar"):
        assert secret not in payloads


def test_rolled_back_thread_leaves_no_thread_no_event_and_no_job(engine, db, board, author):
    jobs_before = _count(db, Job)
    with Session(engine) as session:
        viewer = viewer_for(session, session.get(User, author.id))
        thread, _post = forum.create_thread(
            session,
            viewer,
            category_slug="vertraege",
            kind=ThreadKind.question,
            title="Diese Frage wird nie gespeichert",
            body="Gleich kommt ein Rollback.",
        )
        forum.create_reply(session, viewer, thread.id, "Auch diese Antwort nicht.")
        session.flush()
        # Inside the transaction everything exists together ...
        types = set(session.execute(select(Event.type)).scalars())
        assert {"thread.created", "post.created"} <= types
        session.rollback()
    # ... and after the rollback nothing of it does.
    assert _count(db, Thread) == 0
    assert _count(db, Post) == 0
    assert _count(db, Event) == 0
    assert _count(db, Job) == jobs_before
    db.expire_all()
    assert db.get(Category, board.id).thread_count == 0


def test_failed_request_leaves_no_event(db, client, board, author):
    sign_in(client, author)
    response = client.post(
        "/api/v1/threads",
        json={"category": "vertraege", "title": "zu kurz", "body": "Text"},
    )
    assert response.status_code == 422
    assert _events(db, "thread.created") == []


def test_event_feed_leaves_out_closed_board_events(db, client, board, author):
    insider = make_user(db, nickname="Insider")
    group = make_group(db, members=[insider])
    closed = make_category(db, slug="intern", groups=[group])
    admin = make_user(db, role=Role.admin)
    make_thread(db, author=author, category=board, title="Öffentlich gefragt, sichtbar")
    make_thread(db, author=insider, category=closed, title="Geheimes Projekt Nordlicht")

    sign_in(client, admin)
    token = client.post(
        "/api/v1/admin/tokens", json={"name": "CRM", "scopes": ["events:read"]}
    ).json()["token"]
    client.cookies.clear()
    client.headers.pop("X-CSRF-Token")
    feed = client.get(
        "/api/v1/events",
        params={"types": "thread.created"},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert feed.status_code == 200, feed.text
    titles = [e["payload"].get("title") for e in feed.json()["items"]]
    assert titles == ["Öffentlich gefragt, sichtbar"]
    assert "Nordlicht" not in feed.text
    assert feed.json()["next_after"] == _events(db, "thread.created")[-1].id
    # A misspelt type is said, not answered with an empty feed
    misspelt = client.get(
        "/api/v1/events",
        params={"types": "thread.created,thread.creatd"},
        headers={"Authorization": f"Bearer {token}", "Accept-Language": "en"},
    )
    assert misspelt.status_code == 422
    assert misspelt.json()["error"] == "unknown_type"
    assert misspelt.json()["detail"] == "Unknown event type: thread.creatd"


def test_event_feed_needs_the_events_scope(db, client, anon):
    admin = make_user(db, role=Role.admin)
    sign_in(client, admin)
    token = client.post(
        "/api/v1/admin/tokens", json={"name": "FAQ", "scopes": ["faq:read"]}
    ).json()["token"]
    wrong = anon.get("/api/v1/events", headers={"Authorization": f"Bearer {token}"})
    assert wrong.status_code == 403
    assert wrong.json()["error"] == "missing_scope"
    assert anon.get("/api/v1/events").status_code == 401
    member = make_user(db)
    sign_in(anon, member)
    assert anon.get("/api/v1/events").status_code == 403
