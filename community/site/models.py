"""Settings an admin changes at run time (e.g. the rank ladder), stored as JSON by key."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, String
from sqlmodel import Field, SQLModel

from community.clock import utcnow


class SiteSetting(SQLModel, table=True):
    __tablename__ = "site_settings"

    key: str = Field(sa_column=Column(String(60), primary_key=True))
    value: Any = Field(sa_column=Column(JSON, nullable=False))
    updated_at: datetime = Field(default_factory=utcnow)
