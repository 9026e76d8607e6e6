"""Leads (only with consent) and escalations to support."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import bindparam, select
from sqlmodel import Session, col

from community.accounts.models import User
from community.accounts.viewer import Viewer
from community.clock import utcnow
from community.config import get_settings
from community.errors import Conflict, InvalidInput, NotFound
from community.events.models import Event
from community.events.service import record_event
from community.forum import boards as forum_boards
from community.forum import permissions as perms
from community.forum.models import Category, Post, Thread, ThreadKind
from community.i18n import Formatted
from community.leads.consent import CONSENT_TEXT_VERSIONS
from community.leads.models import Escalation, Lead, LeadStatus
from community.notifications import service as notifications

PERSONAL_FIELDS = ("real_name", "company", "email", "phone", "message")


def _thread_url(thread: Thread) -> str:
    return f"{get_settings().public_url.rstrip('/')}/t/{thread.id}/{thread.slug}"


def _clean(value: str | None, limit: int, name: str) -> str | None:
    value = (value or "").strip()
    if len(value) > limit:
        raise InvalidInput(
            Formatted("%(field)s: höchstens %(limit)s Zeichen.", field=name, limit=limit),
            code="invalid_input",
        )
    return value or None


# Digits with the usual separators, an optional leading + and an extension: "+49 30 123456-7",
# "(030) 123 45 67", "030/1234567 ext. 12". Sales calls it: text that is no number is refused.
_PHONE = re.compile(r"\+?[0-9 ()./-]{5,30}(?:\s*(?:ext\.?|x|Durchwahl|DW)\s*[0-9]{1,6})?", re.I)


def _phone(value: str | None) -> str | None:
    phone = _clean(value, 40, "Telefon")
    if phone is not None and (not _PHONE.fullmatch(phone) or sum(c.isdigit() for c in phone) < 5):
        raise InvalidInput(
            "Bitte geben Sie eine Telefonnummer aus Ziffern an, z. B. +49 30 1234567.",
            code="invalid_phone",
        )
    return phone


# ---- consent and lead.created ---------------------------------------------------------------


def names_thread(session: Session, thread: Thread) -> bool:
    """Whether a lead names its thread to the CRM: not one of a closed board, whose threads
    no event carries out (events/service.withheld_ids would hold the whole lead back). Such
    a lead goes out all the same, without the thread, and its form says so."""
    return not forum_boards.is_closed(session, thread.category_id)


def give_consent(
    session: Session,
    viewer: Viewer,
    *,
    agreed: bool,
    text_version: str,
    real_name: str | None,
    company: str | None,
    phone: str | None = None,
    message: str | None = None,
    thread_id: int | None = None,
    lead_id: int | None = None,
) -> Lead:
    """The customer agrees to the consent text; only now does a lead go to the CRM."""
    perms.require_verified(viewer)
    user = viewer.user
    assert user is not None and user.id is not None
    if not agreed:
        raise InvalidInput(
            "Ohne Ihre Einwilligung geben wir keine Daten an den Vertrieb weiter.",
            code="consent_required",
        )
    if text_version not in CONSENT_TEXT_VERSIONS:
        raise Conflict(
            "Der Einwilligungstext wurde geändert. Bitte lesen Sie ihn erneut.",
            code="consent_text_changed",
        )
    real_name = _clean(real_name, 200, "Klarname")
    company = _clean(company, 200, "Firma")
    phone = _phone(phone)
    text = _clean(message, 4000, "Nachricht")
    lead = _own_lead(session, viewer, lead_id) if lead_id is not None else None
    if lead is not None:
        if lead.status != LeadStatus.requested.value:
            raise Conflict("Diese Anfrage ist schon beantwortet.", code="already_answered")
        thread_id = lead.thread_id
    thread = (
        perms.ensure_thread_visible(session, viewer, session.get(Thread, thread_id))
        if (thread_id is not None)
        else None
    )
    if lead is None:
        lead = Lead(user_id=user.id, thread_id=thread.id if thread else None, status="")
    now = utcnow()
    lead.status = LeadStatus.consented.value
    lead.consent_text_version = text_version
    lead.consent_given_at = now
    session.add(lead)
    session.flush()
    named = thread if thread is not None and names_thread(session, thread) else None
    event = record_event(
        session,
        "lead.created",
        {
            "lead_id": lead.id,
            "nickname": user.nickname,
            "real_name": real_name,
            "company": company,
            "email": user.email,
            "phone": phone,
            "thread_id": named.id if named else None,
            "thread_url": _thread_url(named) if named else None,
            "message": text,
            "consent": {
                "given_at": now.isoformat().split("+")[0] + "Z",
                "text_version": text_version,
            },
        },
    )
    session.flush()
    lead.event_id = event.id
    return lead


def decline(session: Session, viewer: Viewer, lead_id: int) -> Lead:
    lead = _own_lead(session, viewer, lead_id)
    if lead.status != LeadStatus.requested.value:
        raise Conflict("Diese Anfrage ist schon beantwortet.", code="already_answered")
    lead.status = LeadStatus.declined.value
    session.add(lead)
    return lead


def withdraw(session: Session, viewer: Viewer, lead_id: int) -> Lead:
    """As easy as giving it: one button in the settings. The CRM is told to delete the
    lead, and the personal data is blanked in the event log (pull feed, retries)."""
    lead = _own_lead(session, viewer, lead_id)
    if lead.status != LeadStatus.consented.value:
        raise Conflict("Für diese Anfrage besteht keine Einwilligung.", code="not_consented")
    now = utcnow()
    lead.status = LeadStatus.withdrawn.value
    lead.withdrawn_at = now
    session.add(lead)
    _blank_lead_event(session, lead)
    user = viewer.user
    assert user is not None
    record_event(
        session,
        "lead.consent_withdrawn",
        {
            "lead_id": lead.id,
            "nickname": user.nickname,
            "withdrawn_at": now.isoformat().split("+")[0] + "Z",
        },
    )
    return lead


def _blank_lead_event(session: Session, lead: Lead, nickname: str | None = None) -> None:
    """The personal data lives only in the lead.created event: blank it there."""
    if lead.event_id is None:
        return
    event = session.get(Event, lead.event_id)
    if event is None:
        return
    payload = {**event.payload, **dict.fromkeys(PERSONAL_FIELDS), "consent_withdrawn": True}
    if nickname is not None:
        payload["nickname"] = nickname
    event.payload = payload
    session.add(event)


def on_member_erased(session: Session, user_id: int, pseudonym: str) -> None:
    """An erased account's consents end: the CRM is told to delete each lead it got (under
    the pseudonym, the only name left), the events lose the personal data, and the
    consent records go."""
    now = utcnow()
    leads = session.execute(select(Lead).where(col(Lead.user_id) == user_id)).scalars()
    for lead in list(leads):
        if lead.status == LeadStatus.consented.value:
            record_event(
                session,
                "lead.consent_withdrawn",
                {
                    "lead_id": lead.id,
                    "nickname": pseudonym,
                    "withdrawn_at": now.isoformat().split("+")[0] + "Z",
                },
            )
        _blank_lead_event(session, lead, pseudonym)
        session.delete(lead)
    session.flush()


def _own_lead(session: Session, viewer: Viewer, lead_id: int | None) -> Lead:
    perms.require_member(viewer)
    lead = session.get(Lead, lead_id) if lead_id is not None else None
    if lead is None or lead.user_id != viewer.user_id:
        raise NotFound("Diese Anfrage gibt es nicht.")
    return lead


def get_own_lead(session: Session, viewer: Viewer, lead_id: int) -> Lead:
    return _own_lead(session, viewer, lead_id)


def my_leads(session: Session, viewer: Viewer) -> list[Lead]:
    perms.require_member(viewer)
    return list(
        session.execute(
            select(Lead).where(col(Lead.user_id) == viewer.user_id).order_by(col(Lead.id).desc())
        ).scalars()
    )


# ---- staff: sales opportunity -----------------------------------------------------------------


def mark_opportunity(session: Session, viewer: Viewer, thread_id: int) -> Lead:
    """Staff see a sales opportunity. Nothing goes to the CRM: the customer is asked."""
    perms.require_staff(viewer)
    thread = perms.ensure_thread_visible(session, viewer, session.get(Thread, thread_id))
    open_lead = session.execute(
        select(Lead).where(
            col(Lead.thread_id) == thread.id,
            col(Lead.user_id) == thread.author_id,
            col(Lead.status).in_([LeadStatus.requested.value, LeadStatus.consented.value]),
        )
    ).scalar_one_or_none()
    if open_lead is not None:
        return open_lead
    lead = Lead(
        user_id=thread.author_id,
        thread_id=thread.id,
        status=LeadStatus.requested.value,
        requested_by_id=viewer.user_id,
    )
    session.add(lead)
    session.flush()
    assert lead.id is not None
    # A notice, mailed (with the link to the consent page) as the customer's settings say.
    notifications.on_consent_requested(session, lead.id, thread.author_id, viewer.user_id)
    return lead


# ---- escalation to support ---------------------------------------------------------------------


def thread_box(session: Session, viewer: Viewer, thread: Thread) -> dict[str, object]:
    """What a thread page shows of the CRM: the hand-over to support, staff's buttons."""
    assert thread.id is not None
    return thread_box_of(viewer, escalation_of(session, thread.id))


