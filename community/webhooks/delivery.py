"""Sending one delivery: signed as Standard Webhooks, to the address that was checked."""

from __future__ import annotations

import functools
import json
import logging
import random
import ssl
import time
from dataclasses import dataclass
from datetime import UTC, timedelta
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from sqlalchemy import select
from sqlmodel import Session, col
from standardwebhooks import Webhook

from community import i18n
from community.accounts.models import Role, User
from community.clock import utcnow
from community.config import get_settings
from community.events.catalog import CATALOG
from community.events.models import Event
from community.events.service import withheld_ids
from community.i18n import N_
from community.jobs.service import RetryLater, enqueue, handler
from community.mailer import OutgoingMail, send_mail
from community.webhooks.addresses import UnsafeUrl, resolve_checked
from community.webhooks.models import (
    DeliveryStatus,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEndpoint,
)
from community.webhooks.service import DELIVER_JOB

log = logging.getLogger(__name__)

# Seconds to wait before attempt n+1 (index n = attempts made so far): the first attempt
# goes out at once, then 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h.
SCHEDULE = (0, 5, 300, 1800, 7200, 18000, 36000, 36000)
RETRY_AFTER_MAX = 24 * 3600
MAIL_DISABLED_JOB = "mail.webhook_disabled"


def retry_delay(attempts_made: int) -> float:
    """±20 % jitter, so endpoints that failed together do not retry in lockstep."""
    return SCHEDULE[attempts_made] * random.uniform(0.8, 1.2)


def envelope(event: Event) -> str:
    body = {
        "type": event.type,
        "version": CATALOG[event.type]["version"],
        "event_id": event.id,
        "timestamp": event.occurred_at.replace(tzinfo=UTC).isoformat().replace("+00:00", "Z"),
        "data": event.payload,
    }
    return json.dumps(body, ensure_ascii=False, separators=(",", ":"))


def message_id(delivery: WebhookDelivery) -> str:
    return f"msg_{delivery.id}"


@dataclass
class Outcome:
    status: int | None = None
    error: str | None = None
    retry_after: float | None = None
    duration_ms: int = 0

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


def _retry_after(value: str | None) -> float | None:
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, (when - utcnow().replace(tzinfo=UTC)).total_seconds())


