"""Engine, metadata naming convention and the request's session."""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from functools import lru_cache
from typing import Any

from sqlalchemy import CursorResult, Engine, Executable, MetaData, String, event
from sqlalchemy import exc as sa_exc
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.pool import StaticPool
from sqlalchemy.sql.functions import FunctionElement
from sqlmodel import Session, SQLModel, create_engine

from community.config import get_settings, require_client

# Named constraints make migrations reproducible on PostgreSQL and SQLite alike.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
SQLModel.metadata.naming_convention = NAMING_CONVENTION
metadata: MetaData = SQLModel.metadata

# The largest value an id column (INTEGER on PostgreSQL) holds; a larger number from a
# request would make the driver raise instead of simply finding nothing.
MAX_ID = 2**31 - 1


def read_values(
    session: Session, statement: Executable, params: Mapping[str, Any] | None = None
) -> CursorResult[*tuple[Any, ...]]:
    """A read of plain values (no ORM objects) through the session's connection, in its
    transaction: for a statement built once per process, without the ORM's work per
    execution (~0.2 ms a statement, a dozen of them on a member's thread page). Pending
    changes are flushed first, as the session's autoflush would."""
    if session.autoflush:
        session.flush()
    return session.connection().execute(statement, params or {})


def _sqlite_pragmas(busy_ms: int) -> Any:
    def set_pragmas(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={busy_ms}")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        # SQLite's defaults, said here since they bound each process's memory (issue 21): a
        # page cache of 2 MB per connection and no memory-mapped reads. Both a larger cache
        # and a map hold pages the kernel's page cache holds anyway, in the process's RSS,
        # once per pooled connection, growing with the pages read up to the database's size
        # (64 MB and 256 MB were here: +4-7 MiB RSS per app process after one benchmark
        # round, more with each page read later). Reads from the kernel's cache cost no
        # more: a full scan of the posts of the 10,000-thread bench takes 37 ms with these,
        # 48-54 ms with the map, and benchmarks/pages.py shows the same CPU per request.
        cursor.execute("PRAGMA cache_size=-2000")  # KiB
        cursor.execute("PRAGMA mmap_size=0")
        cursor.execute("PRAGMA temp_store=MEMORY")
        cursor.close()

    return set_pragmas


# SQLite's lock wait when no statement bound is given (it knows no "for ever").
_SQLITE_DEFAULT_BUSY_SECONDS = 10.0
# The client waits this much longer than the server's statement_timeout, so that a slow
# statement is ended by the server (a clean error) and only silence by the client.
_ROUND_TRIP_GRACE_SECONDS = 2.0


def make_engine(
    url: str,
    *,
    connect_timeout: float | None = None,
    pool_timeout: float | None = None,
    statement_timeout: float | None = None,
    **kwargs: Any,
) -> Engine:
    """An engine whose waits for a connection are bounded (None: the COMMUNITY_DB_* setting).
    Statements are bounded only when a statement_timeout is given: get_engine() gives the
    setting's to the server and the worker; scripts, migrations and tests run unbounded."""
    settings = get_settings()
    connect_s = settings.db_connect_timeout if connect_timeout is None else connect_timeout
    pool_s = settings.db_pool_timeout if pool_timeout is None else pool_timeout
    statement_s = statement_timeout or 0.0
    if url.split(":", 1)[0].split("+", 1)[0] not in ("sqlite", "postgresql"):
        # The two databases the forum runs on; another driver would fail later and deeper
        raise sa_exc.ArgumentError(f"not a database the forum runs on: {url.split(':', 1)[0]}")
    if url.startswith("sqlite"):
        busy_s = statement_s or _SQLITE_DEFAULT_BUSY_SECONDS
        sqlite_args = {"check_same_thread": False, "timeout": busy_s}
        if url in ("sqlite://", "sqlite:///:memory:"):
            kwargs.setdefault("poolclass", StaticPool)
        engine = create_engine(url, connect_args=sqlite_args, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas(int(busy_s * 1000)))
        return engine
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    kwargs.setdefault("pool_pre_ping", True)
    if kwargs.get("poolclass") is not StaticPool:  # one shared connection: nothing to wait for
        kwargs.setdefault("pool_timeout", pool_s)
    connect_args: dict[str, Any] = {
        # libpq counts whole seconds (and at least 2)
        "connect_timeout": max(1, math.ceil(connect_s)),
        "options": f"-c statement_timeout={int(statement_s * 1000)}",
    }
    connect_args.update(kwargs.pop("connect_args", {}))
    require_client("psycopg", "postgres", "COMMUNITY_DATABASE_URL (PostgreSQL)")
    engine = create_engine(url, connect_args=connect_args, **kwargs)
    if engine.dialect.driver == "psycopg":
        bound = statement_s + _ROUND_TRIP_GRACE_SECONDS if statement_s else None
        event.listen(engine, "do_connect", _bounded_connect(bound))
    return engine


def _bounded_connect(round_trip_timeout: float | None) -> Any:
    from community.dbwait import BoundedConnection

    def connect(_dialect: Any, _record: Any, cargs: Any, cparams: Any) -> Any:
        conn = BoundedConnection.connect(*cargs, **cparams)
        conn.round_trip_timeout = round_trip_timeout
        return conn

    return connect


@lru_cache
def get_engine() -> Engine:
    """The engine of `serve` and `worker`: every wait bounded by the settings."""
    settings = get_settings()
    if settings.is_sqlite:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
    return make_engine(
        settings.resolved_database_url, statement_timeout=settings.db_statement_timeout
    )


_maintenance_engines: dict[str, Engine] = {}


def maintenance_engine() -> Engine:
    """The engine of commands that may run long statements on purpose (migrate, seed-demo,
    reindex, backup and restore): connecting is bounded, statements are not. One per
    database URL, since tests point the settings elsewhere between commands."""
    settings = get_settings()
    if settings.is_sqlite:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
    url = settings.resolved_database_url
    if url not in _maintenance_engines:
        _maintenance_engines[url] = make_engine(url)
    return _maintenance_engines[url]


# Faults of the database or the way to it: answered 503 (community/faults.py), and the
# worker's round ends with its claims handed back. An IntegrityError or a ProgrammingError
# is a bug instead and stays a 500 / a failed job.
DATABASE_FAULTS: tuple[type[Exception], ...] = (
    sa_exc.OperationalError,  # refused, reset, timed out, statement_timeout, SQLite locked
    sa_exc.InterfaceError,  # the connection was closed under us
    sa_exc.TimeoutError,  # no pooled connection free within pool_timeout
    sa_exc.DisconnectionError,
)


def is_database_fault(exc: BaseException) -> bool:
    return isinstance(exc, DATABASE_FAULTS)


def is_postgres(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def insert_once(
    session: Session,
    model: Any,
    values: dict[str, Any],
    keys: list[str] | None,
    returning: Any,
) -> Any:
    """INSERT .. ON CONFLICT DO NOTHING on both databases (on the unique `keys`, or on any
    unique constraint); RETURNING tells reliably on both whether this statement added the
    row (None: it was there already). The way to insert a row that a request at the same
    moment may insert too: a savepoint would do on PostgreSQL, but on SQLite one opened
    before the transaction's first write is a transaction of its own, which its release
    commits, out of reach of the request's rollback (pysqlite begins transactions only
    before a write)."""
    insert = dialect_insert(session)
    statement = insert(model).values(**values)
    if keys:
        statement = statement.on_conflict_do_nothing(index_elements=keys)
    else:
        statement = statement.on_conflict_do_nothing()
    return session.execute(statement.returning(returning)).first()


def dialect_insert(session: Session) -> Any:
    """The INSERT of the session's database, with its ON CONFLICT clauses. PostgreSQL's
    dialect module is imported only where it is the database: ~2 MiB of each process's own
    memory on SQLite (issue 21)."""
    if is_postgres(session):
        from sqlalchemy.dialects import postgresql

        return postgresql.insert
    from sqlalchemy.dialects import sqlite

    return sqlite.insert


class JoinedIds(FunctionElement[str]):
    """The ids of a column, joined by commas (NULL for no row), as one value: a list read
    with other values in one statement (split by split_ids). SQLAlchemy's aggregate_strings
    renders its separator into the statement at each execution; this writes it once."""

    type = String()
    name = "joined_ids"
    inherit_cache = True


@compiles(JoinedIds)
def _joined_ids(element: JoinedIds, compiler: Any, **kw: Any) -> str:
    return f"string_agg(CAST({compiler.process(element.clauses, **kw)} AS VARCHAR), ',')"


@compiles(JoinedIds, "sqlite")
def _joined_ids_sqlite(element: JoinedIds, compiler: Any, **kw: Any) -> str:
    return f"group_concat({compiler.process(element.clauses, **kw)}, ',')"


def split_ids(value: str | None) -> set[int]:
    """The ids JoinedIds read."""
    return {int(part) for part in value.split(",")} if value else set()


def session_scope(engine: Engine | None = None) -> Iterator[Session]:
    """One transaction: commit when the block succeeds, roll back when it raises."""
    with Session(engine or get_engine(), expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


# Registers the session events that give the public pages a new version with every change
# they show (community/pageversion.py), wherever a session writes: app, worker, commands.
from community import pageversion  # noqa: E402, F401