def thread_box_of(viewer: Viewer, escalation: Escalation | None) -> dict[str, object]:
    """thread_box with the thread's escalation already read (a member's page kept per
    process, web/threadshare.py)."""
    user = viewer.user
    return {
        "escalation": escalation,
        "is_staff": bool(user and (user.is_staff or user.is_moderator)),
    }


def escalation_of(session: Session, thread_id: int) -> Escalation | None:
    return session.execute(_ESCALATION, {"thread_id": thread_id}).scalar_one_or_none()


# Built once per process: every thread page asks.
_ESCALATION = select(Escalation).where(col(Escalation.thread_id) == bindparam("thread_id"))


def escalate(session: Session, viewer: Viewer, thread_id: int, note: str = "") -> Escalation:
    perms.require_staff(viewer)
    thread = perms.ensure_thread_visible(session, viewer, session.get(Thread, thread_id))
    if thread.kind != ThreadKind.question.value or thread.solution_post_id is not None:
        raise InvalidInput(
            "Nur ungelöste Fragen werden an den Support übergeben.", code="not_unsolved"
        )
    if escalation_of(session, thread_id) is not None:
        raise Conflict("Dieses Thema wurde schon an den Support übergeben.", code="escalated")
    note = _clean(note, 4000, "Notiz") or ""
    assert thread.id is not None
    escalation = Escalation(thread_id=thread.id, escalated_by_id=viewer.user_id, note=note)
    session.add(escalation)
    session.flush()
    opening = session.execute(
        select(Post).where(col(Post.thread_id) == thread.id, col(Post.is_opening).is_(True))
    ).scalar_one()
    asker = session.get(User, thread.author_id)
    category = session.get(Category, thread.category_id)
    assert viewer.user is not None
    payload: dict[str, Any] = {
        "thread_id": thread.id,
        "category_id": thread.category_id,
        "category_slug": category.slug if category else None,
        "title": thread.title,
        "question": opening.body,
        "url": _thread_url(thread),
        "asker": asker.nickname if asker else None,
        "escalated_by": viewer.user.nickname,
        "note": note,
        "reply_count": thread.reply_count,
        "created_at": thread.created_at.isoformat().split("+")[0] + "Z",
    }
    record_event(session, "thread.escalated", payload)
    return escalation
