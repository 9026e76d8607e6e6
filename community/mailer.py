"""Sending mail: over SMTP when COMMUNITY_SMTP_URL is set, otherwise into the log."""

from __future__ import annotations

import logging
import smtplib
import ssl
from dataclasses import dataclass, field
from email import policy
from email.headerregistry import BaseHeader, HeaderRegistry, UnstructuredHeader
from email.message import EmailMessage
from urllib.parse import parse_qs, unquote, urlparse

from community.config import get_settings

log = logging.getLogger("community.mail")


class _OneLineHeader(UnstructuredHeader, BaseHeader):
    """An ASCII header that reaches the mail client as written. List-Unsubscribe's address
    (RFC 2369/8058) is longer than a line: the default policy, unable to fold it, wrote it
    as encoded words, which clients do not decode there, so none offered to unsubscribe."""

    def fold(self, *, policy: policy.Policy) -> str:  # type: ignore[override]
        if not str(self).isascii():  # a public URL with an umlaut: encoded, as before
            return super().fold(policy=policy)
        return f"{self.name}: {self}{policy.linesep}"


_HEADERS = HeaderRegistry()
_HEADERS.map_to_type("list-unsubscribe", _OneLineHeader)
_POLICY = policy.default.clone(header_factory=_HEADERS)


@dataclass
class OutgoingMail:
    to: str
    subject: str
    text: str
    html: str | None = None
    # Extra header lines, e.g. List-Unsubscribe (RFC 2369/8058) on notification mails.
    headers: dict[str, str] = field(default_factory=dict)


def send_mail(mail: OutgoingMail) -> None:
    settings = get_settings()
    if mail.to.strip().lower().endswith(".invalid"):
        # An erased account's placeholder address (RFC 2606): no mail can reach it, and a
        # queued mail to it (a report's outcome, say) must not retry forever.
        log.info("mail not sent: the address is a .invalid placeholder")
        return
    message = EmailMessage(policy=_POLICY)
    message["From"] = settings.mail_from
    message["To"] = mail.to
    message["Subject"] = mail.subject
    for name, value in mail.headers.items():
        message[name] = value
    message.set_content(mail.text)
    if mail.html:
        message.add_alternative(mail.html, subtype="html")
    if not settings.smtp_url:
        if settings.environment == "production":
            # The text holds sign-in and reset links: never in a production log.
            log.error("mail not sent: COMMUNITY_SMTP_URL is not set (subject=%r)", mail.subject)
            return
        # The development default: a developer reads the link from the console.
        log.warning("mail (no COMMUNITY_SMTP_URL set) subject=%r\n%s", mail.subject, mail.text)
        return
    _send_smtp(settings.smtp_url, message)


def _send_smtp(url: str, message: EmailMessage) -> None:
    """smtp://user:pass@host:port (add ?starttls=1 to upgrade) or smtps://host:port."""
    parsed = urlparse(url)
    options = parse_qs(parsed.query)
    host = parsed.hostname or "localhost"
    timeout = 15
    if parsed.scheme == "smtps":
        client: smtplib.SMTP = smtplib.SMTP_SSL(
            host, parsed.port or 465, timeout=timeout, context=ssl.create_default_context()
        )
    else:
        client = smtplib.SMTP(host, parsed.port or 25, timeout=timeout)
    with client:
        if options.get("starttls", ["0"])[0] in ("1", "true", "yes"):
            client.starttls(context=ssl.create_default_context())
        if parsed.username:
            client.login(unquote(parsed.username), unquote(parsed.password or ""))
        client.send_message(message)
