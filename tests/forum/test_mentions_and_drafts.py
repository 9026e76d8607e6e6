"""@mention suggestions leak nothing of closed boards; drafts are in the export and go with
an erased account; the editor's API (drafts, preview) agrees with the pages."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlmodel import Session, col

from community.accounts.viewer import viewer_for
from community.config import get_settings
from community.forum import drafts
from community.forum.models import Draft
from community.privacy import service as privacy
from community.privacy.sections import SECTIONS
from community.ratelimit import reset_limits
from tests.factories import (
    PASSWORD,
    make_category,
    make_group,
    make_reply,
    make_thread,
    make_user,
    sign_in,
)


def _suggest(client: TestClient, q: str, thread_id: int | None = None) -> list[str]:
    params: dict[str, object] = {"q": q}
    if thread_id is not None:
        params["thread_id"] = thread_id
    response = client.get("/api/v1/mentions/suggest", params=params)
    assert response.status_code == 200, response.text
    return list(response.json()["items"])


def test_mentions_offer_only_people_the_viewer_can_see_thread_first(
    client: TestClient, make_client, db: Session
) -> None:
    outsider = make_user(db, nickname="Aussen")
    insider = make_user(db, nickname="Innen")
    secret_writer = make_user(db, nickname="Geheimrat", real_name="Gerda Geheim")
    public_writer = make_user(db, nickname="Gesprächig", email="gesa@example.com")
    in_thread = make_user(db, nickname="Gezielt")
    make_user(db, nickname="Geister")  # never wrote anything: nobody sees them anywhere
    group = make_group(db, members=[insider, secret_writer])
    closed = make_category(db, slug="grosskunden", groups=[group])
    public = make_category(db, slug="offen")
    make_thread(db, author=secret_writer, category=closed, title="Rahmenvertrag für 500 SIMs")
    make_thread(db, author=public_writer, category=public, title="Allgemeine Frage zum Tarif")
    thread = make_thread(db, author=outsider, category=public, title="Frage mit Beteiligten hier")
    make_reply(db, author=in_thread, thread=thread)

    sign_in(client, outsider)
    # Outside the group: the member who writes only in the closed board is not offered.
    assert _suggest(client, "ge") == ["Gesprächig", "Gezielt"]
    # The thread's own people come first; "@" typed along is fine; no e-mail or real name.
    response = client.get("/api/v1/mentions/suggest", params={"q": "@Ge", "thread_id": thread.id})
    assert response.json() == {"items": ["Gezielt", "Gesprächig"]}
    assert "gesa@" not in response.text and "Gerda" not in response.text
    # A thread of the closed board named from outside gives nothing of its people either.
    closed_thread = make_thread(
        db, author=secret_writer, category=closed, title="Noch ein Geheimnis"
    )
    assert "Geheimrat" not in _suggest(client, "Geh", closed_thread.id)

    member_of_group = make_client()
    sign_in(member_of_group, insider)
    assert _suggest(member_of_group, "geh") == ["Geheimrat"]
    # Signed out: nothing at all.
    assert make_client().get("/api/v1/mentions/suggest", params={"q": "ge"}).status_code == 401


def test_mention_suggestions_are_rate_limited(
    client: TestClient, db: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(get_settings(), "mention_suggest_rate", "3/minute")
    reset_limits()
    sign_in(client, make_user(db))
    for _ in range(3):
        assert client.get("/api/v1/mentions/suggest", params={"q": "abc"}).status_code == 200
    refused = client.get("/api/v1/mentions/suggest", params={"q": "abc"})
    assert refused.status_code == 429 and "Retry-After" in refused.headers
    reset_limits()


def test_drafts_through_the_api_and_the_page_are_the_same(client: TestClient, db: Session) -> None:
    member = make_user(db)
    thread = make_thread(db, author=make_user(db), category=make_category(db))
    sign_in(client, member)
    assert client.get("/api/v1/drafts/new-thread").status_code == 404
    saved = client.put(
        "/api/v1/drafts/new-thread", json={"title": "Per API begonnen", "body": "Text"}
    )
    assert saved.status_code == 200 and saved.json()["draft"]["title"] == "Per API begonnen"
    assert 'value="Per API begonnen"' in client.get("/new").text
    put = client.put(
        f"/api/v1/threads/{thread.id}/draft", json={"body": "Antwort", "seen_post_id": 0}
    )
    assert put.json()["draft"]["new_replies"] == 1  # the question counts: another's post
    emptied = client.put(f"/api/v1/threads/{thread.id}/draft", json={"body": ""})
    assert emptied.status_code == 200 and emptied.json() == {"draft": None}
    assert client.get(f"/api/v1/threads/{thread.id}/draft").status_code == 404
    preview = client.post("/api/v1/preview", json={"body": "**fett** <script>x()</script>"})
    assert preview.json()["html"].startswith("<p><strong>fett</strong>")
    assert "<script" not in preview.json()["html"]


def test_a_draft_in_a_closed_board_is_not_saved_from_outside(
    client: TestClient, db: Session
) -> None:
    author = make_user(db)
    closed = make_category(db, groups=[make_group(db, members=[author])])
    thread = make_thread(db, author=author, category=closed)
    sign_in(client, make_user(db))
    response = client.put(f"/api/v1/threads/{thread.id}/draft", json={"body": "Hallo"})
    assert response.status_code == 404
    assert db.execute(select(Draft)).first() is None


def test_drafts_are_exported_and_erased_with_the_account(db: Session) -> None:
    member = make_user(db)
    thread = make_thread(db, author=make_user(db), category=make_category(db))
    viewer = viewer_for(db, member)
    drafts.save_draft(db, viewer, body="Unveröffentlichte Gedanken", thread_id=thread.id)
    drafts.save_draft(db, viewer, body="Frage in Arbeit", title="Mein Entwurf einer Frage")
    exported = SECTIONS["drafts"](db, member)
    assert {d["body"] for d in exported} == {"Unveröffentlichte Gedanken", "Frage in Arbeit"}
    privacy.erase_own_account(db, viewer, password=PASSWORD, confirm=True, remove_posts=False)
    assert db.execute(select(Draft).where(col(Draft.user_id) == member.id)).first() is None
