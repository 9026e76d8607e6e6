"""GET /metrics: what Prometheus scrapes, and only with the token."""

from __future__ import annotations

from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families

from community.app import create_app
from community.clock import utcnow
from community.config import get_settings
from community.events.models import Event
from community.jobs.models import Job, JobStatus
from community.webhooks.models import WebhookDelivery, WebhookEndpoint
from tests.factories import make_category, make_thread, make_user

TOKEN = "metrics-token-for-tests-0123456789"


@pytest.fixture
def scraper(engine):  # type: ignore[no-untyped-def]
    settings = get_settings().model_copy(update={"metrics_token": TOKEN})
    with TestClient(create_app(settings, engine)) as c:
        yield c


def _samples(client: TestClient) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    response = client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    assert response.status_code == 200, response.text
    out = {}
    for family in text_string_to_metric_families(response.text):
        for s in family.samples:
            out[(s.name, tuple(sorted(s.labels.items())))] = s.value
    return out


def test_metrics_are_not_there_without_a_configured_token(client) -> None:  # type: ignore[no-untyped-def]
    assert client.get("/metrics").status_code == 404


def test_metrics_need_the_bearer_token(scraper) -> None:  # type: ignore[no-untyped-def]
    assert scraper.get("/metrics").status_code == 401
    wrong = scraper.get("/metrics", headers={"Authorization": "Bearer wrong"})
    assert wrong.status_code == 401
    assert "community_http_requests_total" not in wrong.text


def test_requests_are_counted_by_route_template(scraper, db) -> None:  # type: ignore[no-untyped-def]
    member = make_user(db)
    board = make_category(db)
    thread = make_thread(db, author=member, category=board)
    # /t/{id} redirects to the address with the slug, which answers the page.
    key = (
        "community_http_requests_total",
        (("method", "GET"), ("route", "/t/{thread_id}/{slug}"), ("status", "200")),
    )
    before = _samples(scraper).get(key, 0.0)
    for _ in range(3):
        assert scraper.get(f"/t/{thread.id}").status_code == 200
    after = _samples(scraper)
    assert after[key] == before + 3
    # No series per id: the raw path never becomes a label.
    assert not [k for k in after if ("route", f"/t/{thread.id}") in k[1]]
    latency = (
        "community_http_request_duration_seconds_count",
        (("method", "GET"), ("route", "/t/{thread_id}/{slug}")),
    )
    assert after[latency] >= 3


def test_queue_depth_failures_and_oldest_age_by_job_type(scraper, db) -> None:  # type: ignore[no-untyped-def]
    hour_ago = utcnow() - timedelta(hours=1)
    db.add(
        Job(type="mail.send", payload={}, created_at=hour_ago, run_at=utcnow() + timedelta(days=1))
    )
    db.add(Job(type="mail.send", payload={}, run_at=utcnow() + timedelta(days=1)))
    db.add(Job(type="webhook.deliver", payload={}, status=JobStatus.failed.value))
    db.commit()
    samples = _samples(scraper)
    assert samples[("community_jobs_queued", (("type", "mail.send"),))] == 2
    assert samples[("community_jobs_failed", (("type", "webhook.deliver"),))] == 1
    age = samples[("community_jobs_oldest_queued_age_seconds", (("type", "mail.send"),))]
    assert 3500 < age < 3700


def test_search_latency_is_measured(scraper) -> None:  # type: ignore[no-untyped-def]
    key = ("community_search_duration_seconds_count", (("operation", "search"),))
    before = _samples(scraper).get(key, 0.0)
    assert scraper.get("/api/v1/search", params={"q": "Router"}).status_code == 200
    assert _samples(scraper)[key] == before + 1


def test_webhook_deliveries_by_outcome(scraper, db) -> None:  # type: ignore[no-untyped-def]
    event = Event(type="thread.solved", payload={})
    endpoint = WebhookEndpoint(url="https://crm.example.com/hook", event_types=[], secret="s")
    db.add(event)
    db.add(endpoint)
    db.flush()
    assert endpoint.id is not None and event.id is not None
    for status in ("delivered", "delivered", "failed", "pending"):
        db.add(
            WebhookDelivery(
                endpoint_id=endpoint.id, event_id=event.id, event_type=event.type, status=status
            )
        )
    db.commit()
    samples = _samples(scraper)
    assert samples[("community_webhook_deliveries", (("outcome", "delivered"),))] == 2
    assert samples[("community_webhook_deliveries", (("outcome", "failed"),))] == 1
    assert samples[("community_webhook_deliveries", (("outcome", "pending"),))] == 1
