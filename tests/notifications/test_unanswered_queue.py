"""The experts' queue page: every question without an answer (fresh ones too), oldest or
newest first, its age shown, those past their board's limit marked, a filter by board
that offers only boards the expert sees, and pages."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session

from community.accounts.models import Role
from community.forum.models import ThreadKind
from community.notifications import experts
from tests.factories import make_category, make_group, make_reply, make_thread, make_user, sign_in
from tests.notifications.conftest import Clock


def listed(page: str) -> list[str]:
    body = page.split("<tbody>")[1].split("</tbody>")[0] if "<tbody>" in page else ""
    return re.findall(r"<bdi>([^<]+)</bdi>", body)


def test_the_queue_lists_every_unanswered_question_and_marks_the_late_ones(
    client: TestClient, anon: TestClient, db: Session, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    router = make_category(db, slug="router", name="Router")
    mobil = make_category(db, slug="mobil", name="Mobilfunk")
    outsider_group = make_group(db, members=[make_user(db)])
    make_category(db, slug="intern", name="Intern", groups=[outsider_group])
    asker = make_user(db, nickname="Fragender")
    make_thread(db, author=asker, category=router, title="Router blinkt rot")
    answered = make_thread(db, author=asker, category=router, title="WLAN bricht ab")
    make_reply(db, author=make_user(db), thread=answered)
    make_thread(
        db, author=asker, category=router, title="Plauderei am Abend", kind=ThreadKind.discussion
    )
    clock.advance(hours=5)
    make_thread(db, author=asker, category=mobil, title="eSIM aktivieren")
    clock.advance(minutes=20)

    sign_in(client, make_user(db, role=Role.expert))
    page = client.get("/unanswered").text
    # The fresh question is there too; the oldest waits longest, so it comes first.
    assert listed(page) == ["Router blinkt rot", "eSIM aktivieren"]
    assert "2 Fragen ohne Antwort" in page
    rows = page.split("<tbody>")[1].split("</tr>")
    assert 'class="is-late"' in rows[0] and "überfällig" in rows[0]
    assert "is-late" not in rows[1] and "überfällig" not in rows[1]
    assert "vor 5 Stunden" in rows[0] and "vor 20 Minuten" in rows[1]

    assert listed(client.get("/unanswered", params={"sort": "newest"}).text) == [
        "eSIM aktivieren",
        "Router blinkt rot",
    ]
    assert listed(client.get("/unanswered", params={"board": "mobil"}).text) == ["eSIM aktivieren"]
    # Only boards the expert sees are offered; another is not found.
    assert 'value="intern"' not in page and 'value="mobil"' in page
    assert client.get("/unanswered", params={"board": "intern"}).status_code == 404

    monkeypatch.setattr(experts, "QUEUE_PER_PAGE", 1)
    second = client.get("/unanswered", params={"page": 2}).text
    assert listed(second) == ["eSIM aktivieren"]
    assert 'href="/unanswered?board=&amp;sort=oldest&amp;page=1"' in second

    # Members who are not experts, and visitors, have no queue.
    sign_in(anon, asker)
    assert anon.get("/unanswered").status_code == 403


def test_closed_boards_questions_reach_only_experts_in_the_group(
    client: TestClient, db: Session
) -> None:
    expert, insider = make_user(db, role=Role.expert), make_user(db, role=Role.expert)
    group = make_group(db, members=[insider])
    closed = make_category(db, slug="grosskunden", groups=[group])
    make_thread(db, author=insider, category=closed, title="Rahmenvertrag verlängern")
    sign_in(client, expert)
    page = client.get("/unanswered").text
    assert listed(page) == [] and "Rahmenvertrag" not in page and "0 Fragen" in page
    sign_in(client, insider)
    assert listed(client.get("/unanswered").text) == ["Rahmenvertrag verlängern"]
