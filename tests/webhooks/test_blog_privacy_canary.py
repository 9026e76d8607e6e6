"""Privacy canary for the blog: a staff author's real name, company and e-mail travel
through writing, review, publication, correction and withdrawal of an article — and leave
nothing but the nickname and, per the staff-display setting, "Klara K." on any page, feed,
API answer, event or webhook. Every event recorded on the way validates against its schema."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import Engine, select
from sqlmodel import Session, col

from community.accounts.models import Role
from community.events.catalog import WEBHOOK_TYPES
from community.events.models import Event
from community.jobs.worker import Worker
from tests.events.test_catalog import validate_all
from tests.factories import make_category, make_user, sign_in
from tests.webhooks.receiver import Receiver

CANARIES = ("Kanarienvogel", "Kanarienvogel AG", "kanarien@vogel.example")


def leaks(text: str) -> list[str]:
    return [c for c in CANARIES if c.lower() in text.lower()]


def test_an_articles_author_shows_by_nickname_or_first_name_and_initial_only(
    make_client: Any, anon: TestClient, db: Session, engine: Engine, receiver: Receiver
) -> None:
    make_category(db, slug="tarife")
    author = make_user(
        db,
        nickname="Kanarie",
        staff=True,
        role=Role.expert,
        real_name="Klara Kanarienvogel",
        company="Kanarienvogel AG",
        email="kanarien@vogel.example",
    )
    admin = make_user(db, nickname="Admina", role=Role.admin, staff=True)
    writer, checker = make_client(), make_client()
    sign_in(writer, author)
    sign_in(checker, admin)
    hook = checker.post(
        "/api/v1/admin/webhooks", json={"url": receiver.url, "event_types": list(WEBHOOK_TYPES)}
    )
    receiver.secret = hook.json()["secret"]
    token = checker.post("/api/v1/admin/tokens", json={"name": "feed", "scopes": ["events:read"]})
    feed_token = {"Authorization": f"Bearer {token.json()['token']}"}

    body = {"title": "Neue Tarife", "teaser": "Kurz", "body": "Text", "category_slug": "tarife"}
    article_id = writer.post("/api/v1/articles", json=body).json()["id"]
    writer.post(f"/api/v1/articles/{article_id}/review")
    assert checker.post(f"/api/v1/articles/{article_id}/publish", json={}).is_success
    assert writer.patch(f"/api/v1/articles/{article_id}", json={"teaser": "Kürzer"}).is_success
    assert checker.post(f"/api/v1/articles/{article_id}/revision/approve").is_success
    Worker(engine).run_until_empty()

    article = anon.get(f"/api/v1/articles/{article_id}").json()
    assert article["author"] == "Kanarie" and article["author_name"] == "Klara K."
    path = f"/blog/{article_id}/{article['slug']}"
    surfaces = {
        url: anon.get(url).text
        for url in ("/", "/blog", path, "/blog/feed.atom", "/sitemap.xml", "/api/v1/articles")
    }
    assert "Klara K." in surfaces[path]
    surfaces["events"] = anon.get("/api/v1/events", headers=feed_token).text
    assert checker.post(f"/api/v1/articles/{article_id}/withdraw", json={}).is_success
    Worker(engine).run_until_empty()

    types = [p["type"] for p in receiver.verified()]
    assert {"article.published", "article.updated", "article.withdrawn"} <= set(types)
    for received in receiver.received:
        assert not leaks(received.body.decode())
    assert {"article.published", "article.updated", "article.withdrawn"} <= validate_all(db)
    for event in db.execute(select(Event).order_by(col(Event.id))).scalars():
        assert not leaks(str(event.payload)), event.type
    for url, text in surfaces.items():
        assert not leaks(text), url
