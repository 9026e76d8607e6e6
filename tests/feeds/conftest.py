from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy import Engine

from community.jobs.worker import Worker


@pytest.fixture
def run_jobs(engine: Engine) -> Callable[[], int]:
    return lambda: Worker(engine).run_until_empty()
