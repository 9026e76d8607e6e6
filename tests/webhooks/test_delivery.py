"""Webhook delivery end to end: a real loopback receiver verifies every request with the
standardwebhooks package; faults on the receiver's and the worker's side."""

from __future__ import annotations

import ipaddress
import re
import socket
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select, update
from sqlmodel import Session, col

from community.accounts.models import Role, User
from community.accounts.viewer import viewer_for
from community.clock import utcnow
from community.config import get_settings
from community.forum import service as forum
from community.forum.models import ThreadKind
from community.jobs import service as jobs
from community.jobs.models import Job, JobStatus
from community.jobs.worker import Worker
from community.moderation import service as moderation
from community.reputation import service as reputation
from community.webhooks.delivery import DELIVER_JOB
from community.webhooks.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint
from tests.factories import make_category, make_group, make_reply, make_thread, make_user, sign_in
from tests.smtp import Mailbox
from tests.webhooks.receiver import Receiver


def add_endpoint(client: TestClient, admin: User, url: str, types: list[str]) -> dict[str, Any]:
    sign_in(client, admin)
    response = client.post("/api/v1/admin/webhooks", json={"url": url, "event_types": types})
    assert response.status_code == 201, response.text
    return response.json()  # type: ignore[no-any-return]


def time_passes(db: Session) -> None:
    """Make every waiting job due now, as if the retry delay had passed."""
    db.execute(update(Job).where(col(Job.status) == "queued").values(run_at=utcnow()))
    db.commit()


def solve_a_question(db: Session) -> int:
    asker = make_user(db, nickname="Fragerin", real_name="Erika Geheimname")
    helper = make_user(db, nickname="Helfer")
    thread = make_thread(db, author=asker, category=make_category(db), title="VPN bricht ab")
    answer = make_reply(db, author=helper, thread=thread)
    reputation.accept_solution(db, viewer_for(db, asker), thread.id, answer.id)  # type: ignore[arg-type]
    db.commit()
    assert thread.id is not None
    return thread.id


@pytest.fixture
def admin(db: Session) -> User:
    return make_user(db, nickname="Admina", role=Role.admin, staff=True, email="admin@example.com")


def test_solved_thread_is_delivered_signed_and_logged(
    client: TestClient, db: Session, engine: Engine, admin: User, receiver: Receiver
) -> None:
    hook = add_endpoint(client, admin, receiver.url, ["thread.solved"])
    receiver.secret = hook["secret"]
    assert hook["secret"].startswith("whsec_")
    thread_id = solve_a_question(db)
    Worker(engine).run_until_empty()

    [payload] = receiver.verified()
    assert payload["type"] == "thread.solved" and payload["version"] == 1
    assert payload["data"]["thread_id"] == thread_id
    assert payload["data"]["asker"] == "Fragerin"
    assert receiver.received[0].headers["webhook-id"].startswith("msg_")
    [delivery] = client.get(f"/api/v1/admin/webhooks/{hook['id']}/deliveries").json()
    assert delivery["status"] == "delivered"
    assert delivery["log"][0]["response_status"] == 200 and delivery["log"][0]["succeeded"]


def test_receiver_errors_are_retried_with_the_same_webhook_id(
    client: TestClient, db: Session, engine: Engine, admin: User, receiver: Receiver
) -> None:
    receiver.secret = add_endpoint(client, admin, receiver.url, ["thread.created"])["secret"]
    receiver.answers = [(500, {}), (500, {})]
    make_thread(db, author=make_user(db), category=make_category(db))
    worker = Worker(engine)
    worker.run_until_empty()
    assert len(receiver.received) == 1
    job = db.execute(select(Job).where(col(Job.type) == "webhook.deliver")).scalar_one()
    db.refresh(job)
    wait = (job.run_at - utcnow()).total_seconds()
    assert job.status == "queued" and 3.5 <= wait <= 6.5  # the 5 s step, with jitter
    for _ in range(2):
        time_passes(db)
        worker.run_until_empty()

    payloads = receiver.verified()
    assert len(payloads) == 3
    assert len({r.headers["webhook-id"] for r in receiver.received}) == 1
    assert len({p["event_id"] for p in payloads}) == 1
    statuses = [a.response_status for a in db.execute(select(WebhookAttempt)).scalars()]
    assert statuses == [500, 500, 200]
    assert db.execute(select(WebhookDelivery)).scalar_one().status == "delivered"


