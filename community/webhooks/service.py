"""Managing webhook endpoints (admins) and fanning events out to them."""

from __future__ import annotations

import base64
import secrets
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from sqlalchemy import select
from sqlmodel import Session, col

from community.accounts.viewer import Viewer
from community.errors import Conflict, InvalidInput, NotFound
from community.events.catalog import WEBHOOK_TYPES
from community.events.models import Event
from community.events.service import refuse_unknown_types, withheld_ids
from community.forum import permissions as perms
from community.i18n import N_
from community.jobs.service import enqueue
from community.moderation import audit
from community.webhooks.addresses import check_url_shape, resolve_checked
from community.webhooks.models import (
    DeliveryStatus,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEndpoint,
)

DELIVER_JOB = "webhook.deliver"
# Eight attempts plus a few for workers that died mid-delivery (see delivery.SCHEDULE).
DELIVER_JOB_MAX_ATTEMPTS = 12


def new_secret() -> str:
    """whsec_ + base64 of 32 random bytes, the form Standard Webhooks libraries read."""
    return "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()


def _check_types(types: list[str]) -> list[str]:
    refuse_unknown_types(types, WEBHOOK_TYPES)
    if not types:
        raise InvalidInput("Bitte mindestens einen Ereignistyp wählen.", code="no_types")
    return sorted(set(types))


def _check_url(session: Session, url: str, *, except_id: int | None = None) -> str:
    url = url.strip()
    if len(url) > 2000:
        raise InvalidInput("Die Adresse ist zu lang.", code="unsafe_url")
    check_url_shape(url)
    # A second endpoint for one address would get every event twice, each signed with
    # another secret; the receiver wants more types on the one it has.
    others = select(col(WebhookEndpoint.id), col(WebhookEndpoint.url))
    wanted = _same_address(url)
    if any(
        endpoint_id != except_id and _same_address(other) == wanted
        for endpoint_id, other in session.execute(others).all()
    ):
        raise Conflict(
            N_("Für diese Adresse gibt es schon einen Webhook; wählen Sie dort die Ereignisse."),
            code="webhook_exists",
        )
    resolve_checked(url)
    return url


def _same_address(url: str) -> str:
    """The address as a receiver sees it: scheme and host are not case-sensitive."""
    parts = urlsplit(url)
    return urlunsplit((parts.scheme.lower(), parts.netloc.lower(), parts.path, parts.query, ""))


def _audit_state(endpoint: WebhookEndpoint) -> dict[str, Any]:
    # Never the signing secret, and no query string (receivers put tokens there).
    parts = urlsplit(endpoint.url)
    return {
        "url": urlunsplit((parts.scheme, parts.netloc, parts.path, "", "")),
        "event_types": list(endpoint.event_types),
        "active": endpoint.is_active,
    }


def list_endpoints(session: Session, viewer: Viewer) -> list[WebhookEndpoint]:
    perms.require_admin(viewer)
    return list(
        session.execute(select(WebhookEndpoint).order_by(col(WebhookEndpoint.id))).scalars()
    )


def get_endpoint(session: Session, viewer: Viewer, endpoint_id: int) -> WebhookEndpoint:
    perms.require_admin(viewer)
    endpoint = session.get(WebhookEndpoint, endpoint_id)
    if endpoint is None:
        raise NotFound("Diesen Webhook gibt es nicht.")
    return endpoint


def create_endpoint(
    session: Session, viewer: Viewer, *, url: str, event_types: list[str], active: bool = True
) -> WebhookEndpoint:
    perms.require_admin(viewer)
    endpoint = WebhookEndpoint(
        url=_check_url(session, url),
        event_types=_check_types(event_types),
        secret=new_secret(),
        is_active=active,
    )
    session.add(endpoint)
    session.flush()
    audit.record(
        session, viewer, "webhook.create", "webhook", endpoint.id, after=_audit_state(endpoint)
    )
    return endpoint


