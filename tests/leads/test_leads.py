"""Leads only with the customer's consent; withdrawing is as easy; escalation to support."""

from __future__ import annotations

import re
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlmodel import Session, col

from community.accounts.models import Role, User
from community.accounts.viewer import viewer_for
from community.events.models import Event
from community.jobs.worker import Worker
from community.leads.consent import CONSENT_TEXT_VERSION
from community.reputation import service as reputation
from tests.factories import (
    make_category,
    make_group,
    make_reply,
    make_thread,
    make_user,
    sign_in,
)
from tests.smtp import Mailbox


@pytest.fixture
def customer(db: Session) -> User:
    return make_user(
        db,
        nickname="Kundin",
        real_name="Klara Kunde",
        company="Kunde GmbH",
        email="klara@kunde.example",
    )


@pytest.fixture
def thread_id(db: Session, customer: User) -> int:
    thread = make_thread(
        db, author=customer, category=make_category(db), title="Angebot für 50 Plätze?"
    )
    assert thread.id is not None
    return thread.id


def events(db: Session, type_: str) -> list[dict[str, Any]]:
    db.expire_all()
    rows = db.execute(select(Event).where(col(Event.type) == type_).order_by(col(Event.id)))
    return [e.payload for e in rows.scalars()]


def consent(**extra: Any) -> dict[str, Any]:
    return {
        "agreed": True,
        "text_version": CONSENT_TEXT_VERSION,
        "real_name": "Klara Kunde",
        "company": "Kunde GmbH",
        **extra,
    }


def test_the_form_says_exactly_what_is_passed(
    client: TestClient, customer: User, thread_id: int
) -> None:
    sign_in(client, customer)
    page = client.get(f"/t/{thread_id}/contact-sales")
    assert page.status_code == 200
    for label in (
        "Spitzname",
        "Klarname",
        "Firma",
        "E-Mail-Adresse",
        "Telefon (freiwillig)",
        "Angebot für 50 Plätze?",
    ):
        assert label in page.text
    assert CONSENT_TEXT_VERSION in page.text


def test_without_agreement_no_lead_goes_out(
    client: TestClient, db: Session, customer: User, thread_id: int
) -> None:
    sign_in(client, customer)
    response = client.post("/api/v1/leads", json=consent(agreed=False, thread_id=thread_id))
    assert response.status_code == 422 and response.json()["error"] == "consent_required"
    page = client.post(
        f"/t/{thread_id}/contact-sales",
        data={"csrf_token": client.headers["X-CSRF-Token"], "text_version": CONSENT_TEXT_VERSION},
    )
    assert page.status_code == 422
    assert events(db, "lead.created") == []


def test_consent_sends_the_lead_with_what_was_agreed(
    client: TestClient, db: Session, customer: User, thread_id: int
) -> None:
    sign_in(client, customer)
    response = client.post("/api/v1/leads", json=consent(thread_id=thread_id, phone="+49 30 1234"))
    assert response.status_code == 201, response.text
    assert response.json()["consent_text_version"] == CONSENT_TEXT_VERSION
    [lead] = events(db, "lead.created")
    assert lead["nickname"] == "Kundin" and lead["real_name"] == "Klara Kunde"
    assert lead["company"] == "Kunde GmbH" and lead["email"] == "klara@kunde.example"
    assert lead["phone"] == "+49 30 1234" and lead["thread_id"] == thread_id
    assert lead["consent"]["text_version"] == CONSENT_TEXT_VERSION


def test_a_consent_given_in_english_records_the_english_text_and_thanks_in_english(
    client: TestClient, db: Session, customer: User, thread_id: int
) -> None:
    customer.locale = "en"  # the member's own setting: their pages are English
    db.add(customer)
    db.commit()
    sign_in(client, customer)
    english = {"Accept-Language": "en"}
    form = client.get(f"/t/{thread_id}/contact-sales")
    version = re.search(r'name="text_version" value="([^"]+)"', form.text).group(1)  # type: ignore[union-attr]
    assert version != CONSENT_TEXT_VERSION and ".en." in version
    assert "I would like to be contacted by sales." in form.text
    done = client.post(
        f"/t/{thread_id}/contact-sales",
        data={
            "csrf_token": client.headers["X-CSRF-Token"],
            "text_version": version,
            "agreed": "true",
        },
    )
    assert done.status_code == 200, done.text
    assert "Thank you – sales will be in touch" in done.text
    assert "Vertrieb" not in done.text
    [lead] = events(db, "lead.created")
    assert lead["consent"]["text_version"] == version
    # The API gives the text a client shows, in its language, with that version
    text = client.get("/api/v1/leads/consent-text", headers=english).json()
    assert text["version"] == version
    assert text["text"].startswith("I would like to be contacted by sales.")
    assert client.get("/api/v1/leads/consent-text").json()["version"] == CONSENT_TEXT_VERSION