def test_retry_after_is_honoured(
    client: TestClient, db: Session, engine: Engine, admin: User, receiver: Receiver
) -> None:
    add_endpoint(client, admin, receiver.url, ["thread.created"])
    receiver.answers = [(503, {"Retry-After": "120"})]
    make_thread(db, author=make_user(db), category=make_category(db))
    Worker(engine).run_until_empty()
    job = db.execute(select(Job).where(col(Job.type) == "webhook.deliver")).scalar_one()
    assert 110 <= (job.run_at - utcnow()).total_seconds() <= 125


def test_worker_killed_mid_delivery_is_retried_after_the_stall_timeout(
    client: TestClient, db: Session, engine: Engine, admin: User, receiver: Receiver
) -> None:
    receiver.secret = add_endpoint(client, admin, receiver.url, ["thread.created"])["secret"]
    make_thread(db, author=make_user(db), category=make_category(db))
    # A worker claims the job and dies before finishing it.
    with Session(engine) as dead:
        # (The same change also queued a search update; the dead worker held both.)
        claimed = jobs.claim(dead, "dead-worker", 10)
        [delivery] = [j for j in claimed if j.type == DELIVER_JOB]
        claimed_id = delivery.id
        dead.commit()
    assert Worker(engine).run_until_empty() == 0  # still held by the dead worker
    stall = get_settings().job_stall_seconds
    db.execute(update(Job).values(locked_at=utcnow() - timedelta(seconds=stall + 1)))
    db.commit()
    Worker(engine).run_until_empty()
    assert len(receiver.verified()) == 1
    assert db.get(Job, claimed_id).status == JobStatus.done.value  # type: ignore[union-attr]


def test_rolled_back_change_sends_nothing(
    client: TestClient, db: Session, engine: Engine, admin: User, receiver: Receiver
) -> None:
    add_endpoint(client, admin, receiver.url, ["thread.created"])
    author, board = make_user(db), make_category(db)
    with Session(engine) as session:
        forum.create_thread(
            session,
            viewer_for(session, author),
            category_slug=board.slug,
            kind=ThreadKind.question,
            title="Wird zurückgerollt",
            body="Eine Frage hier.",
        )
        session.flush()
        assert session.execute(select(WebhookDelivery)).first() is not None
        session.rollback()
    assert Worker(engine).run_until_empty() == 0
    assert receiver.received == []


def test_gone_disables_the_endpoint_and_tells_the_admins(
    client: TestClient,
    db: Session,
    engine: Engine,
    admin: User,
    receiver: Receiver,
    mailbox: Mailbox,
) -> None:
    hook = add_endpoint(client, admin, receiver.url, ["thread.created"])
    make_user(db, role=Role.admin, email="chief@example.com", locale="en")
    receiver.answers = [(410, {})]
    make_thread(db, author=make_user(db), category=make_category(db))
    Worker(engine).run_until_empty()
    endpoint = client.get(f"/api/v1/admin/webhooks/{hook['id']}").json()
    assert endpoint["active"] is False and "410" in endpoint["disabled_reason"]
    [mail] = mailbox.to("admin@example.com")
    assert receiver.url in mail.text and "Grund: Der Empfänger antwortete 410" in mail.text
    [english] = mailbox.to("chief@example.com")  # each admin in their language
    assert english.subject == "Webhook switched off" and "Reason: The receiver" in english.text
    make_thread(db, author=make_user(db), category=make_category(db))
    Worker(engine).run_until_empty()
    assert len(receiver.received) == 1  # nothing more goes to a disabled endpoint