def update_endpoint(
    session: Session,
    viewer: Viewer,
    endpoint_id: int,
    *,
    url: str | None = None,
    event_types: list[str] | None = None,
    active: bool | None = None,
    rotate_secret: bool = False,
) -> WebhookEndpoint:
    endpoint = get_endpoint(session, viewer, endpoint_id)
    before = _audit_state(endpoint)
    if url is not None:
        endpoint.url = _check_url(session, url, except_id=endpoint.id)
    if event_types is not None:
        endpoint.event_types = _check_types(event_types)
    if active is not None:
        endpoint.is_active = active
        if active:
            endpoint.disabled_reason = None
            endpoint.failing_since = None
    if rotate_secret:
        endpoint.secret = new_secret()
    session.add(endpoint)
    session.flush()
    after = _audit_state(endpoint)
    if rotate_secret:
        after["secret_rotated"] = True
    if after != before:
        audit.record(
            session, viewer, "webhook.update", "webhook", endpoint.id, before=before, after=after
        )
    return endpoint


def delete_endpoint(session: Session, viewer: Viewer, endpoint_id: int) -> None:
    endpoint = get_endpoint(session, viewer, endpoint_id)
    audit.record(
        session, viewer, "webhook.delete", "webhook", endpoint.id, before=_audit_state(endpoint)
    )
    session.delete(endpoint)
    session.flush()


def list_deliveries(
    session: Session, viewer: Viewer, endpoint_id: int, limit: int = 50
) -> list[tuple[WebhookDelivery, list[WebhookAttempt]]]:
    get_endpoint(session, viewer, endpoint_id)
    deliveries = list(
        session.execute(
            select(WebhookDelivery)
            .where(col(WebhookDelivery.endpoint_id) == endpoint_id)
            .order_by(col(WebhookDelivery.id).desc())
            .limit(limit)
        ).scalars()
    )
    attempts: dict[int, list[WebhookAttempt]] = {d.id: [] for d in deliveries if d.id}
    if attempts:
        for a in session.execute(
            select(WebhookAttempt)
            .where(col(WebhookAttempt.delivery_id).in_(list(attempts)))
            .order_by(col(WebhookAttempt.id))
        ).scalars():
            attempts[a.delivery_id].append(a)
    return [(d, attempts.get(d.id or 0, [])) for d in deliveries]


def redeliver(session: Session, viewer: Viewer, delivery_id: int) -> WebhookDelivery:
    """Send one delivery again, with the same webhook-id so the receiver can de-duplicate."""
    perms.require_admin(viewer)
    delivery = session.get(WebhookDelivery, delivery_id)
    if delivery is None:
        raise NotFound("Diese Zustellung gibt es nicht.")
    delivery.status = DeliveryStatus.pending.value
    delivery.attempts = 0
    session.add(delivery)
    session.flush()
    enqueue(
        session, DELIVER_JOB, {"delivery_id": delivery.id}, max_attempts=DELIVER_JOB_MAX_ATTEMPTS
    )
    audit.record(
        session,
        viewer,
        "webhook.redeliver",
        "delivery",
        delivery.id,
        after={"endpoint_id": delivery.endpoint_id},
    )
    return delivery


def fan_out(session: Session, event: Event) -> int:
    """One delivery and one job per active endpoint that wants the event, in the caller's
    transaction: a rolled-back change sends nothing."""
    if event.type not in WEBHOOK_TYPES:
        return 0
    endpoints = [
        e
        for e in session.execute(
            select(WebhookEndpoint).where(col(WebhookEndpoint.is_active).is_(True))
        ).scalars()
        if event.type in e.event_types
    ]
    # A closed board's content never leaves for the CRM (like the pull feed); a closed
    # FAQ entry goes only to the export for tokens of its groups.
    if not endpoints:
        return 0
    session.flush()
    if withheld_ids(session, [event]):
        return 0
    assert event.id is not None
    for endpoint in endpoints:
        assert endpoint.id is not None
        delivery = WebhookDelivery(
            endpoint_id=endpoint.id, event_id=event.id, event_type=event.type
        )
        session.add(delivery)
        session.flush()
        enqueue(
            session,
            DELIVER_JOB,
            {"delivery_id": delivery.id},
            max_attempts=DELIVER_JOB_MAX_ATTEMPTS,
        )
    return len(endpoints)
