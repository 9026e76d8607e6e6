"""Account mails (verification, password reset), sent by the worker from the outbox."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session

from community import i18n
from community.accounts.models import User
from community.config import get_settings
from community.i18n import N_
from community.jobs.service import handler
from community.mailer import OutgoingMail, send_mail

MAIL_JOB = "mail.account"

# (subject, text) per purpose; German msgids, English from the catalog.
_TEXTS = {
    "verify": (
        N_("Bitte bestätigen Sie Ihre E-Mail-Adresse"),
        N_(
            "Hallo {nickname},\n\nbitte bestätigen Sie Ihre E-Mail-Adresse für die {site} "
            "mit diesem Link:\n\n{link}\n\nDer Link gilt 48 Stunden."
        ),
    ),
    "reset": (
        N_("Passwort zurücksetzen"),
        N_(
            "Hallo {nickname},\n\nmit diesem Link setzen Sie Ihr Passwort für die {site} "
            "zurück:\n\n{link}\n\nDer Link gilt 2 Stunden. Wenn Sie das nicht angefordert "
            "haben, ignorieren Sie diese Mail."
        ),
    ),
    "exists": (
        N_("Registrierung mit Ihrer E-Mail-Adresse"),
        N_(
            "Hallo {nickname},\n\njemand wollte sich gerade mit Ihrer E-Mail-Adresse bei der "
            "{site} registrieren. Sie haben dort schon ein Konto. Falls Sie das waren und Ihr "
            "Passwort nicht mehr wissen, setzen Sie es hier zurück:\n\n{link}\n\nWenn nicht, "
            "ignorieren Sie diese Mail; es wurde nichts geändert."
        ),
    ),
    "sso_link": (
        N_("Firmenkonto mit Ihrem Konto verknüpfen"),
        N_(
            "Hallo {nickname},\n\nSie möchten sich bei der {site} künftig mit Ihrem Firmenkonto "
            "anmelden. Öffnen Sie diesen Link in dem Browser, in dem Sie sich gerade mit dem "
            "Firmenkonto angemeldet haben, und bestätigen Sie dort die Verknüpfung mit Ihrem "
            "bestehenden Konto:\n\n{link}\n\nDer Link gilt 2 Stunden. Wenn Sie das nicht waren, "
            "ignorieren Sie diese Mail; es wurde nichts geändert."
        ),
    ),
}
_PATHS = {
    "verify": "/verify-email",
    "reset": "/reset-password",
    "exists": "/forgot-password",
    "sso_link": "/sso/link/confirm",
}


@handler(MAIL_JOB)
def send_account_mail(session: Session, payload: dict[str, Any]) -> None:
    """The payload names the user by id, so no address sits in the jobs table."""
    user = session.get(User, payload["user_id"])
    if user is None or not user.email:
        return
    settings = get_settings()
    purpose = payload["purpose"]
    gettext = i18n.translator(i18n.locale_of(user))
    subject, text = (gettext(message) for message in _TEXTS[purpose])
    link = f"{settings.public_url.rstrip('/')}{_PATHS[purpose]}"
    if payload.get("token"):
        link += f"?token={payload['token']}"
    send_mail(
        OutgoingMail(
            to=user.email,
            subject=f"{settings.site_name}: {subject}",
            text=text.format(nickname=user.nickname, site=settings.site_name, link=link),
        )
    )