def test_a_phone_number_must_be_one(
    client: TestClient, db: Session, customer: User, thread_id: int
) -> None:
    sign_in(client, customer)
    for bad in ("abc<script>", "nicht erreichbar", "12"):
        refused = client.post("/api/v1/leads", json=consent(thread_id=thread_id, phone=bad))
        assert refused.status_code == 422 and refused.json()["error"] == "invalid_phone", bad
    page = client.post(
        f"/t/{thread_id}/contact-sales",
        data={
            "csrf_token": client.headers["X-CSRF-Token"],
            "text_version": CONSENT_TEXT_VERSION,
            "agreed": "true",
            "phone": "abc",
            "message": "Bitte morgens anrufen.",
        },
    )
    assert page.status_code == 422 and "Telefonnummer aus Ziffern" in page.text
    assert "Bitte morgens anrufen." in page.text  # kept
    assert events(db, "lead.created") == []
    for good in ("+49 30 1234567", "(030) 123 45 67", "030/1234567-0", "+49 89 12345 ext. 12"):
        made = client.post("/api/v1/leads", json=consent(thread_id=thread_id, phone=good))
        assert made.status_code == 201, (good, made.text)


def test_a_changed_consent_text_must_be_read_again(
    client: TestClient, db: Session, customer: User
) -> None:
    sign_in(client, customer)
    response = client.post("/api/v1/leads", json=consent(text_version="alt"))
    assert response.status_code == 409
    assert events(db, "lead.created") == []


def test_staff_opportunity_asks_the_customer_first(
    make_client: Any,
    db: Session,
    customer: User,
    thread_id: int,
    mailbox: Mailbox,
    engine: Any,
) -> None:
    staff = make_client()
    sign_in(staff, make_user(db, role=Role.expert, staff=True))
    response = staff.post(f"/api/v1/threads/{thread_id}/sales-opportunity")
    assert response.status_code == 202
    assert events(db, "lead.created") == []  # nothing without consent
    Worker(engine).run_until_empty()
    [mail] = mailbox.to("klara@kunde.example")
    link = mail.link("/leads/")
    path = re.sub(r"^https?://[^/]+", "", link)

    browser = make_client()
    sign_in(browser, customer)
    form = browser.get(path)
    assert form.status_code == 200 and "Nein, danke" in form.text
    answer = browser.post(
        path,
        data={
            "csrf_token": browser.headers["X-CSRF-Token"],
            "text_version": CONSENT_TEXT_VERSION,
            "agreed": "true",
            "real_name": "Klara Kunde",
            "company": "Kunde GmbH",
        },
    )
    assert answer.status_code == 200, answer.text
    [lead] = events(db, "lead.created")
    assert lead["thread_id"] == thread_id
    # Answered: the link in the mail now leads to the settings, which list the consent
    again = browser.get(path, follow_redirects=False)
    assert again.status_code == 303 and again.headers["location"] == "/settings/sales-contact"


def test_declining_a_staff_request_sends_nothing(
    make_client: Any, db: Session, customer: User, thread_id: int
) -> None:
    staff = make_client()
    sign_in(staff, make_user(db, role=Role.moderator, staff=True))
    lead_id = staff.post(f"/api/v1/threads/{thread_id}/sales-opportunity").json()["id"]
    browser = make_client()
    sign_in(browser, customer)
    assert browser.post(f"/api/v1/leads/{lead_id}/decline").status_code == 200
    assert browser.post(f"/api/v1/leads/{lead_id}/consent", json=consent()).status_code == 409
    assert events(db, "lead.created") == []


def test_members_cannot_mark_opportunities_or_escalate(
    client: TestClient, db: Session, thread_id: int
) -> None:
    sign_in(client, make_user(db))
    assert client.post(f"/api/v1/threads/{thread_id}/sales-opportunity").status_code == 403
    assert client.post(f"/api/v1/threads/{thread_id}/escalation", json={}).status_code == 403


def test_withdrawing_in_the_settings_tells_the_crm_and_blanks_the_data(
    client: TestClient, anon: TestClient, db: Session, customer: User, thread_id: int
) -> None:
    sign_in(client, customer)
    lead_id = client.post("/api/v1/leads", json=consent(thread_id=thread_id)).json()["id"]
    page = client.get("/settings/sales-contact")
    assert "Einwilligung widerrufen" in page.text
    done = client.post(
        f"/settings/sales-contact/{lead_id}/withdraw",
        data={"csrf_token": client.headers["X-CSRF-Token"]},
        follow_redirects=False,
    )
    assert done.status_code == 303
    [withdrawn] = events(db, "lead.consent_withdrawn")
    assert withdrawn["lead_id"] == lead_id and withdrawn["nickname"] == "Kundin"
    [lead] = events(db, "lead.created")
    assert lead["real_name"] is None and lead["email"] is None and lead["consent_withdrawn"]
    assert "widerrufen am" in client.get("/settings/sales-contact").text


