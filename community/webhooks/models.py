"""Webhook endpoints, one delivery per event and endpoint, and every attempt."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, Column, Text
from sqlmodel import Field, SQLModel

from community.clock import utcnow


class DeliveryStatus(StrEnum):
    pending = "pending"
    delivered = "delivered"
    failed = "failed"
    cancelled = "cancelled"  # the endpoint was disabled before it went out


class WebhookEndpoint(SQLModel, table=True):
    __tablename__ = "webhook_endpoints"

    id: int | None = Field(default=None, primary_key=True)
    url: str = Field(max_length=2000)
    event_types: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    secret: str = Field(max_length=100)
    is_active: bool = True
    disabled_reason: str | None = Field(default=None, max_length=200)
    # Set at the first failure after a success; five days of it disables the endpoint.
    failing_since: datetime | None = None
    created_at: datetime = Field(default_factory=utcnow)


class WebhookDelivery(SQLModel, table=True):
    __tablename__ = "webhook_deliveries"

    id: int | None = Field(default=None, primary_key=True)
    endpoint_id: int = Field(foreign_key="webhook_endpoints.id", index=True, ondelete="CASCADE")
    event_id: int = Field(foreign_key="events.id", index=True)
    event_type: str = Field(max_length=60)
    status: str = Field(default=DeliveryStatus.pending.value, max_length=16)
    attempts: int = 0
    created_at: datetime = Field(default_factory=utcnow)
    last_attempt_at: datetime | None = None
    delivered_at: datetime | None = None


class WebhookAttempt(SQLModel, table=True):
    __tablename__ = "webhook_attempts"

    id: int | None = Field(default=None, primary_key=True)
    delivery_id: int = Field(foreign_key="webhook_deliveries.id", index=True, ondelete="CASCADE")
    attempted_at: datetime = Field(default_factory=utcnow)
    duration_ms: int = 0
    response_status: int | None = None
    error: str | None = Field(default=None, sa_column=Column(Text))
    succeeded: bool = False