def test_endpoint_failing_for_five_days_is_disabled(
    client: TestClient,
    db: Session,
    engine: Engine,
    admin: User,
    receiver: Receiver,
    mailbox: Mailbox,
) -> None:
    hook = add_endpoint(client, admin, receiver.url, ["thread.created"])
    db.execute(
        update(WebhookEndpoint).values(failing_since=utcnow() - timedelta(days=5, minutes=1))
    )
    db.commit()
    receiver.answers = [(500, {})]
    make_thread(db, author=make_user(db), category=make_category(db))
    Worker(engine).run_until_empty()
    assert client.get(f"/api/v1/admin/webhooks/{hook['id']}").json()["active"] is False
    assert len(mailbox.to("admin@example.com")) == 1
    assert db.execute(select(WebhookDelivery)).scalar_one().status == "failed"


def test_redirect_is_a_failure_and_not_followed(
    client: TestClient,
    db: Session,
    engine: Engine,
    admin: User,
    receiver: Receiver,
    other_receiver: Receiver,
) -> None:
    add_endpoint(client, admin, receiver.url, ["thread.created"])
    receiver.answers = [(302, {"Location": other_receiver.url})]
    make_thread(db, author=make_user(db), category=make_category(db))
    Worker(engine).run_until_empty()
    assert other_receiver.received == []
    attempt = db.execute(select(WebhookAttempt)).scalar_one()
    assert attempt.response_status == 302 and not attempt.succeeded
    assert "redirect" in (attempt.error or "")


def test_admin_redelivers_with_the_same_webhook_id(
    client: TestClient, db: Session, engine: Engine, admin: User, receiver: Receiver
) -> None:
    hook = add_endpoint(client, admin, receiver.url, ["thread.created"])
    receiver.secret = hook["secret"]
    make_thread(db, author=make_user(db), category=make_category(db))
    Worker(engine).run_until_empty()
    [delivery] = client.get(f"/api/v1/admin/webhooks/{hook['id']}/deliveries").json()
    response = client.post(f"/api/v1/admin/webhooks/deliveries/{delivery['id']}/redeliver")
    assert response.status_code == 202
    Worker(engine).run_until_empty()
    assert len(receiver.verified()) == 2
    assert receiver.received[0].headers["webhook-id"] == receiver.received[1].headers["webhook-id"]
    # The page counts every attempt, as its log lists them (a redelivery started again at 1).
    page = client.get("/admin/webhooks").text
    assert re.search(rf"<td>msg_{delivery['id']}</td>.*?<td class=\"num\">2</td>", page, re.S)


def test_closed_board_events_are_not_sent(
    client: TestClient, db: Session, engine: Engine, admin: User, receiver: Receiver
) -> None:
    add_endpoint(client, admin, receiver.url, ["thread.created"])
    member = make_user(db)
    board = make_category(db, groups=[make_group(db, members=[member])])
    make_thread(db, author=member, category=board)
    Worker(engine).run_until_empty()
    assert receiver.received == []


def test_only_admins_manage_webhooks(client: TestClient, db: Session, receiver: Receiver) -> None:
    sign_in(client, make_user(db, role=Role.moderator, staff=True))
    assert client.get("/api/v1/admin/webhooks").status_code == 403
    response = client.post(
        "/api/v1/admin/webhooks", json={"url": receiver.url, "event_types": ["thread.created"]}
    )
    assert response.status_code == 403


def test_unknown_event_type_is_refused(client: TestClient, admin: User, receiver: Receiver) -> None:
    sign_in(client, admin)
    response = client.post(
        "/api/v1/admin/webhooks", json={"url": receiver.url, "event_types": ["kudos.given"]}
    )
    assert response.status_code == 422 and response.json()["error"] == "unknown_type"


