"""Test setup: every test runs against a real SQLite file and, when
COMMUNITY_TEST_POSTGRES_URL is set, once more against a real PostgreSQL database.
The schema is built by `alembic upgrade head`; every rate limit is reset before each test;
the anti-spam limits are off unless a test turns them on; passwords are hashed at argon2's
least cost unless a test asks for `production_password_cost`.

A transaction per test: the `engine` a test gets hands every session and connection (the
test's, the app's, the worker's) the same database connection, inside one transaction that
is rolled back when the test ends. A commit there releases a SAVEPOINT, a rollback returns
to it (SQLAlchemy's "join a session into an external transaction" with
join_transaction_mode="create_savepoint", applied to the engine, so the code under test
keeps using `Session(engine)` and `engine.begin()` as in production). Data committed in a
test is seen by the app and the worker, and gone for the next test.

Tests marked `@pytest.mark.commits` get the real engine instead, whose commits are real:
parallel threads or connections, other processes, a live server. Every table is emptied
after each of them.

One application per test process and database (`shared_app`): the `app` fixture hands it
the test's engine and puts back what a test may change (dependency overrides, the engine).
A test that needs an app built with other settings calls create_app itself.

`@pytest.mark.sqlite_only`: a test whose subject cannot differ between the databases, such
as an accessibility check of rendered pages (axe-core reads markup and styles, not the
data's order or storage), runs on SQLite only: its PostgreSQL variant is deselected at
collection, never skipped (a skip could hide a failure). Anything that stores, queries,
counts or orders data runs on both.

`@pytest.mark.postgres_only`: a test of what only PostgreSQL has (parallel writers on
separate connections, FOR UPDATE SKIP LOCKED, pg_dump): its SQLite variant is deselected at
collection, so nothing is built on SQLite only to be skipped."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from pathlib import Path

import tests.tempfiles  # noqa: F401  (first: temporary files in memory, the data folder)

# Settings are read once; fix them before the application is imported.
os.environ.setdefault("COMMUNITY_ENVIRONMENT", "test")
os.environ.setdefault("COMMUNITY_PUBLIC_URL", "http://testserver")
os.environ.pop("COMMUNITY_SMTP_URL", None)
os.environ.pop("COMMUNITY_DATABASE_URL", None)
# Limits count in this process's memory: parallel test processes must not share a Redis.
os.environ.pop("COMMUNITY_REDIS_URL", None)
# Tests write many posts within seconds; the anti-spam tests turn the limits on themselves.
os.environ["COMMUNITY_ANTISPAM_ENABLED"] = "false"
# An app per test: the start-up's page warm-up is tested on its own (tests/web/test_warmup.py).
os.environ.setdefault("COMMUNITY_WARM_UP", "false")
# The command line speaks the language of the environment's locale; the tests read German.
os.environ.pop("LC_ALL", None)
os.environ.pop("LC_MESSAGES", None)
os.environ["LANG"] = "C.UTF-8"

import limits.storage.memory
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine, make_url, text
from sqlalchemy.pool import StaticPool
from sqlmodel import Session

import community.models  # noqa: F401  (every table)
from community import ratelimit
from community.accounts import login_guard, security
from community.app import create_app
from community.config import get_settings
from community.db import make_engine, metadata
from community.indexing import service as indexing
from community.indexing.backend import synonyms, use_backend
from community.migrate import upgrade
from community.ratelimit import reset_limits
from community.site import service as site_settings
from search.embedded import EmbeddedBackend
from tests.browser.chromium import browser  # noqa: F401  (one Chromium per process)

POSTGRES_ENV = "COMMUNITY_TEST_POSTGRES_URL"

# Hundreds of tests sign in or register: argon2 at its production cost would take minutes.
security.set_hash_cost(security.MINIMAL_COST)


# The database a variant runs on that each marker leaves out.
_LEFT_OUT = {"sqlite_only": "postgres", "postgres_only": "sqlite"}


def _left_out(item: pytest.Item) -> bool:
    callspec = getattr(item, "callspec", None)
    if callspec is None:
        return False
    database = callspec.params.get("database_url")
    return any(
        item.get_closest_marker(marker) and database == other for marker, other in _LEFT_OUT.items()
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    dropped = [item for item in items if _left_out(item)]
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        gone = set(dropped)
        items[:] = [item for item in items if item not in gone]


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
    # A test database need not survive a crash: commits (migrations, tests with real commits,
    # emptying the tables) do not wait for the write-ahead log to reach the disk.
    _postgres_admin(base, f'ALTER DATABASE "{name}" SET synchronous_commit TO off')
    yield make_url(base).set(database=name).render_as_string(hide_password=False)
    _postgres_admin(base, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def migrated_engine(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url)
    upgrade(engine)
    yield engine
    engine.dispose()


def _empty_all_tables(engine: Engine) -> None:
    # DELETE: TRUNCATE of every table takes PostgreSQL over a second, DELETE milliseconds.
    with engine.begin() as conn:
        for table in reversed(metadata.sorted_tables):
            conn.execute(table.delete())


_SAVEPOINT = "test_transaction"


class _OneTransaction:
    """An engine whose sessions and connections all share one database connection and
    one outer transaction. The dialect's begin, commit and rollback become SAVEPOINT,
    RELEASE and ROLLBACK TO, so nested users (the test's session around a request's)
    behave as separate transactions as long as they end in order, which sequential code
    does; a test with threads or other processes needs the `commits` marker."""

    def __init__(self, url: str) -> None:
        self.engine = make_engine(
            url, poolclass=StaticPool, pool_reset_on_return=None, pool_pre_ping=False
        )
        with self.engine.connect():  # the dialect initialises itself on this connection
            pass
        self.dbapi = self.engine.raw_connection().dbapi_connection
        assert self.dbapi is not None
        if self.engine.dialect.name == "sqlite":
            # pysqlite begins transactions on its own and not before a SAVEPOINT; the
            # workaround SQLAlchemy documents: the driver in autocommit, BEGIN by hand.
            self.dbapi.isolation_level = None  # type: ignore[attr-defined]
        dialect = self.engine.dialect
        dialect.do_begin = self._begin  # type: ignore[method-assign]
        dialect.do_commit = self._commit  # type: ignore[method-assign]
        dialect.do_rollback = self._rollback  # type: ignore[method-assign]

    def _run(self, *statements: str) -> None:
        cursor = self.dbapi.cursor()
        try:
            for statement in statements:
                cursor.execute(statement)
        finally:
            cursor.close()

    def _begin(self, _connection: object) -> None:
        self._run(f"SAVEPOINT {_SAVEPOINT}")

    def _commit(self, _connection: object) -> None:
        self._run(f"RELEASE SAVEPOINT {_SAVEPOINT}")

    def _rollback(self, _connection: object) -> None:
        self._run(f"ROLLBACK TO SAVEPOINT {_SAVEPOINT}", f"RELEASE SAVEPOINT {_SAVEPOINT}")

    # How many begin() are open: a module's world (`module_db`) holds the outer transaction,
    # each of its tests a savepoint on top.
    depth = 0

    def begin(self) -> None:
        if self.depth:
            self._run(f"SAVEPOINT level_{self.depth}")
        elif self.engine.dialect.name == "sqlite":
            self._run("BEGIN")
        # psycopg opens the transaction itself before the first statement.
        self.depth += 1

    def rollback(self) -> None:
        self.depth -= 1
        if self.depth:
            level = f"level_{self.depth}"
            self._run(f"ROLLBACK TO SAVEPOINT {level}", f"RELEASE SAVEPOINT {level}")
        else:
            self.dbapi.rollback()


@pytest.fixture(scope="session")
def one_transaction(migrated_engine: Engine) -> Iterator[_OneTransaction]:
    shared = _OneTransaction(migrated_engine.url.render_as_string(hide_password=False))
    yield shared
    shared.engine.dispose()


@pytest.fixture
def engine(
    request: pytest.FixtureRequest, migrated_engine: Engine, one_transaction: _OneTransaction
) -> Iterator[Engine]:
    reset_limits()
    if request.node.get_closest_marker("commits"):
        yield migrated_engine
        _empty_all_tables(migrated_engine)
        return
    one_transaction.begin()
    try:
        yield one_transaction.engine
    finally:
        one_transaction.rollback()


@pytest.fixture(scope="module")
def module_db(one_transaction: _OneTransaction) -> Iterator[Session]:
    """A session for a world that all tests of one module read: built once, inside a
    transaction that stays open until the module's last test; each test runs in a savepoint
    on top of it (the `engine` fixture), so whatever a test changes is gone for the next.
    Close the session before the tests run (a world fixture yields ids, and each test loads
    its objects into its own `db`)."""
    one_transaction.begin()
    try:
        with Session(one_transaction.engine, expire_on_commit=False) as session:
            yield session
    finally:
        one_transaction.rollback()


@pytest.fixture
def production_password_cost() -> Iterator[None]:
    """argon2 at the cost production uses, for the tests of hashing itself."""
    security.set_hash_cost(security.PRODUCTION_COST)
    yield
    security.set_hash_cost(security.MINIMAL_COST)


class LimiterClock:
    """Real time plus what the test has let pass with `advance`."""

    def __init__(self) -> None:
        self.offset = 0.0

    def time(self) -> float:
        return time.time() + self.offset

    def advance(self, seconds: float) -> None:
        self.offset += seconds


@pytest.fixture
def limiter_clock(monkeypatch: pytest.MonkeyPatch) -> LimiterClock:
    """The clock the rate limits and the per-account login delay read (the in-memory
    storage of `limits`, community.ratelimit, login_guard): a test of a wait lets the
    seconds pass with `limiter_clock.advance(s)` instead of sleeping them."""
    clock = LimiterClock()
    for module in (limits.storage.memory, ratelimit, login_guard):
        monkeypatch.setattr(module, "time", clock)
    return clock


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


@pytest.fixture(scope="session")
def shared_app(migrated_engine: Engine) -> FastAPI:
    """One application per test process and database: building one and routing its first
    requests (FastAPI prepares every route on first use) costs about 0.4 s of CPU, which
    thousands of tests would pay again each. The `app` fixture hands it each test's engine."""
    return create_app(get_settings(), migrated_engine)


@pytest.fixture
def app(shared_app: FastAPI, engine: Engine) -> Iterator[FastAPI]:
    """The application on this test's engine. Everything a test may change on it is put
    back afterwards: the engine and settings it reads, dependency overrides. A test that
    needs other settings at construction (body limit, HSTS, API docs) builds its own with
    create_app."""
    shared_app.state.engine = engine
    # Some tests start over with a fresh get_settings(); the app reads the current one.
    shared_app.state.settings = get_settings()
    # Pages cached by an earlier test belong to its rolled-back data.
    shared_app.state.page_cache.clear()
    shared_app.state.post_fragments.clear()
    shared_app.state.thread_share.clear()
    indexing.forget_places()  # the search API's board names and article paths
    site_settings.forget_shared()
    yield shared_app
    shared_app.dependency_overrides.clear()
    shared_app.state.engine = None


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
