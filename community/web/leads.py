"""Pages: ask for contact by sales (with the consent form), answer a staff request,
withdraw in the settings; staff buttons on a thread (sales opportunity, to support)."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, Response
from sqlmodel import Session

from community.accounts.viewer import Viewer
from community.auth import check_csrf
from community.deps import IdPath, SessionDep
from community.errors import CommunityError
from community.forum import service as forum
from community.forum.models import Thread
from community.i18n import N_, pick_locale
from community.leads import service as leads
from community.leads.consent import (
    CONSENT_TEXT,
    CONSENT_TITLE,
    PASSED_FIELDS,
    consent_text_version,
)
from community.leads.models import LeadStatus
from community.leads.schemas import LeadConsent
from community.text import CleanStr
from community.web.deps import CsrfField, WebViewer, login_first, see_other
from community.web.forms import form_error, parse_form
from community.web.pages import render

leads_web_router = APIRouter(include_in_schema=False)
SETTINGS_PATH = "/settings/sales-contact"
# The one page at a literal path under a thread, which the forum's /t/{id}/{slug} would
# take for a slug: listed before the forum's routes (web/router.py), the rest after them.
thread_literal_router = APIRouter(include_in_schema=False)


SENT_TITLE = N_("Danke – der Vertrieb meldet sich")
SENT = N_(
    "Ihre Angaben wurden an den Vertrieb übergeben. Sie können die Einwilligung jederzeit "
    "unter Einstellungen › Kontakt durch den Vertrieb widerrufen."
)


def _form_context(
    request: Request,
    session: Session,
    viewer: Viewer,
    action: str,
    thread: Thread | None,
    request_lead: bool = False,
) -> dict[str, object]:
    user = viewer.user
    return {
        "action": action,
        # The thread the form lists as passed: none for a closed board's (leads.names_thread)
        "thread": thread if thread is not None and leads.names_thread(session, thread) else None,
        "title": CONSENT_TITLE,
        "text": CONSENT_TEXT,
        # The text as this page shows it: the consent records the language it was read in.
        "version": consent_text_version(pick_locale(request)),
        "fields": PASSED_FIELDS,
        "real_name": user.real_name if user else "",
        "company": user.company if user else "",
        "error": None,
        "request_lead": request_lead,
    }


@thread_literal_router.get("/t/{thread_id}/contact-sales", response_class=HTMLResponse)
def contact_form(
    thread_id: IdPath, request: Request, session: SessionDep, viewer: WebViewer
) -> Response:
    thread = forum.get_thread(session, viewer, thread_id)
    if viewer.user is None:
        return login_first(f"/t/{thread_id}/contact-sales")
    context = _form_context(request, session, viewer, f"/t/{thread_id}/contact-sales", thread)
    return render(request, "crm_consent.html", context)


@leads_web_router.get(SETTINGS_PATH, response_class=HTMLResponse)
def settings_page(request: Request, session: SessionDep, viewer: WebViewer) -> Response:
    if viewer.user is None:
        return login_first(SETTINGS_PATH)
    context = _form_context(request, session, viewer, SETTINGS_PATH, None)
    return render(request, "crm_settings.html", {**context, **_consents(session, viewer)})


def _consents(session: SessionDep, viewer: Viewer) -> dict[str, object]:
    """The settings page's list: the member's consents and the threads they came from."""
    mine = leads.my_leads(session, viewer)
    threads = {
        t.id: t
        for t in (session.get(Thread, lead.thread_id) for lead in mine if lead.thread_id)
        if t is not None
    }
    return {"leads": mine, "threads": threads}


def _submit(
    request: Request,
    session: SessionDep,
    viewer: Viewer,
    action: str,
    thread: Thread | None,
    lead_id: int | None,
    consent: ConsentInput,
) -> Response:
    try:
        data = parse_form(LeadConsent, asdict(consent))
        leads.give_consent(
            session,
            viewer,
            **data.model_dump(exclude={"thread_id"}),
            thread_id=thread.id if thread and lead_id is None else None,
            lead_id=lead_id,
        )
    except CommunityError as exc:

        def form_again() -> dict[str, object]:
            context = {
                **_form_context(
                    request, session, viewer, action, thread, request_lead=lead_id is not None
                ),
                # What was typed stays in the form, the consent's box too.
                "real_name": consent.real_name,
                "company": consent.company,
                "phone": consent.phone,
                "message": consent.message,
                "agreed": consent.agreed,
            }
            # The settings' form comes back on the settings page, with its list
            return {**context, **_consents(session, viewer)} if action == SETTINGS_PATH else context

        template = "crm_settings.html" if action == SETTINGS_PATH else "crm_consent.html"
        return form_error(request, session, template, form_again, exc)
    return render(request, "message.html", {"title": SENT_TITLE, "message": SENT})


@dataclass(frozen=True)
class ConsentInput:
    """The fields every consent form sends (thread, settings and a staff request alike)."""

    agreed: bool
    text_version: str
    real_name: str
    company: str
    phone: str
    message: str


def _consent_input(
    text_version: Annotated[CleanStr, Form(max_length=40)] = "",
    agreed: Annotated[bool, Form()] = False,
    real_name: Annotated[CleanStr, Form(max_length=200)] = "",
    company: Annotated[CleanStr, Form(max_length=200)] = "",
    phone: Annotated[CleanStr, Form(max_length=40)] = "",
    message: Annotated[CleanStr, Form(max_length=4000)] = "",
) -> ConsentInput:
    return ConsentInput(agreed, text_version, real_name, company, phone, message)


ConsentFields = Annotated[ConsentInput, Depends(_consent_input)]


@leads_web_router.post("/t/{thread_id}/contact-sales", response_class=HTMLResponse)
def contact_submit(
    thread_id: IdPath,
    request: Request,
    session: SessionDep,
    viewer: WebViewer,
    csrf_token: CsrfField,
    consent: ConsentFields,
) -> Response:
    check_csrf(request, csrf_token)
    thread = forum.get_thread(session, viewer, thread_id)
    return _submit(
        request,
        session,
        viewer,
        f"/t/{thread_id}/contact-sales",
        thread,
        None,
        consent,
    )


@leads_web_router.post(SETTINGS_PATH, response_class=HTMLResponse)
def settings_submit(
    request: Request,
    session: SessionDep,
    viewer: WebViewer,
    csrf_token: CsrfField,
    consent: ConsentFields,
) -> Response:
    check_csrf(request, csrf_token)
    return _submit(
        request,
        session,
        viewer,
        SETTINGS_PATH,
        None,
        None,
        consent,
    )


@leads_web_router.get("/leads/{lead_id}", response_class=HTMLResponse)
def request_page(
    lead_id: IdPath, request: Request, session: SessionDep, viewer: WebViewer
) -> Response:
    if viewer.user is None:
        return login_first(f"/leads/{lead_id}")
    lead = leads.get_own_lead(session, viewer, lead_id)
    if lead.status != LeadStatus.requested.value:
        # Answered already (here or in the settings): the settings list it with its state.
        return see_other(SETTINGS_PATH)
    thread = session.get(Thread, lead.thread_id) if lead.thread_id else None
    context = _form_context(
        request, session, viewer, f"/leads/{lead_id}", thread, request_lead=True
    )
    return render(request, "crm_consent.html", context)


@leads_web_router.post("/leads/{lead_id}", response_class=HTMLResponse)
def request_answer(
    lead_id: IdPath,
    request: Request,
    session: SessionDep,
    viewer: WebViewer,
    csrf_token: CsrfField,
    consent: ConsentFields,
    decision: Annotated[CleanStr, Form(max_length=10)] = "agree",
) -> Response:
    check_csrf(request, csrf_token)
    lead = leads.get_own_lead(session, viewer, lead_id)
    if decision == "decline":
        leads.decline(session, viewer, lead_id)
        return see_other(SETTINGS_PATH)
    thread = session.get(Thread, lead.thread_id) if lead.thread_id else None
    return _submit(
        request,
        session,
        viewer,
        f"/leads/{lead_id}",
        thread,
        lead_id,
        consent,
    )


@leads_web_router.post("/settings/sales-contact/{lead_id}/withdraw")
def withdraw(
    lead_id: IdPath, request: Request, session: SessionDep, viewer: WebViewer, csrf_token: CsrfField
) -> Response:
    check_csrf(request, csrf_token)
    leads.withdraw(session, viewer, lead_id)
    return see_other(SETTINGS_PATH)


@leads_web_router.post("/t/{thread_id}/sales-opportunity")
def opportunity(
    thread_id: IdPath,
    request: Request,
    session: SessionDep,
    viewer: WebViewer,
    csrf_token: CsrfField,
) -> Response:
    check_csrf(request, csrf_token)
    leads.mark_opportunity(session, viewer, thread_id)
    return see_other(f"/t/{thread_id}")


@leads_web_router.post("/t/{thread_id}/escalate")
def escalate(
    thread_id: IdPath,
    request: Request,
    session: SessionDep,
    viewer: WebViewer,
    csrf_token: CsrfField,
    note: Annotated[CleanStr, Form(max_length=4000)] = "",
) -> Response:
    check_csrf(request, csrf_token)
    leads.escalate(session, viewer, thread_id, note)
    return see_other(f"/t/{thread_id}")