def test_one_address_takes_one_webhook(
    client: TestClient, db: Session, admin: User, receiver: Receiver
) -> None:
    """A second endpoint for the same address would get every event twice."""
    hook = add_endpoint(client, admin, receiver.url, ["thread.created"])
    again = client.post(
        "/api/v1/admin/webhooks", json={"url": receiver.url, "event_types": ["thread.solved"]}
    )
    assert again.status_code == 409 and again.json()["error"] == "webhook_exists"
    shouted = receiver.url.replace("http://127.0.0.1", "HTTP://127.0.0.1")
    assert (
        client.post(
            "/api/v1/admin/webhooks", json={"url": shouted, "event_types": ["thread.solved"]}
        ).status_code
        == 409
    )  # the same address, its scheme in capitals
    other = add_endpoint(client, admin, receiver.url + "/anderer-pfad", ["thread.solved"])
    moved = client.patch(f"/api/v1/admin/webhooks/{other['id']}", json={"url": receiver.url})
    assert moved.status_code == 409
    # Its own address again is no conflict.
    same = client.patch(f"/api/v1/admin/webhooks/{hook['id']}", json={"url": receiver.url})
    assert same.status_code == 200

    # On the page: the refusal beside the form, what was typed kept.
    page = client.get("/admin/webhooks")
    token = client.cookies["community_csrf"]
    refused = client.post(
        "/admin/webhooks",
        data={"csrf_token": token, "url": receiver.url, "event_types": ["lead.created"]},
    )
    assert refused.status_code == 422  # the form's answer to a refused input
    assert "Für diese Adresse gibt es schon einen Webhook" in refused.text
    assert f'value="{receiver.url}"' in refused.text
    assert page.text.count('class="webhook-url"') == refused.text.count('class="webhook-url"') == 2


def test_a_misspelt_field_is_refused_not_ignored(
    client: TestClient, admin: User, receiver: Receiver
) -> None:
    """A typo ("event_type") answered 200 and changed nothing; the admin API's settings
    bodies refuse fields they do not know."""
    hook = add_endpoint(client, admin, receiver.url, ["thread.created"])
    typo = client.patch(
        f"/api/v1/admin/webhooks/{hook['id']}", json={"event_type": ["lead.created"]}
    )
    assert typo.status_code == 422 and typo.json()["detail"][0]["type"] == "extra_forbidden"
    token = client.post("/api/v1/admin/tokens", json={"name": "CRM", "scope": ["faq:read"]})
    assert token.status_code == 422
    assert client.get(f"/api/v1/admin/webhooks/{hook['id']}").json()["event_types"] == [
        "thread.created"
    ]


# ---- production mode: https only, public addresses only --------------------------------------


