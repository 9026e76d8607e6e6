"""Fixtures of the search tests: the stand-in Meilisearch server, the worker, documents."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

import pytest
from pytest_httpserver import HTTPServer
from sqlalchemy import Engine

from community.indexing.backend import synonyms, use_backend
from community.jobs.worker import Worker
from search.meili import MeiliBackend
from tests.search.fake_meili import MASTER_KEY, FakeMeili


@pytest.fixture
def run_jobs(engine: Engine) -> Callable[[], int]:
    return lambda: Worker(engine).run_until_empty()


class _HTTPServer(HTTPServer):
    def thread_target(self) -> None:
        # stop() waits for the loop's next look at its flag: half a second by default.
        assert self.server is not None
        self.server.serve_forever(poll_interval=0.02)


class MeiliServer:
    def __init__(self) -> None:
        self.fake = FakeMeili()
        self.http = _HTTPServer(host="127.0.0.1", port=0)
        self.http.expect_request(re.compile(".*")).respond_with_handler(self.fake.handle)
        self.http.start()
        self.port = self.http.port
        self.url = f"http://127.0.0.1:{self.port}"

    def stop(self) -> None:
        self.http.stop()

    def restart(self) -> None:
        """The same address again, as a restarted Meilisearch would have."""
        self.http = _HTTPServer(host="127.0.0.1", port=self.port)
        self.http.expect_request(re.compile(".*")).respond_with_handler(self.fake.handle)
        self.http.start()

    def backend(self, **kwargs) -> MeiliBackend:  # type: ignore[no-untyped-def]
        return MeiliBackend(
            self.url, MASTER_KEY, synonyms=synonyms(), task_timeout_ms=3000, poll_ms=5, **kwargs
        )


@pytest.fixture
def meili() -> Iterator[MeiliServer]:
    server = MeiliServer()
    yield server
    if server.http.is_running():
        server.stop()


@pytest.fixture
def meili_backend(meili: MeiliServer) -> Iterator[MeiliBackend]:
    backend = meili.backend()
    use_backend(backend)
    yield backend
    use_backend(None)
