"""Account mails (verification, password reset), sent by the worker from the outbox."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session

from community.accounts.models import User
from community.config import get_settings
from community.jobs.service import handler
from community.mailer import OutgoingMail, send_mail

MAIL_JOB = "mail.account"

_TEXTS = {
    ("verify", "de"): (
        "Bitte bestätigen Sie Ihre E-Mail-Adresse",
        "Hallo {nickname},\n\nbitte bestätigen Sie Ihre E-Mail-Adresse für die {site} "
        "mit diesem Link:\n\n{link}\n\nDer Link gilt 48 Stunden.",
    ),
    ("verify", "en"): (
        "Please confirm your e-mail address",
        "Hello {nickname},\n\nplease confirm your e-mail address for {site} "
        "with this link:\n\n{link}\n\nThe link is valid for 48 hours.",
    ),
    ("reset", "de"): (
        "Passwort zurücksetzen",
        "Hallo {nickname},\n\nmit diesem Link setzen Sie Ihr Passwort für die {site} "
        "zurück:\n\n{link}\n\nDer Link gilt 2 Stunden. Wenn Sie das nicht angefordert haben, "
        "ignorieren Sie diese Mail.",
    ),
    ("reset", "en"): (
        "Reset your password",
        "Hello {nickname},\n\nuse this link to reset your password for {site}:\n\n{link}\n\n"
        "The link is valid for 2 hours. If you did not ask for it, ignore this mail.",
    ),
    ("exists", "de"): (
        "Registrierung mit Ihrer E-Mail-Adresse",
        "Hallo {nickname},\n\njemand wollte sich gerade mit Ihrer E-Mail-Adresse bei der {site} "
        "registrieren. Sie haben dort schon ein Konto. Falls Sie das waren und Ihr Passwort "
        "nicht mehr wissen, setzen Sie es hier zurück:\n\n{link}\n\nWenn nicht, "
        "ignorieren Sie diese Mail; es wurde nichts geändert.",
    ),
    ("exists", "en"): (
        "Registration with your e-mail address",
        "Hello {nickname},\n\nsomeone just tried to register at {site} with your e-mail "
        "address. You already have an account there. If that was you and you forgot your "
        "password, reset it here:\n\n{link}\n\nIf not, ignore this mail; nothing was "
        "changed.",
    ),
}
_PATHS = {"verify": "/verify-email", "reset": "/reset-password", "exists": "/forgot-password"}


@handler(MAIL_JOB)
def send_account_mail(session: Session, payload: dict[str, Any]) -> None:
    """The payload names the user by id, so no address sits in the jobs table."""
    user = session.get(User, payload["user_id"])
    if user is None or not user.email:
        return
    settings = get_settings()
    purpose = payload["purpose"]
    locale = user.locale if user.locale in ("de", "en") else "de"
    subject, text = _TEXTS[(purpose, locale)]
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
