"""The mail that tells a reporter what the moderation decided, sent by the worker."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session

from community import i18n
from community.accounts.models import User
from community.config import get_settings
from community.forum.models import Post, Thread
from community.forum.service import thread_url
from community.i18n import N_
from community.jobs.service import handler
from community.mailer import OutgoingMail, send_mail
from community.moderation.models import Report
from community.moderation.service import CONFIRM_MAIL_JOB, OUTCOME_MAIL_JOB

_OUTCOMES = {
    "hidden": N_("Der Beitrag wurde ausgeblendet."),
    "deleted": N_("Der Beitrag wurde gelöscht."),
    "restored": N_("Der Beitrag bleibt sichtbar."),
    "edited": N_("Der Beitrag wurde von der Moderation bearbeitet."),
    "duplicate": N_("Das Thema wurde als Duplikat eines anderen Themas geschlossen."),
    "dismissed": N_(
        "Wir haben den Beitrag geprüft und keinen Verstoß festgestellt; er bleibt sichtbar."
    ),
}
_SUBJECT = N_("Ihre Meldung wurde bearbeitet")
_TEXT = N_(
    "Guten Tag,\n\nvielen Dank für Ihre Meldung zu Beitrag {post_id} in der {site}.\n\n"
    "Entscheidung: {outcome}\n\n{link}"
)


@handler(OUTCOME_MAIL_JOB)
def send_outcome_mail(session: Session, payload: dict[str, Any]) -> None:
    report = session.get(Report, payload["report_id"])
    if report is None or report.outcome is None:
        return
    locale = i18n.DEFAULT_LOCALE
    address = report.contact_email
    if report.reporter_id is not None:
        user = session.get(User, report.reporter_id)
        if user is None:
            return
        address = user.email
        locale = i18n.locale_of(user)
    if not address:
        return
    if report.reporter_id is None and report.contact_confirmed_at is None:
        return  # an address nobody confirmed is not mailed (report_post)
    settings = get_settings()
    gettext = i18n.translator(locale)
    subject, text = gettext(_SUBJECT), gettext(_TEXT)
    post = session.get(Post, report.post_id)
    thread = session.get(Thread, post.thread_id) if post else None
    link = thread_url(thread) if thread else ""
    send_mail(
        OutgoingMail(
            to=address,
            subject=f"{settings.site_name}: {subject}",
            text=text.format(
                post_id=report.post_id,
                site=settings.site_name,
                outcome=gettext(_OUTCOMES[report.outcome])
                if report.outcome in _OUTCOMES
                else report.outcome,
                link=link,
            ),
        )
    )


_CONFIRM = (
    "Bitte bestätigen Sie Ihre Meldung / Please confirm your report",
    "Guten Tag,\n\nüber diese Adresse wurde in der {site} ein Beitrag gemeldet. Wenn Sie "
    "das waren und die Entscheidung der Moderation per E-Mail erhalten möchten, bestätigen "
    "Sie bitte mit dem Link unten. Wenn nicht, ignorieren Sie diese Mail; Sie erhalten dann "
    "keine weitere.\n\nHello,\n\na post on {site} was reported giving this address. If "
    "that was you and you want the moderators' decision by e-mail, please confirm with the "
    "link below. If not, ignore this mail; you will get no other.\n\n{link}",
)


@handler(CONFIRM_MAIL_JOB)
def send_contact_confirmation(session: Session, payload: dict[str, Any]) -> None:
    """Bilingual: a visitor has no language setting."""
    report = session.get(Report, payload["report_id"])
    if report is None or not report.contact_email or report.contact_confirmed_at is not None:
        return
    settings = get_settings()
    link = f"{settings.public_url.rstrip('/')}/report/confirm?token={payload['token']}"
    subject, text = _CONFIRM
    send_mail(
        OutgoingMail(
            to=report.contact_email,
            subject=f"{settings.site_name}: {subject}",
            text=text.format(site=settings.site_name, link=link),
        )
    )
