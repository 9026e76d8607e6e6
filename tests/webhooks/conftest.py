from __future__ import annotations

from collections.abc import Iterator

import pytest

from community.config import get_settings
from tests.smtp import mailbox, smtp_server  # noqa: F401
from tests.webhooks.receiver import Receiver


@pytest.fixture(autouse=True)
def allow_private(monkeypatch: pytest.MonkeyPatch) -> None:
    """Loopback receivers need the development setting; the production tests turn it off."""
    monkeypatch.setattr(get_settings(), "webhooks_allow_private", True)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver().start()
    yield r
    r.stop()


@pytest.fixture
def other_receiver() -> Iterator[Receiver]:
    r = Receiver().start()
    yield r
    r.stop()
