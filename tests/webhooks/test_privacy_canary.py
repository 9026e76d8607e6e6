"""Privacy canary: a customer's real name, company, e-mail and phone travel through every
event, webhook and export of a busy day — and appear only in the lead.created the customer
agreed to. Every event recorded on the way validates against its documented schema."""

from __future__ import annotations

import csv
import io
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import Engine, select
from sqlmodel import Session, col

from community.accounts.models import Role
from community.events.catalog import WEBHOOK_TYPES
from community.events.models import Event
from community.faq.models import FaqEntry
from community.jobs.worker import Worker
from community.leads.consent import CONSENT_TEXT_VERSION
from tests.events.test_catalog import validate_all
from tests.factories import make_category, make_thread, make_user, sign_in
from tests.webhooks.receiver import Receiver

CANARIES = ("Klara Kanarienvogel", "Kanarienvogel AG", "kanarien@vogel.example", "+49 171 5550")


def leaks(text: str) -> list[str]:
    return [c for c in CANARIES if c.lower() in text.lower()]


def test_personal_data_appears_only_in_the_consented_lead(
    make_client: Any,
    anon: TestClient,
    db: Session,
    engine: Engine,
    receiver: Receiver,
) -> None:
    board = make_category(db, slug="telefonie")
    canary = make_user(
        db,
        nickname="Kanarie",
        real_name="Klara Kanarienvogel",
        company="Kanarienvogel AG",
        email="kanarien@vogel.example",
    )
    helper = make_user(db, nickname="Helferlein")
    expert = make_user(db, nickname="Expertin", role=Role.expert, staff=True)
    moderator = make_user(db, nickname="Moderator", role=Role.moderator, staff=True)
    admin = make_user(db, nickname="Admina", role=Role.admin, staff=True)
    browsers = {u.nickname: make_client() for u in (canary, helper, expert, moderator, admin)}
    for user in (canary, helper, expert, moderator, admin):
        sign_in(browsers[user.nickname], user)
    hook = browsers["Admina"].post(
        "/api/v1/admin/webhooks", json={"url": receiver.url, "event_types": list(WEBHOOK_TYPES)}
    )
    receiver.secret = hook.json()["secret"]
    tokens = {}
    for name, scopes in (("faq", ["faq:read"]), ("feed", ["events:read"])):
        created = browsers["Admina"].post(
            "/api/v1/admin/tokens", json={"name": name, "scopes": scopes}
        )
        tokens[name] = {"Authorization": f"Bearer {created.json()['token']}"}

    # A solved question becomes a published (and re-published) FAQ entry.
    question = make_thread(db, author=canary, category=board, title="Rufumleitung einrichten")
    reply = browsers["Helferlein"].post(
        f"/api/v1/threads/{question.id}/posts", json={"body": "Im Portal unter Telefonie."}
    )
    assert reply.status_code == 201, reply.text
    solved = browsers["Kanarie"].put(
        f"/api/v1/threads/{question.id}/solution", json={"post_id": reply.json()["id"]}
    )
    assert solved.status_code == 200, solved.text
    db.expire_all()
    entry_id = db.execute(select(FaqEntry.id)).scalar_one()  # type: ignore[call-overload]
    browsers["Expertin"].patch(
        f"/api/v1/faq/entries/{entry_id}", json={"question_title": "Rufumleitung im Portal"}
    )
    assert browsers["Moderator"].post(f"/api/v1/faq/entries/{entry_id}/publish").is_success
    browsers["Moderator"].patch(
        f"/api/v1/faq/entries/{entry_id}", json={"answer_text": "Portal › Telefonie."}
    )
    assert browsers["Expertin"].post(f"/api/v1/faq/entries/{entry_id}/publish").is_success

    # Support hand-over, a sales opportunity without consent, then a consented lead.
    unsolved = make_thread(db, author=canary, category=board, title="Anlage fällt aus")
    assert (
        browsers["Expertin"]
        .post(f"/api/v1/threads/{unsolved.id}/escalation", json={"note": "dringend"})
        .is_success
    )
    assert browsers["Expertin"].post(f"/api/v1/threads/{unsolved.id}/sales-opportunity").is_success
    Worker(engine).run_until_empty()
    assert not any(leaks(r.body.decode()) for r in receiver.received)
    lead = browsers["Kanarie"].post(
        "/api/v1/leads",
        json={
            "agreed": True,
            "text_version": CONSENT_TEXT_VERSION,
            "real_name": "Klara Kanarienvogel",
            "company": "Kanarienvogel AG",
            "phone": "+49 171 5550",
            "thread_id": unsolved.id,
        },
    )
    assert lead.status_code == 201, lead.text
    Worker(engine).run_until_empty()

    # An idea the customer proposes, a vote, and staff's status with a note.
    ideas_board = make_category(db, slug="ideen")
    ideas_board.default_kind = "idea"
    db.add(ideas_board)
    db.commit()
    idea = make_thread(db, author=canary, category=ideas_board, title="Rufumleitung per App")
    assert browsers["Helferlein"].post(f"/api/v1/ideas/{idea.id}/vote").is_success
    status = browsers["Moderator"].put(
        f"/api/v1/ideas/{idea.id}/status", json={"status": "planned", "note": "Kommt bald."}
    )
    assert status.status_code == 200, status.text

    # Withdrawals: the lead's consent, the FAQ entry (solution withdrawn).
    assert browsers["Kanarie"].post(f"/api/v1/leads/{lead.json()['id']}/withdraw").is_success
    assert browsers["Kanarie"].delete(f"/api/v1/threads/{question.id}/solution").is_success
    Worker(engine).run_until_empty()

    # Webhooks: every one verifies; only the consented lead.created carries the canary.
    payloads = receiver.verified()
    types = [p["type"] for p in payloads]
    for expected in (
        "thread.created",
        "thread.solved",
        "thread.unsolved",
        "faq.published",
        "faq.updated",
        "faq.withdrawn",
        "thread.escalated",
        "lead.created",
        "lead.consent_withdrawn",
        "idea.status_changed",
    ):
        assert expected in types, f"no {expected} webhook"
    carrying = [
        p["type"]
        for p, r in zip(payloads, receiver.received, strict=True)
        if leaks(r.body.decode())
    ]
    assert carrying == ["lead.created"]
    assert set(
        leaks(next(r.body.decode() for r in receiver.received if b'"lead.created"' in r.body))
    ) == set(CANARIES)

    # The event log: schemas hold, and after the withdrawal no payload names the customer.
    validate_all(db)
    for event in db.execute(select(Event).order_by(col(Event.id))).scalars():
        assert not leaks(str(event.payload)), event.type

    # Exports, the feed and the pages.
    surfaces = [
        anon.get("/api/v1/events", headers=tokens["feed"]).text,
        anon.get("/c/telefonie/faq").text,
        anon.get(f"/t/{question.id}").text,
        anon.get(f"/t/{unsolved.id}").text,
        anon.get("/ideas/ideen").text,
        anon.get(f"/api/v1/ideas/{idea.id}").text,
    ]
    for fmt in ("json", "csv", "jsonld"):
        response = anon.get("/api/v1/faq", headers=tokens["faq"], params={"format": fmt})
        assert response.status_code == 200
        surfaces.append(response.text)
    assert list(csv.DictReader(io.StringIO(surfaces[-2])))  # the CSV has the tombstone row
    for text in surfaces:
        assert not leaks(text)
