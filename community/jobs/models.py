"""The jobs table: a transactional outbox for side effects (mail, webhooks, index updates)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, CheckConstraint, Column, Index, Text
from sqlmodel import Field, SQLModel

from community.clock import utcnow


class JobStatus(StrEnum):
    queued = "queued"
    running = "running"
    done = "done"
    failed = "failed"


class Job(SQLModel, table=True):
    __tablename__ = "jobs"
    __table_args__ = (
        CheckConstraint("status IN ('queued', 'running', 'done', 'failed')", name="status"),
        Index("ix_jobs_status_run_at", "status", "run_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    type: str = Field(max_length=60, index=True)
    payload: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    status: str = Field(default=JobStatus.queued.value, max_length=16)
    run_at: datetime = Field(default_factory=utcnow)
    attempts: int = 0
    max_attempts: int = 8
    last_error: str | None = Field(default=None, sa_column=Column(Text))
    locked_by: str | None = Field(default=None, max_length=100)
    locked_at: datetime | None = None
    created_at: datetime = Field(default_factory=utcnow)
    # The X-Request-ID of the request that enqueued the job, so its log lines can be joined.
    request_id: str | None = Field(default=None, max_length=64)
    finished_at: datetime | None = None
