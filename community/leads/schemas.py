from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from community.leads.models import Lead
from community.text import CleanStr


class ConsentText(BaseModel):
    version: str
    title: str
    text: str
    fields: list[str]


class LeadConsent(BaseModel):
    agreed: bool
    text_version: CleanStr = Field(max_length=40)
    real_name: CleanStr | None = Field(default=None, max_length=200)
    company: CleanStr | None = Field(default=None, max_length=200)
    phone: CleanStr | None = Field(default=None, max_length=40)
    message: CleanStr | None = Field(default=None, max_length=4000)
    thread_id: int | None = Field(default=None, ge=1, le=2**31 - 1)


class LeadPublic(BaseModel):
    id: int
    status: str
    thread_id: int | None
    consent_text_version: str | None
    consent_given_at: datetime | None
    withdrawn_at: datetime | None
    created_at: datetime

    @classmethod
    def of(cls, lead: Lead) -> LeadPublic:
        assert lead.id is not None
        return cls(
            id=lead.id,
            status=lead.status,
            thread_id=lead.thread_id,
            consent_text_version=lead.consent_text_version,
            consent_given_at=lead.consent_given_at,
            withdrawn_at=lead.withdrawn_at,
            created_at=lead.created_at,
        )


class EscalationCreate(BaseModel):
    note: CleanStr = Field(default="", max_length=4000)


class EscalationPublic(BaseModel):
    thread_id: int
    note: str
    created_at: datetime
