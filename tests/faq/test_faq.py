"""FAQ entries from solved questions: drafts, curation with four eyes, following the
thread, and the export with tombstones and closed-board scopes."""

from __future__ import annotations

import base64
import csv
import io
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlmodel import Session, col

from community.accounts.models import Role, User
from community.accounts.viewer import viewer_for
from community.config import get_settings
from community.events.models import Event
from community.faq.models import FaqEntry
from community.forum import boards
from community.forum import service as forum
from community.forum.models import Category, Thread
from community.reputation import service as reputation
from tests.factories import make_category, make_group, make_reply, make_thread, make_user, sign_in


@pytest.fixture
def staff(db: Session) -> dict[str, User]:
    return {
        "expert": make_user(db, nickname="Expertin", role=Role.expert, staff=True),
        "moderator": make_user(db, nickname="Moderator", role=Role.moderator, staff=True),
        "admin": make_user(db, nickname="Admina", role=Role.admin, staff=True),
    }


def solved(
    db: Session,
    board: Category | None = None,
    asker: User | None = None,
    helper: User | None = None,
) -> Thread:
    asker = asker or make_user(db, nickname=None, real_name="Erika Geheimname")
    board = board or make_category(db, slug="router")
    thread = make_thread(
        db, author=asker, category=board, title="WLAN bricht ab", body="Seit gestern bricht es ab."
    )
    answer = make_reply(
        db, author=helper or make_user(db), thread=thread, body="Kanal 36 fest einstellen."
    )
    reputation.accept_solution(db, viewer_for(db, asker), thread.id, answer.id)  # type: ignore[arg-type]
    db.commit()
    return thread


def entry_of(db: Session, thread: Thread) -> FaqEntry:
    db.expire_all()
    return db.execute(select(FaqEntry).where(col(FaqEntry.thread_id) == thread.id)).scalar_one()


def token(client: TestClient, admin: User, scopes: list[str]) -> dict[str, str]:
    sign_in(client, admin)
    response = client.post("/api/v1/admin/tokens", json={"name": "Website", "scopes": scopes})
    assert response.status_code == 201, response.text
    return {"Authorization": f"Bearer {response.json()['token']}"}


def export(anon: TestClient, headers: dict[str, str], **params: Any) -> dict[str, Any]:
    response = anon.get("/api/v1/faq", headers=headers, params=params)
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


def publish(client: TestClient, user: User, faq_id: int) -> Any:
    sign_in(client, user)
    return client.post(f"/api/v1/faq/entries/{faq_id}/publish")


def faq_events(db: Session) -> list[dict[str, Any]]:
    rows = db.execute(
        select(Event).where(col(Event.type).startswith("faq.")).order_by(col(Event.id))
    ).scalars()
    return [{"type": e.type, **e.payload} for e in rows]


def test_a_solved_question_becomes_a_draft_not_yet_exported(
    client: TestClient, anon: TestClient, db: Session, staff: dict[str, User]
) -> None:
    thread = solved(db)
    entry = entry_of(db, thread)
    assert entry.status == "draft"
    assert entry.question_title == "WLAN bricht ab"
    assert entry.question_text == "Seit gestern bricht es ab."
    assert entry.answer_text == "Kanal 36 fest einstellen."
    assert export(anon, token(client, staff["admin"], ["faq:read"]))["items"] == []


def test_four_eyes_the_editor_cannot_publish_their_own_edit(
    make_client: Any, anon: TestClient, db: Session, staff: dict[str, User]
) -> None:
    entry = entry_of(db, solved(db))
    expert, moderator = make_client(), make_client()
    sign_in(expert, staff["expert"])
    edited = expert.patch(
        f"/api/v1/faq/entries/{entry.id}", json={"answer_text": "Kanal 36 im Router fest wählen."}
    )
    assert edited.status_code == 200, edited.text

    refused = expert.post(f"/api/v1/faq/entries/{entry.id}/publish")
    assert refused.status_code == 403 and refused.json()["error"] == "four_eyes"
    assert entry_of(db, entry_thread(db, entry)).status == "draft"

    assert publish(moderator, staff["moderator"], entry.id).status_code == 200  # type: ignore[arg-type]
    headers = token(make_client(), staff["admin"], ["faq:read"])
    [item] = export(anon, headers)["items"]
    assert item["status"] == "published"
    assert item["answer"] == "Kanal 36 im Router fest wählen."
    assert [e["type"] for e in faq_events(db)] == ["faq.published"]


