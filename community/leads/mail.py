"""The request to consent, mailed to the customer when staff mark a sales opportunity."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session

from community.accounts.models import User
from community.config import get_settings
from community.forum.models import Thread
from community.jobs.service import handler
from community.leads.models import Lead, LeadStatus
from community.leads.service import CONSENT_REQUEST_JOB
from community.mailer import OutgoingMail, send_mail


@handler(CONSENT_REQUEST_JOB)
def send_consent_request(session: Session, payload: dict[str, Any]) -> None:
    lead = session.get(Lead, payload["lead_id"])
    if lead is None or lead.status != LeadStatus.requested.value:
        return
    user = session.get(User, lead.user_id)
    thread = session.get(Thread, lead.thread_id) if lead.thread_id else None
    if user is None or not user.email:
        return
    link = f"{get_settings().public_url.rstrip('/')}/leads/{lead.id}"
    about = f" zu Ihrem Thema „{thread.title}“" if thread else ""
    send_mail(
        OutgoingMail(
            to=user.email,
            subject="Möchten Sie vom Vertrieb kontaktiert werden?",
            text=(
                f"Hallo {user.nickname},\n\nunser Team meint, dass wir Ihnen{about} mit einem "
                "Angebot weiterhelfen könnten. Ohne Ihre Zustimmung geben wir nichts an den "
                "Vertrieb weiter. Hier sehen Sie, was übermittelt würde, und können zustimmen "
                f"oder ablehnen:\n\n{link}\n"
            ),
        )
    )
