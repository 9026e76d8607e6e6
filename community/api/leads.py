"""/api/v1/leads: contact by sales with consent; staff mark opportunities and escalate."""

from __future__ import annotations

from fastapi import APIRouter, Request, status

from community import i18n
from community.deps import IdPath, SessionDep, ViewerDep
from community.leads import service as leads
from community.leads.consent import (
    CONSENT_TEXT,
    CONSENT_TITLE,
    PASSED_FIELDS,
    consent_text_version,
)
from community.leads.schemas import (
    ConsentText,
    EscalationCreate,
    EscalationPublic,
    LeadConsent,
    LeadPublic,
)

router = APIRouter(tags=["leads"])


@router.get("/leads/consent-text", name="lead_consent_text")
def consent_text(request: Request) -> ConsentText:
    """In the language of Accept-Language, with the version of the text in that language:
    a client shows this text and sends this version with the consent."""
    locale = i18n.api_locale(request)
    return ConsentText(
        version=consent_text_version(locale),
        title=i18n.translate(CONSENT_TITLE, locale),
        text=i18n.translate(CONSENT_TEXT, locale),
        fields=[i18n.translate(label, locale) for _key, label in PASSED_FIELDS],
    )


@router.post("/leads", status_code=status.HTTP_201_CREATED)
def request_contact(data: LeadConsent, session: SessionDep, viewer: ViewerDep) -> LeadPublic:
    lead = leads.give_consent(session, viewer, **data.model_dump())
    return LeadPublic.of(lead)


@router.get("/me/leads")
def my_leads(session: SessionDep, viewer: ViewerDep) -> list[LeadPublic]:
    return [LeadPublic.of(lead) for lead in leads.my_leads(session, viewer)]


@router.post("/leads/{lead_id}/consent")
def consent_to_request(
    lead_id: IdPath, data: LeadConsent, session: SessionDep, viewer: ViewerDep
) -> LeadPublic:
    fields = data.model_dump(exclude={"thread_id"})
    return LeadPublic.of(leads.give_consent(session, viewer, lead_id=lead_id, **fields))


@router.post("/leads/{lead_id}/decline", name="decline_lead")
def decline(lead_id: IdPath, session: SessionDep, viewer: ViewerDep) -> LeadPublic:
    return LeadPublic.of(leads.decline(session, viewer, lead_id))


@router.post("/leads/{lead_id}/withdraw", name="withdraw_lead_consent")
def withdraw(lead_id: IdPath, session: SessionDep, viewer: ViewerDep) -> LeadPublic:
    return LeadPublic.of(leads.withdraw(session, viewer, lead_id))


@router.post("/threads/{thread_id}/sales-opportunity", status_code=status.HTTP_202_ACCEPTED)
def mark_opportunity(thread_id: IdPath, session: SessionDep, viewer: ViewerDep) -> LeadPublic:
    return LeadPublic.of(leads.mark_opportunity(session, viewer, thread_id))


@router.post("/threads/{thread_id}/escalation", status_code=status.HTTP_201_CREATED)
def escalate(
    thread_id: IdPath, data: EscalationCreate, session: SessionDep, viewer: ViewerDep
) -> EscalationPublic:
    escalation = leads.escalate(session, viewer, thread_id, data.note)
    return EscalationPublic(
        thread_id=escalation.thread_id, note=escalation.note, created_at=escalation.created_at
    )