def entry_thread(db: Session, entry: FaqEntry) -> Thread:
    thread = db.get(Thread, entry.thread_id)
    assert thread is not None
    return thread


def test_four_eyes_can_be_turned_off_for_small_teams(
    client: TestClient, db: Session, staff: dict[str, User], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(get_settings(), "faq_four_eyes", False)
    entry = entry_of(db, solved(db))
    sign_in(client, staff["expert"])
    client.patch(f"/api/v1/faq/entries/{entry.id}", json={"question_title": "WLAN stabil"})
    assert client.post(f"/api/v1/faq/entries/{entry.id}/publish").status_code == 200


def test_members_do_not_curate(client: TestClient, db: Session) -> None:
    entry = entry_of(db, solved(db))
    sign_in(client, make_user(db))
    assert client.post(f"/api/v1/faq/entries/{entry.id}/publish").status_code == 403
    assert client.get("/api/v1/faq/entries").status_code == 403


def test_editing_a_published_entry_keeps_the_live_copy_until_a_second_look(
    make_client: Any, anon: TestClient, db: Session, staff: dict[str, User]
) -> None:
    entry = entry_of(db, solved(db))
    publish(make_client(), staff["moderator"], entry.id)  # type: ignore[arg-type]
    expert = make_client()
    sign_in(expert, staff["expert"])
    expert.patch(f"/api/v1/faq/entries/{entry.id}", json={"answer_text": "Neu formuliert."})
    headers = token(make_client(), staff["admin"], ["faq:read"])
    assert export(anon, headers)["items"][0]["answer"] == "Kanal 36 fest einstellen."
    publish(make_client(), staff["moderator"], entry.id)  # type: ignore[arg-type]
    [item] = export(anon, headers)["items"]
    assert item["answer"] == "Neu formuliert." and item["revision"] == 2
    assert [e["type"] for e in faq_events(db)] == ["faq.published", "faq.updated"]


def test_a_changed_solution_sends_the_entry_back_to_review(
    make_client: Any, anon: TestClient, db: Session, staff: dict[str, User]
) -> None:
    thread = solved(db)
    entry = entry_of(db, thread)
    publish(make_client(), staff["moderator"], entry.id)  # type: ignore[arg-type]
    better = make_reply(db, author=staff["expert"], thread=thread, body="Firmware 7.5 löst es.")
    reputation.accept_solution(db, viewer_for(db, staff["expert"]), thread.id, better.id)  # type: ignore[arg-type]
    db.commit()

    entry = entry_of(db, thread)
    assert entry.status == "review" and entry.answer_text == "Firmware 7.5 löst es."
    [item] = export(anon, token(make_client(), staff["admin"], ["faq:read"]))["items"]
    assert item["status"] == "withdrawn" and item["reason"] == "solution_changed"
    assert faq_events(db)[-1]["type"] == "faq.withdrawn"


@pytest.mark.parametrize("how", ["unsolved", "deleted", "board_closed"])
def test_a_thread_that_no_longer_holds_withdraws_its_entry_as_a_tombstone(
    make_client: Any, anon: TestClient, db: Session, staff: dict[str, User], how: str
) -> None:
    board = make_category(db, slug="router")
    thread = solved(db, board)
    entry = entry_of(db, thread)
    publish(make_client(), staff["moderator"], entry.id)  # type: ignore[arg-type]
    headers = token(make_client(), staff["admin"], ["faq:read"])
    cursor = export(anon, headers)["next_cursor"]
    moderator = viewer_for(db, staff["moderator"])
    if how == "unsolved":
        reputation.withdraw_solution(db, moderator, thread.id)  # type: ignore[arg-type]
    elif how == "deleted":
        forum.delete_post(db, moderator, forum.opening_post(db, thread).id)  # type: ignore[arg-type]
    else:
        make_group(db, slug="grosskunden")
        boards.set_category_groups(db, viewer_for(db, staff["admin"]), board, ["grosskunden"])
    db.commit()

    later = export(anon, headers, updated_since=cursor)
    [tombstone] = later["items"]
    assert tombstone["status"] == "withdrawn" and tombstone["id"] == entry.id
    assert "answer" not in tombstone
    assert faq_events(db)[-1]["type"] == "faq.withdrawn"
    assert export(anon, headers, updated_since=later["next_cursor"])["items"] == []


def test_closed_board_entries_only_for_tokens_naming_their_group(
    make_client: Any, anon: TestClient, db: Session, staff: dict[str, User]
) -> None:
    member, helper = make_user(db), make_user(db)
    group = make_group(db, slug="partner", members=[member, helper])
    make_group(db, slug="andere")
    closed = make_category(db, slug="partnerboard", groups=[group])
    entry = entry_of(db, solved(db, closed, asker=member, helper=helper))
    publish(make_client(), staff["moderator"], entry.id)  # type: ignore[arg-type]

    public = token(make_client(), staff["admin"], ["faq:read"])
    partner = token(make_client(), staff["admin"], ["faq:read", "faq:read:group:partner"])
    other = token(make_client(), staff["admin"], ["faq:read", "faq:read:group:andere"])
    assert export(anon, public)["items"] == []
    assert export(anon, other)["items"] == []
    [item] = export(anon, partner)["items"]
    assert item["public"] is False and item["board"] == "partnerboard"
    assert anon.get("/c/partnerboard/faq").status_code == 404
    sign_in(anon, member)
    page = anon.get("/c/partnerboard/faq")
    assert "WLAN bricht ab" not in page.text  # never on the public FAQ page


def test_csv_and_json_ld_exports(
    make_client: Any, anon: TestClient, db: Session, staff: dict[str, User]
) -> None:
    entry = entry_of(db, solved(db))
    publish(make_client(), staff["moderator"], entry.id)  # type: ignore[arg-type]
    headers = token(make_client(), staff["admin"], ["faq:read"])
    response = anon.get("/api/v1/faq", headers=headers, params={"format": "csv"})
    assert response.headers["content-type"].startswith("text/csv")
    [row] = list(csv.DictReader(io.StringIO(response.text)))
    assert row["question_title"] == "WLAN bricht ab" and row["status"] == "published"
    assert row["public"] == "true"  # as JSON writes it, not Python's "True"
    response = anon.get("/api/v1/faq", headers=headers, params={"format": "jsonld"})
    data = response.json()
    assert data["@type"] == "FAQPage"
    [question] = data["mainEntity"]
    assert question["acceptedAnswer"]["text"] == "Kanal 36 fest einstellen."


def test_export_needs_the_scope_and_a_valid_cursor(
    client: TestClient, anon: TestClient, db: Session, staff: dict[str, User]
) -> None:
    assert anon.get("/api/v1/faq").status_code in (401, 403)
    headers = token(client, staff["admin"], ["events:read"])
    assert anon.get("/api/v1/faq", headers=headers).status_code == 403
    headers = token(client, staff["admin"], ["faq:read"])
    response = anon.get("/api/v1/faq", headers=headers, params={"updated_since": "kaputt"})
    assert response.status_code == 422 and response.json()["error"] == "invalid_cursor"
    # Hand-made cursors: an id beyond the column, a time without its zone (500s before)
    for made in ("2026-11-30T06:51:00+00:00|99999999999999999999", "2026-11-30T06:51:00|1"):
        cursor = base64.urlsafe_b64encode(made.encode()).decode()
        response = anon.get("/api/v1/faq", headers=headers, params={"updated_since": cursor})
        assert response.status_code == 422, made
        assert response.json()["error"] == "invalid_cursor"


def test_public_faq_page_lists_published_entries(
    make_client: Any, anon: TestClient, db: Session, staff: dict[str, User]
) -> None:
    entry = entry_of(db, solved(db))
    assert "WLAN bricht ab" not in anon.get("/c/router/faq").text  # a draft is not shown
    publish(make_client(), staff["moderator"], entry.id)  # type: ignore[arg-type]
    page = anon.get("/c/router/faq")
    assert page.status_code == 200
    assert "WLAN bricht ab" in page.text and "Kanal 36 fest einstellen." in page.text
    assert "Erika Geheimname" not in page.text
    assert '"@type": "FAQPage"' in page.text or '"@type":"FAQPage"' in page.text
