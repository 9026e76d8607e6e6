from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, Field

from community.text import CleanStr, SettingsBody
from community.webhooks.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint


class WebhookEndpointCreate(SettingsBody):
    url: CleanStr = Field(min_length=1, max_length=2000)
    event_types: list[Annotated[CleanStr, Field(max_length=60)]] = Field(
        min_length=1, max_length=50
    )
    active: bool = True


class WebhookEndpointUpdate(SettingsBody):
    url: CleanStr | None = Field(default=None, min_length=1, max_length=2000)
    event_types: list[Annotated[CleanStr, Field(max_length=60)]] | None = Field(
        default=None, min_length=1, max_length=50
    )
    active: bool | None = None
    rotate_secret: bool = False


class WebhookEndpointPublic(BaseModel):
    id: int
    url: str
    event_types: list[str]
    active: bool
    disabled_reason: str | None
    failing_since: datetime | None
    created_at: datetime
    secret: str

    @classmethod
    def of(cls, e: WebhookEndpoint) -> WebhookEndpointPublic:
        assert e.id is not None
        return cls(
            id=e.id,
            url=e.url,
            event_types=e.event_types,
            active=e.is_active,
            disabled_reason=e.disabled_reason,
            failing_since=e.failing_since,
            created_at=e.created_at,
            secret=e.secret,
        )


class WebhookAttemptPublic(BaseModel):
    attempted_at: datetime
    duration_ms: int
    response_status: int | None
    error: str | None
    succeeded: bool


class WebhookDeliveryPublic(BaseModel):
    id: int
    webhook_id: str
    event_id: int
    event_type: str
    status: str
    attempts: int
    created_at: datetime
    delivered_at: datetime | None
    log: list[WebhookAttemptPublic]

    @classmethod
    def of(cls, d: WebhookDelivery, attempts: list[WebhookAttempt]) -> WebhookDeliveryPublic:
        assert d.id is not None
        return cls(
            id=d.id,
            webhook_id=f"msg_{d.id}",
            event_id=d.event_id,
            event_type=d.event_type,
            status=d.status,
            attempts=d.attempts,
            created_at=d.created_at,
            delivered_at=d.delivered_at,
            log=[
                WebhookAttemptPublic(
                    attempted_at=a.attempted_at,
                    duration_ms=a.duration_ms,
                    response_status=a.response_status,
                    error=a.error,
                    succeeded=a.succeeded,
                )
                for a in attempts
            ],
        )