def test_the_pull_feed_shows_leads_only_with_leads_read(
    make_client: Any, anon: TestClient, db: Session, customer: User, thread_id: int
) -> None:
    browser = make_client()
    sign_in(browser, customer)
    browser.post("/api/v1/leads", json=consent(thread_id=thread_id))
    admin = make_client()
    sign_in(admin, make_user(db, role=Role.admin, staff=True))

    def feed(scopes: list[str]) -> list[str]:
        token = admin.post("/api/v1/admin/tokens", json={"name": "CRM", "scopes": scopes})
        headers = {"Authorization": f"Bearer {token.json()['token']}"}
        return [e["type"] for e in anon.get("/api/v1/events", headers=headers).json()["items"]]

    assert "lead.created" not in feed(["events:read"])
    assert "Klara Kunde" not in str(feed(["events:read"]))
    assert "lead.created" in feed(["events:read", "leads:read"])


def test_a_lead_from_a_closed_boards_thread_reaches_the_crm_without_the_thread(
    make_client: Any, anon: TestClient, db: Session, customer: User
) -> None:
    """No event carries a closed board's thread out; the lead goes all the same."""
    closed = make_category(db, slug="grosskunden", groups=[make_group(db, members=[customer])])
    thread = make_thread(db, author=customer, category=closed, title="Rahmenvertrag 500 Plätze")
    browser = make_client()
    sign_in(browser, customer)
    form = browser.get(f"/t/{thread.id}/contact-sales").text
    assert "Rahmenvertrag" not in form.split('class="passed-fields"')[1].split("</ul>")[0]
    sent = browser.post("/api/v1/leads", json=consent(thread_id=thread.id))
    assert sent.status_code == 201
    admin = make_client()
    sign_in(admin, make_user(db, role=Role.admin, staff=True))
    scopes = ["events:read", "leads:read"]
    token = admin.post("/api/v1/admin/tokens", json={"name": "CRM", "scopes": scopes})
    headers = {"Authorization": f"Bearer {token.json()['token']}"}
    items = anon.get("/api/v1/events", headers=headers).json()["items"]
    [lead] = [e["payload"] for e in items if e["type"] == "lead.created"]
    assert lead["company"] == "Kunde GmbH"
    assert lead["thread_id"] is None and lead["thread_url"] is None
    assert "rahmenvertrag" not in str(items).lower()


def test_staff_hand_an_unsolved_question_to_support(
    make_client: Any, anon: TestClient, db: Session, customer: User, thread_id: int
) -> None:
    staff = make_client()
    sign_in(staff, make_user(db, nickname="Teamleiter", role=Role.expert, staff=True))
    page = staff.get(f"/t/{thread_id}")
    assert "An den Support übergeben" in page.text  # the staff button
    response = staff.post(
        f"/t/{thread_id}/escalate",
        data={"csrf_token": staff.headers["X-CSRF-Token"], "note": "Kunde hat 50 Plätze"},
    )
    assert response.status_code == 200  # followed the redirect to the thread
    [escalated] = events(db, "thread.escalated")
    assert escalated["thread_id"] == thread_id and escalated["escalated_by"] == "Teamleiter"
    assert escalated["note"] == "Kunde hat 50 Plätze" and escalated["asker"] == "Kundin"
    assert escalated["question"] == "Wie richte ich das ein? Danke für jede Hilfe."
    assert f"/t/{thread_id}/" in escalated["url"]
    assert "An den Support übergeben" in anon.get(f"/t/{thread_id}").text
    again = staff.post(f"/api/v1/threads/{thread_id}/escalation", json={"note": ""})
    assert again.status_code == 409


def test_a_solved_question_is_not_escalated(
    client: TestClient, db: Session, customer: User, thread_id: int
) -> None:
    from community.forum.models import Thread

    thread = db.get(Thread, thread_id)
    assert thread is not None
    answer = make_reply(db, author=make_user(db), thread=thread)
    reputation.accept_solution(db, viewer_for(db, customer), thread_id, answer.id)  # type: ignore[arg-type]
    db.commit()
    sign_in(client, make_user(db, role=Role.moderator, staff=True))
    response = client.post(f"/api/v1/threads/{thread_id}/escalation", json={})
    assert response.status_code == 422 and response.json()["error"] == "not_unsolved"


def test_a_refused_consent_in_the_settings_comes_back_there_as_typed(
    client: TestClient, db: Session, customer: User
) -> None:
    sign_in(client, customer)
    page = client.post(
        "/settings/sales-contact",
        data={
            "csrf_token": client.headers["X-CSRF-Token"],
            "text_version": CONSENT_TEXT_VERSION,
            "agreed": "true",
            "phone": "abc",
            "message": "Bitte morgens.",
        },
    )
    assert page.status_code == 422
    assert "Telefonnummer aus Ziffern" in page.text
    assert "Ihre Einwilligungen" in page.text  # the settings page, with its list
    assert 'name="agreed" value="true" required checked' in page.text  # still ticked
    assert "Bitte morgens." in page.text
