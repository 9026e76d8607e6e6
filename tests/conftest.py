"""Test setup: every test runs against a real SQLite file and, when
COMMUNITY_TEST_POSTGRES_URL is set, once more against a real PostgreSQL database.
The schema is built by `alembic upgrade head`; every table is emptied after each test and
every rate limit reset before it; the anti-spam limits are off unless a test turns them on."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

# Settings are read once; fix them before the application is imported.
os.environ.setdefault("COMMUNITY_ENVIRONMENT", "test")
os.environ.setdefault("COMMUNITY_DATA_DIR", tempfile.mkdtemp(prefix="community-test-"))
os.environ.setdefault("COMMUNITY_PUBLIC_URL", "http://testserver")
os.environ.pop("COMMUNITY_SMTP_URL", None)
os.environ.pop("COMMUNITY_DATABASE_URL", None)
# Limits count in this process's memory: parallel test processes must not share a Redis.
os.environ.pop("COMMUNITY_REDIS_URL", None)
# Tests write many posts within seconds; the anti-spam tests turn the limits on themselves.
os.environ["COMMUNITY_ANTISPAM_ENABLED"] = "false"

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine, make_url, text
from sqlmodel import Session

import community.models  # noqa: F401  (every table)
from community.app import create_app
from community.config import get_settings
from community.db import make_engine, metadata
from community.indexing.backend import synonyms, use_backend
from community.migrate import upgrade
from community.ratelimit import reset_limits
from search.embedded import EmbeddedBackend

POSTGRES_ENV = "COMMUNITY_TEST_POSTGRES_URL"


def _postgres_admin(base_url: str, sql: str) -> None:
    admin = make_engine(base_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(sql))
    admin.dispose()


@pytest.fixture(scope="session", params=["sqlite", "postgres"])
def database_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite3'}"
        return
    base = os.environ.get(POSTGRES_ENV)
    if not base:
        pytest.skip(
            f"PostgreSQL tests need {POSTGRES_ENV} (e.g. postgresql://postgres@127.0.0.1:5432/postgres)"
        )
    # One database per test process, so parallel runs never share or drop each other's.
    name = f"community_test_{os.getpid()}"
    _postgres_admin(base, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    _postgres_admin(base, f'CREATE DATABASE "{name}"')
    yield make_url(base).set(database=name).render_as_string(hide_password=False)
    _postgres_admin(base, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def migrated_engine(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url)
    upgrade(engine)
    yield engine
    engine.dispose()


def _empty_all_tables(engine: Engine) -> None:
    tables = [t.name for t in reversed(metadata.sorted_tables)]
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
        else:
            for name in tables:
                conn.execute(text(f"DELETE FROM {name}"))


@pytest.fixture
def engine(migrated_engine: Engine) -> Iterator[Engine]:
    reset_limits()
    yield migrated_engine
    _empty_all_tables(migrated_engine)


@pytest.fixture
def db(engine: Engine) -> Iterator[Session]:
    """A session for arranging and checking data; factories commit through it."""
    with Session(engine, expire_on_commit=False) as session:
        yield session


@pytest.fixture(autouse=True)
def search_backend(tmp_path: Path) -> Iterator[EmbeddedBackend]:
    """A search index of this test's own; created only when something uses it."""
    backend = EmbeddedBackend(tmp_path / "search", synonyms=synonyms())
    use_backend(backend)
    yield backend
    use_backend(None)
    backend.release_writer()


@pytest.fixture
def settings():  # type: ignore[no-untyped-def]
    return get_settings()


@pytest.fixture
def app(engine: Engine) -> FastAPI:
    return create_app(get_settings(), engine)


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app) as c:
        yield c


@pytest.fixture
def anon(app: FastAPI) -> Iterator[TestClient]:
    """A second browser, never signed in."""
    with TestClient(app) as c:
        yield c


@pytest.fixture
def make_client(app: FastAPI) -> Iterator:  # type: ignore[type-arg]
    """More browsers, for tests with several people at once."""
    clients: list[TestClient] = []

    def new() -> TestClient:
        c = TestClient(app)
        c.__enter__()
        clients.append(c)
        return c

    yield new
    for c in clients:
        c.__exit__(None, None, None)
