"""Fault tests: the app talks to a real PostgreSQL through FaultProxy (tests/faults/proxy.py),
which cuts or black-holes the connections on command; worker kills use real processes.

They commit for real (the app under test and the checks use separate connections), so each
test gets a database of its own, emptied afterwards."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from sqlalchemy import Engine, make_url, text
from sqlmodel import Session

from community.app import create_app
from community.config import get_settings
from community.db import make_engine, metadata
from community.migrate import upgrade
from community.ratelimit import reset_limits
from tests.faults.proxy import FaultProxy

POSTGRES_ENV = "COMMUNITY_TEST_POSTGRES_URL"

# Short bounds, so that each fault is answered within a second or three.
CONNECT_TIMEOUT = 1.0  # libpq waits at least 2 s
POOL_TIMEOUT = 1.0
STATEMENT_TIMEOUT = 1.0  # the client gives up 2 s later


def _admin(base: str, sql: str) -> None:
    admin = make_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(sql))
    admin.dispose()


@pytest.fixture(scope="session")
def fault_database_url() -> Iterator[str]:
    base = os.environ.get(POSTGRES_ENV)
    if not base:
        pytest.skip(f"fault tests run on PostgreSQL: set {POSTGRES_ENV}")
    name = f"community_faults_{os.getpid()}"
    _admin(base, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    _admin(base, f'CREATE DATABASE "{name}"')
    _admin(base, f'ALTER DATABASE "{name}" SET synchronous_commit TO off')  # see tests/conftest.py
    url = make_url(base).set(database=name).render_as_string(hide_password=False)
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    yield url
    _admin(base, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def direct(fault_database_url: str) -> Iterator[Engine]:
    """The database without the proxy: to arrange data and to check it afterwards."""
    engine = make_engine(fault_database_url)
    reset_limits()
    yield engine
    tables = ", ".join(t.name for t in reversed(metadata.sorted_tables))
    with engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    engine.dispose()


@pytest.fixture
def fault_db(direct: Engine) -> Iterator[Session]:
    with Session(direct, expire_on_commit=False) as session:
        yield session


@pytest.fixture
def proxy(fault_database_url: str) -> Iterator[FaultProxy]:
    url = make_url(fault_database_url)
    p = FaultProxy(url.host or "127.0.0.1", url.port or 5432)
    yield p
    p.close()


@pytest.fixture
def proxied_url(fault_database_url: str, proxy: FaultProxy) -> str:
    url = make_url(fault_database_url).set(host="127.0.0.1", port=proxy.port)
    return url.render_as_string(hide_password=False)


@pytest.fixture
def proxied(proxied_url: str) -> Iterator[Engine]:
    """The app's engine, through the proxy, with the short bounds above."""
    engine = make_engine(
        proxied_url,
        connect_timeout=CONNECT_TIMEOUT,
        pool_timeout=POOL_TIMEOUT,
        statement_timeout=STATEMENT_TIMEOUT,
    )
    yield engine
    engine.dispose()


@pytest.fixture
def fault_app(proxied: Engine) -> FastAPI:
    return create_app(get_settings(), proxied)
