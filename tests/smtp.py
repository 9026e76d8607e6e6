"""A real SMTP server for tests: aiosmtpd's Controller on a free loopback port.

The server runs once per test session in its own thread; the `mailbox` fixture empties it
and points the application's settings at it, so a test that sends mail receives it here
over a real SMTP conversation. Use it from a conftest.py or test module with

    from tests.smtp import mailbox, smtp_server  # noqa: F401
"""

from __future__ import annotations

import re
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from community.config import get_settings

_URL = re.compile(r"https?://\S+")


@dataclass(frozen=True)
class ReceivedMail:
    mail_from: str
    rcpt_tos: tuple[str, ...]
    message: EmailMessage
    raw: bytes  # as it came over the wire: what a mail client reads before any decoding

    @property
    def subject(self) -> str:
        return str(self.message["Subject"])

    @property
    def to(self) -> str:
        return str(self.message["To"])

    @property
    def text(self) -> str:
        part = self.message.get_body(preferencelist=("plain",))
        assert part is not None, "the mail has no text/plain part"
        return part.get_content()  # type: ignore[attr-defined,no-any-return]

    @property
    def links(self) -> list[str]:
        return _URL.findall(self.text)

    def link(self, path: str) -> str:
        """The one link in the text whose path starts with `path` (e.g. "/verify-email")."""
        found = [u for u in self.links if re.match(rf"https?://[^/]+{re.escape(path)}", u)]
        assert len(found) == 1, f"expected one {path} link in the mail, found {self.links}"
        return found[0]


class Mailbox:
    """The aiosmtpd handler: keeps every message it accepts."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._messages: list[ReceivedMail] = []
        self.port = 0

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        message = message_from_bytes(envelope.original_content, policy=policy.default)
        assert isinstance(message, EmailMessage)
        with self._lock:
            self._messages.append(
                ReceivedMail(
                    mail_from=envelope.mail_from,
                    rcpt_tos=tuple(envelope.rcpt_tos),
                    message=message,
                    raw=envelope.original_content,
                )
            )
        return "250 Message accepted for delivery"

    @property
    def messages(self) -> list[ReceivedMail]:
        with self._lock:
            return list(self._messages)

    def to(self, address: str) -> list[ReceivedMail]:
        return [m for m in self.messages if address.lower() in (r.lower() for r in m.rcpt_tos)]

    def clear(self) -> None:
        with self._lock:
            self._messages.clear()

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_smtp_server(mailbox: Mailbox) -> Controller:
    """Start on a free port; retried, because another process may take the port first."""
    last_error: Exception | None = None
    for _ in range(5):
        port = _free_port()
        controller = Controller(mailbox, hostname="127.0.0.1", port=port, ready_timeout=5)
        try:
            controller.start()
        except Exception as exc:  # the port was taken between probing and binding
            last_error = exc
            continue
        mailbox.port = port
        return controller
    raise RuntimeError(f"could not start the test SMTP server: {last_error}")


@pytest.fixture(scope="session")
def smtp_server() -> Iterator[Mailbox]:
    mailbox = Mailbox()
    controller = start_smtp_server(mailbox)
    yield mailbox
    controller.stop()


@pytest.fixture
def mailbox(smtp_server: Mailbox, monkeypatch: pytest.MonkeyPatch) -> Iterator[Mailbox]:
    """An empty mailbox; the application sends its mail here for this test."""
    smtp_server.clear()
    monkeypatch.setattr(get_settings(), "smtp_url", f"smtp://127.0.0.1:{smtp_server.port}")
    yield smtp_server
    smtp_server.clear()
