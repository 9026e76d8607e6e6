"""Fixtures of the accounts tests: the SMTP server and running the mail jobs."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy import Engine

from community.jobs.worker import Worker
from tests.smtp import mailbox, smtp_server  # noqa: F401  (fixtures)


@pytest.fixture
def run_jobs(engine: Engine) -> Callable[[], int]:
    """Run the outbox like `community worker` does, until nothing is due."""
    return lambda: Worker(engine).run_until_empty()