def _pinned(url: str, ip: str) -> tuple[str, str, str]:
    """The URL with its host replaced by the checked address, so DNS cannot change the
    target between the check and the connection; the Host header and TLS name stay."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    literal = f"[{ip}]" if ":" in ip else ip
    netloc = literal + (f":{parts.port}" if parts.port else "")
    host_header = parts.netloc.rsplit("@", 1)[-1]
    return urlunsplit((parts.scheme, netloc, parts.path or "/", parts.query, "")), host_header, host


@functools.cache
def _tls_context() -> ssl.SSLContext:
    import httpx

    # Building the CA store takes tens of milliseconds; one context serves every delivery
    # (a client, and so its connection pool, is still made per delivery: see _pinned).
    return httpx.create_ssl_context()


def send(url: str, secret: str, msg_id: str, body: str) -> Outcome:
    # httpx (with the rich and pygments of its command line, ~10 MiB) is imported by the
    # worker's first delivery, not by every app process that imports the handlers.
    import httpx

    started = time.monotonic()
    outcome = Outcome()
    try:
        ip = resolve_checked(url)
        target, host_header, sni = _pinned(url, ip)
        now = utcnow()
        headers = {
            "content-type": "application/json",
            "user-agent": "community-webhooks/1",
            "host": host_header,
            "webhook-id": msg_id,
            "webhook-timestamp": str(int(now.replace(tzinfo=UTC).timestamp())),
            "webhook-signature": Webhook(secret).sign(msg_id, now, body),
        }
        extensions = {"sni_hostname": sni} if url.startswith("https") else {}
        with httpx.Client(
            timeout=get_settings().webhooks_timeout_seconds,
            follow_redirects=False,
            trust_env=False,
            verify=_tls_context(),
        ) as client:
            response = client.post(
                target, content=body.encode(), headers=headers, extensions=extensions
            )
        outcome.status = response.status_code
        if not outcome.ok:
            outcome.error = f"HTTP {response.status_code}"
            if 300 <= response.status_code < 400:
                outcome.error += " (redirects are not followed)"
            outcome.retry_after = _retry_after(response.headers.get("retry-after"))
    except UnsafeUrl as exc:
        outcome.error = f"refused: {exc.message}"
    except httpx.HTTPError as exc:
        outcome.error = f"{type(exc).__name__}: {exc}"[:1000]
    outcome.duration_ms = int((time.monotonic() - started) * 1000)
    return outcome


def _disable(session: Session, endpoint: WebhookEndpoint, reason: str) -> None:
    endpoint.is_active = False
    endpoint.disabled_reason = reason
    session.add(endpoint)
    enqueue(session, MAIL_DISABLED_JOB, {"endpoint_id": endpoint.id})
    # What was still waiting for this endpoint will not go out.
    for other in session.execute(
        select(WebhookDelivery).where(
            col(WebhookDelivery.endpoint_id) == endpoint.id,
            col(WebhookDelivery.status) == DeliveryStatus.pending.value,
        )
    ).scalars():
        other.status = DeliveryStatus.cancelled.value


@handler(DELIVER_JOB)
def deliver(session: Session, payload: dict[str, Any]) -> None:
    delivery = session.get(WebhookDelivery, payload["delivery_id"])
    if delivery is None or delivery.status != DeliveryStatus.pending.value:
        return
    endpoint = session.get(WebhookEndpoint, delivery.endpoint_id)
    event = session.get(Event, delivery.event_id)
    if endpoint is None or event is None or not endpoint.is_active:
        delivery.status = DeliveryStatus.cancelled.value
        return
    if withheld_ids(session, [event]):
        # Its thread moved into a closed board after the event was queued.
        delivery.status = DeliveryStatus.cancelled.value
        return
    outcome = send(endpoint.url, endpoint.secret, message_id(delivery), envelope(event))
    now = utcnow()
    assert delivery.id is not None
    session.add(
        WebhookAttempt(
            delivery_id=delivery.id,
            attempted_at=now,
            duration_ms=outcome.duration_ms,
            response_status=outcome.status,
            error=outcome.error,
            succeeded=outcome.ok,
        )
    )
    delivery.attempts += 1
    delivery.last_attempt_at = now
    if outcome.ok:
        delivery.status = DeliveryStatus.delivered.value
        delivery.delivered_at = now
        endpoint.failing_since = None
        return
    if outcome.status == 410:
        delivery.status = DeliveryStatus.failed.value
        _disable(session, endpoint, N_("Der Empfänger antwortete 410 Gone."))
        return
    days = get_settings().webhooks_disable_after_days
    if endpoint.failing_since is None:
        endpoint.failing_since = now
    elif now - endpoint.failing_since >= timedelta(days=days):
        delivery.status = DeliveryStatus.failed.value
        # A msgid (no number in it), so the page and the mail say it in each admin's language.
        _disable(session, endpoint, N_("Tagelang keine erfolgreiche Zustellung."))
        return
    if delivery.attempts >= len(SCHEDULE):
        delivery.status = DeliveryStatus.failed.value
        return
    delay = retry_delay(delivery.attempts)
    if outcome.retry_after is not None:
        delay = max(delay, min(outcome.retry_after, RETRY_AFTER_MAX))
    raise RetryLater(delay, outcome.error or "failed")


@handler(MAIL_DISABLED_JOB)
def mail_admins(session: Session, payload: dict[str, Any]) -> None:
    endpoint = session.get(WebhookEndpoint, payload["endpoint_id"])
    if endpoint is None:
        return
    admins = session.execute(
        select(User).where(col(User.role) == Role.admin.value, col(User.is_active).is_(True))
    ).scalars()
    link = f"{get_settings().public_url.rstrip('/')}/admin/webhooks"
    for admin in admins:
        _ = i18n.translator(i18n.locale_of(admin))
        reason = _(endpoint.disabled_reason or "")
        send_mail(
            OutgoingMail(
                to=admin.email,
                subject=_(N_("Webhook abgeschaltet")),
                text=_(DISABLED_MAIL) % {"url": endpoint.url, "reason": reason, "link": link},
            )
        )


DISABLED_MAIL = N_(
    "Der Webhook an %(url)s wurde abgeschaltet.\n\nGrund: %(reason)s\n\nNach der Prüfung "
    "des Empfängers können Sie ihn hier wieder einschalten:\n%(link)s"
)
