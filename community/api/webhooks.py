"""/api/v1/admin/webhooks: webhook endpoints, their deliveries and redelivery. Admins only."""

from __future__ import annotations

from fastapi import APIRouter, status

from community.deps import IdPath, SessionDep, ViewerDep
from community.events.catalog import WEBHOOK_TYPES
from community.forum import permissions as perms
from community.webhooks import service as webhooks
from community.webhooks.schemas import (
    WebhookDeliveryPublic,
    WebhookEndpointCreate,
    WebhookEndpointPublic,
    WebhookEndpointUpdate,
)

router = APIRouter(prefix="/admin/webhooks", tags=["admin", "webhooks"])


@router.get("/event-types")
def event_types(viewer: ViewerDep) -> list[str]:
    perms.require_admin(viewer)
    return list(WEBHOOK_TYPES)


@router.get("")
def list_endpoints(session: SessionDep, viewer: ViewerDep) -> list[WebhookEndpointPublic]:
    return [WebhookEndpointPublic.of(e) for e in webhooks.list_endpoints(session, viewer)]


@router.post("", status_code=status.HTTP_201_CREATED)
def create_endpoint(
    data: WebhookEndpointCreate, session: SessionDep, viewer: ViewerDep
) -> WebhookEndpointPublic:
    """409 `webhook_exists` when another endpoint has this address (it would get every
    event twice): choose more event types on that one."""
    endpoint = webhooks.create_endpoint(
        session, viewer, url=data.url, event_types=data.event_types, active=data.active
    )
    return WebhookEndpointPublic.of(endpoint)


@router.get("/{endpoint_id}")
def get_endpoint(
    endpoint_id: IdPath, session: SessionDep, viewer: ViewerDep
) -> WebhookEndpointPublic:
    return WebhookEndpointPublic.of(webhooks.get_endpoint(session, viewer, endpoint_id))


@router.patch("/{endpoint_id}")
def update_endpoint(
    endpoint_id: IdPath, data: WebhookEndpointUpdate, session: SessionDep, viewer: ViewerDep
) -> WebhookEndpointPublic:
    """409 `webhook_exists` when the new address is another endpoint's."""
    endpoint = webhooks.update_endpoint(
        session,
        viewer,
        endpoint_id,
        url=data.url,
        event_types=data.event_types,
        active=data.active,
        rotate_secret=data.rotate_secret,
    )
    return WebhookEndpointPublic.of(endpoint)


@router.delete("/{endpoint_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_endpoint(endpoint_id: IdPath, session: SessionDep, viewer: ViewerDep) -> None:
    webhooks.delete_endpoint(session, viewer, endpoint_id)


@router.get("/{endpoint_id}/deliveries")
def list_deliveries(
    endpoint_id: IdPath, session: SessionDep, viewer: ViewerDep
) -> list[WebhookDeliveryPublic]:
    return [
        WebhookDeliveryPublic.of(d, a)
        for d, a in webhooks.list_deliveries(session, viewer, endpoint_id)
    ]


@router.post("/deliveries/{delivery_id}/redeliver", status_code=status.HTTP_202_ACCEPTED)
def redeliver(delivery_id: IdPath, session: SessionDep, viewer: ViewerDep) -> WebhookDeliveryPublic:
    return WebhookDeliveryPublic.of(webhooks.redeliver(session, viewer, delivery_id), [])