@pytest.fixture
def production(monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """Production settings and a DNS whose answers the test chooses."""
    monkeypatch.setattr(get_settings(), "environment", "production")
    monkeypatch.setattr(get_settings(), "webhooks_allow_private", False)
    answers = {"hooks.example.com": "93.184.216.34"}
    real = socket.getaddrinfo

    def fake_getaddrinfo(host: str, port: Any, *args: Any, **kwargs: Any) -> Any:
        if host in answers:
            ip = answers[host]
            family = socket.AF_INET6 if ":" in ip else socket.AF_INET
            return [(family, socket.SOCK_STREAM, 6, "", (ip, port))]
        return real(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", fake_getaddrinfo)
    return answers


# IPv6 forms that carry a private IPv4 address: IPv4-compatible, NAT64, 6to4, mapped, Teredo.
EMBEDDED_IPV4 = [
    "::127.0.0.1",
    "64:ff9b::7f00:1",
    "64:ff9b:1::a00:5",
    "2002:7f00:1::",
    "2002:a9fe:a9fe::1",
    "::ffff:10.0.0.5",
    "2001:0:4136:e378:8000:63bf:80ff:fffe",
]


@pytest.mark.parametrize(
    "address", ["169.254.169.254", "::1", "10.0.0.5", "127.0.0.1", *EMBEDDED_IPV4]
)
def test_internal_addresses_are_refused_when_saved(
    client: TestClient, admin: User, production: dict[str, str], address: str
) -> None:
    production["hooks.example.com"] = address
    sign_in(client, admin)
    response = client.post(
        "/api/v1/admin/webhooks",
        json={"url": "https://hooks.example.com/in", "event_types": ["thread.created"]},
    )
    assert response.status_code == 422 and response.json()["error"] == "unsafe_url"
    literal = f"https://[{address}]/in" if ":" in address else f"https://{address}/in"
    response = client.post(
        "/api/v1/admin/webhooks", json={"url": literal, "event_types": ["thread.created"]}
    )
    assert response.status_code == 422


def test_plain_http_is_refused_in_production(
    client: TestClient, admin: User, production: dict[str, str]
) -> None:
    sign_in(client, admin)
    response = client.post(
        "/api/v1/admin/webhooks",
        json={"url": "http://hooks.example.com/in", "event_types": ["thread.created"]},
    )
    assert response.status_code == 422 and "https" in response.json()["detail"]


@pytest.mark.parametrize("address", ["169.254.169.254", "::1", *EMBEDDED_IPV4])
def test_name_that_later_resolves_inside_is_refused_at_send_time(
    client: TestClient,
    db: Session,
    engine: Engine,
    admin: User,
    production: dict[str, str],
    address: str,
) -> None:
    add_endpoint(client, admin, "https://hooks.example.com/in", ["thread.created"])
    production["hooks.example.com"] = address  # DNS rebinding after the check at save time
    make_thread(db, author=make_user(db), category=make_category(db))
    Worker(engine).run_until_empty()
    attempt = db.execute(select(WebhookAttempt)).scalar_one()
    assert attempt.response_status is None and not attempt.succeeded
    shown = str(ipaddress.ip_address(address))  # the address as the error writes it
    assert (attempt.error or "").startswith("refused") and shown in (attempt.error or "")


def test_a_thread_moved_into_a_closed_board_takes_its_events_along(
    client: TestClient,
    anon: TestClient,
    db: Session,
    engine: Engine,
    admin: User,
    receiver: Receiver,
) -> None:
    types = ["thread.created", "thread.solved", "faq.published", "faq.withdrawn"]
    receiver.secret = add_endpoint(client, admin, receiver.url, types)["secret"]
    tokens = client.post(
        "/api/v1/admin/tokens", json={"name": "CRM", "scopes": ["events:read", "faq:read"]}
    )
    bearer = {"Authorization": f"Bearer {tokens.json()['token']}"}
    thread_id = solve_a_question(db)
    [entry] = client.get("/api/v1/faq/entries").json()
    assert client.post(f"/api/v1/faq/entries/{entry['id']}/publish").status_code == 200
    Worker(engine).run_until_empty()
    sent_before = len(receiver.received)
    # Queued but not yet delivered when its thread moves.
    queued = make_thread(db, author=make_user(db), category=make_category(db, slug="spaet"))
    closed = make_category(db, slug="geheim-intern", name="Geheim", groups=[make_group(db)])

    moderator = viewer_for(db, admin)
    moderation.move_thread(db, moderator, thread_id, closed.slug)
    moderation.move_thread(db, moderator, queued.id, closed.slug)  # type: ignore[arg-type]
    db.commit()
    Worker(engine).run_until_empty()

    # The webhook: only a tombstone after the move, naming neither board nor title.
    after = receiver.verified()[sent_before:]
    assert [p["type"] for p in after] == ["faq.withdrawn"]
    tombstone = after[0]["data"]
    assert tombstone["thread_id"] == thread_id and tombstone["reason"] == "board_closed"
    assert "geheim" not in str(tombstone) and "VPN" not in str(tombstone)
    # The pull feed: the thread's earlier events follow it into the closed board.
    feed = anon.get("/api/v1/events", headers=bearer).json()
    mine = [e for e in feed["items"] if e["payload"].get("thread_id") == thread_id]
    assert [e["type"] for e in mine] == ["faq.withdrawn"]
    assert not [e for e in feed["items"] if e["payload"].get("thread_id") == queued.id]
    assert "VPN bricht ab" not in str(feed) and "geheim" not in str(feed)
    # The FAQ export's tombstone names no closed board either.
    [item] = anon.get("/api/v1/faq", headers=bearer).json()["items"]
    assert item["status"] == "withdrawn" and item["board"] == ""
    assert "vpn" not in item["url"]
