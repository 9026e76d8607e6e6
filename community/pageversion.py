"""The version of what the public pages show, for the page cache of anonymous readers
(community/web/pagecache.py, issue 21).

One row, given a new random value in the same transaction as every write to a table a
public page shows, so a page cached under the version read before its rendering can never
be served once a change is committed: the change and the new version become visible
together. Two session events decide it for every code path at once (a flush, and a bulk
UPDATE, DELETE or INSERT through a session) instead of a call in each service, which a new
path could forget. Bookkeeping that no page shows a visitor (read marks, drafts, jobs,
sessions, notifications, view counts ...) leaves the version alone, so reading, signing in
or the job worker's rounds do not empty the cache.

Random rather than counted: a restored backup or a rolled-back test brings an old value
back, and a counter would then meet the pages cached under it the first time round.
Writes through a bare connection do not pass the session events: a restore calls `renew`,
and the cache's maximum age bounds what others (the demo seeder) leave stale."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
import sqlite3
import threading
import weakref
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from sqlalchemy import BigInteger, Column, Connection, Engine, TextClause, event, inspect, update
from sqlalchemy.orm import ORMExecuteState, Session, SessionTransaction
from sqlalchemy.pool import StaticPool
from sqlmodel import Field, SQLModel

TABLE = "page_version"

log = logging.getLogger(__name__)


class PageVersion(SQLModel, table=True):
    __tablename__ = TABLE

    id: int = Field(default=1, primary_key=True)
    version: int = Field(default=0, sa_column=Column(BigInteger, nullable=False))


# Tables no public page reads: a write to them keeps the cached pages.
BOOKKEEPING = frozenset(
    {
        TABLE,
        "api_tokens",
        "audit_log",
        "category_reads",
        "category_watches",
        "drafts",
        "email_tokens",
        "events",
        "feed_tokens",
        "jobs",
        "notification_settings",
        "notifications",
        "oidc_links",
        "oidc_logout_tokens",
        "oidc_sessions",
        "thread_reads",
        "thread_watches",
        "user_sessions",
        "webhook_attempts",
        "webhook_deliveries",
    }
)
# Columns of shown tables that no public page prints: the batched view counts (a board
# shows them; the cache's maximum age bounds their lag), and a member's private data. Not
# the real name: a staff member's posts show it shortened ("Anna B.", accounts/staff.py).
UNSHOWN_COLUMNS: dict[str, frozenset[str]] = {
    "threads": frozenset({"view_count", "unanswered_notified_at"}),
    "users": frozenset({"password_hash", "email", "company", "locale", "email_verified_at"}),
}

_CHANGED = "page_version_changed"
_BOOKKEEPING_ONLY = "page_version_bookkeeping_only"


def shows(table: str, columns: Iterable[str] | None = None) -> bool:
    """Whether a write to these columns of the table (None: any) may change a page."""
    if table in BOOKKEEPING:
        return False
    unshown = UNSHOWN_COLUMNS.get(table)
    if unshown is None or columns is None:
        return True
    return any(column not in unshown for column in columns)


def _table_of(instance: object) -> str:
    return str(inspect(instance).mapper.local_table.name)  # type: ignore[attr-defined]


def _changed_columns(instance: object) -> list[str]:
    state = inspect(instance)
    return [attr.key for attr in state.attrs if attr.history.has_changes()]  # type: ignore[union-attr]


@event.listens_for(Session, "after_flush")
def _after_flush(session: Session, _context: Any) -> None:
    # The new, dirty and deleted lists and the attribute histories still show the flush.
    if session.info.get(_CHANGED):
        return
    for instance in [*session.new, *session.deleted]:
        if shows(_table_of(instance)):
            session.info[_CHANGED] = True
            return
    for instance in session.dirty:
        changed = _changed_columns(instance)  # empty: set to the value it had
        if changed and shows(_table_of(instance), changed):
            session.info[_CHANGED] = True
            return


@event.listens_for(Session, "do_orm_execute")
def _bulk_write(state: ORMExecuteState) -> None:
    """UPDATE, DELETE and INSERT statements run through a session, which no flush sees."""
    session = state.session
    if session.info.get(_CHANGED):
        return
    statement: Any = state.statement
    if isinstance(statement, TextClause):
        # Literal SQL names no table: a write of unknown kind counts as a change.
        words = statement.text.lstrip().split(None, 1)
        if words and words[0].lower() in ("insert", "update", "delete"):
            session.info[_CHANGED] = True
        return
    if not (state.is_update or state.is_delete or state.is_insert):
        return
    table = getattr(getattr(statement, "table", None), "name", None)
    if table is None:
        session.info[_CHANGED] = True
        return
    columns: list[str] | None = None
    if state.is_update:
        values = getattr(statement, "_values", None) or {}
        columns = [getattr(key, "key", str(key)) for key in values] or None
    if shows(str(table), columns):
        session.info[_CHANGED] = True


@event.listens_for(Session, "before_commit")
def _bump_before_commit(session: Session) -> None:
    # Flushed first, so the version row is the last one the transaction locks: two writers
    # then never wait for each other's rows in opposite order (PostgreSQL).
    session.flush()
    if session.info.get(_CHANGED) and not session.info.get(_BOOKKEEPING_ONLY):
        bump(session)


@event.listens_for(Session, "after_transaction_end")
def _forget(session: Session, transaction: SessionTransaction) -> None:
    # Only at the end of the outermost transaction: a savepoint rolled back or released
    # leaves the writes before it, which still need their new version.
    if transaction.parent is None:
        session.info.pop(_CHANGED, None)
        session.info.pop(_BOOKKEEPING_ONLY, None)


def bookkeeping_only(session: Session) -> None:
    """This transaction writes a row no page shows in a table pages do read (the worker's
    heartbeat among the site settings): it keeps the cached pages."""
    session.info[_BOOKKEEPING_ONLY] = True


def bump(session: Session) -> None:
    """A new version in the session's transaction (also for a change no event sees)."""
    table = PageVersion.__table__  # type: ignore[attr-defined]
    value = secrets.randbits(62) + 1
    result: Any = session.execute(update(table).where(table.c.id == 1).values(version=value))
    if result.rowcount == 0:  # emptied by hand (the tests' table cleaning): begin again
        session.execute(table.insert().values(id=1, version=value))


def renew(connection: Connection) -> None:
    """A new version outside any session: after a restore, whose version row is an old one.
    A page kept under it may show a change committed while the page was rendered, harmless
    while that version is past, wrong once it is back."""
    if connection.dialect.has_table(connection, TABLE):
        table = PageVersion.__table__  # type: ignore[attr-defined]
        value = secrets.randbits(62) + 1
        if connection.execute(update(table).values(version=value)).rowcount == 0:
            connection.execute(table.insert().values(id=1, version=value))


_READ = "SELECT version FROM page_version WHERE id = 1"


def current(engine: Engine) -> int | None:
    """The committed version; None when the row is missing (then nothing is cached)."""
    with engine.connect() as connection:
        return read(connection)


def read(connection: Connection) -> int | None:
    """The version as this connection sees it (a request's own, before it reads a page)."""
    value = connection.exec_driver_sql(_READ).scalar()
    return int(value) if value is not None else None


class LocalReader:
    """The committed version straight from an SQLite file, in the calling thread: the page
    cache asks on every request of an anonymous reader, on the event loop. Through the
    engine in a worker thread that cost ~170 µs of pool and ORM work plus the hop to the
    thread and back, whose waits for the interpreter's lock behind the loop (5 ms turns)
    made the cached pages' tail (issue 21); one statement on a connection of our own costs
    ~20 µs. A reader in WAL mode never waits for a writer, and the statement is a
    transaction of its own, so it sees every commit before it, as `current` does.

    `read` answers None when it cannot answer at once (the file locked, the table missing,
    another thread using the connection): the caller then reads through the engine, with
    its timeouts and faults. Only for an SQLite file behind a real pool; an engine with one
    shared connection (in memory, the tests' one transaction) may hold uncommitted changes
    that only that connection sees."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        url = engine.url if isinstance(engine, Engine) else None
        database = (url.database if url is not None else None) or ""
        # A URI that opens the existing file only (a plain path would create a missing one).
        self.path = (
            Path(database).absolute().as_uri() + "?mode=rw"
            if url is not None
            and url.get_backend_name() == "sqlite"
            and database not in ("", ":memory:")
            and not database.startswith("file:")
            and not url.query
            and not isinstance(engine.pool, StaticPool)
            else None
        )
        self._connection: sqlite3.Connection | None = None
        self._lock = threading.Lock()

    def read(self) -> int | None:
        if self.path is None or not self._lock.acquire(blocking=False):
            return None
        try:
            if self._connection is None:
                # Never waits for a lock (busy_timeout 0) and never writes.
                connection = sqlite3.connect(
                    self.path, timeout=0, isolation_level=None, check_same_thread=False, uri=True
                )
                connection.execute("PRAGMA query_only=1")
                self._connection = connection
            # fetchall: the statement runs to its end, so no read transaction stays open.
            rows = self._connection.execute(_READ).fetchall()
        except sqlite3.Error:
            return None
        finally:
            self._lock.release()
        return int(rows[0][0]) if rows and rows[0][0] is not None else None

    def close(self) -> None:
        with self._lock:
            if self._connection is not None:
                self._connection.close()
                self._connection = None


class LoopReader:
    """The committed version from PostgreSQL without leaving the event loop: one connection
    of its own per process (psycopg's asynchronous one, each statement its own
    transaction), for the page cache's read on every request of an anonymous reader.
    Through the engine in a worker thread that read cost a pool checkout with its ping, two
    round trips and the hop to the thread and back, which waits for the interpreter's lock
    behind the loop: the cached pages answered at 16-20 % of /healthz with a p99 of 8-17
    times their p50 (issue 21, benchmarks/pages.py --postgres).

    One statement at a time, each sent after its caller arrived, so it sees every commit
    before that. `read` answers None when it cannot answer soon (READ_SECONDS to wait for
    its turn and connect, as long again for the statement: a hung or gone server, a locked
    table, a queue of readers) or at all (another database, an engine with one shared
    connection, whose uncommitted changes only that connection sees, a second event loop
    while the first runs): the caller then reads through the engine, with its timeouts and
    faults. The server ends a statement it could not answer in time itself (a reader given
    up on would otherwise leave it waiting on a lock, a backend more each time)."""

    READ_SECONDS = 0.25

    def __init__(self, engine: Engine) -> None:
        url = engine.url if isinstance(engine, Engine) else None
        self.conninfo = (
            url.set(drivername="postgresql").render_as_string(hide_password=False)
            if url is not None
            and url.get_backend_name() == "postgresql"
            and not isinstance(engine.pool, StaticPool)
            else None
        )
        self._connection: Any = None  # psycopg.AsyncConnection, made on the first read
        self._lock: asyncio.Lock | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    async def read(self) -> int | None:
        if self.conninfo is None:
            return None
        loop = asyncio.get_running_loop()
        if self._loop is not loop:  # a connection and a lock belong to one loop
            if self._loop is not None and self._loop.is_running():
                return None  # another loop's (the tests' clients have one each)
            self._drop()
            self._loop, self._lock = loop, asyncio.Lock()
        lock = self._lock
        assert lock is not None
        deadline = loop.time() + self.READ_SECONDS
        try:
            async with asyncio.timeout_at(deadline):
                await lock.acquire()
        except TimeoutError:  # the readers before take too long: the engine's way
            return None
        try:
            if self._connection is None:
                # psycopg, the PostgreSQL extra: only its engines come here.
                from community.dbwait import BoundedAsyncConnection

                bound = int(self.READ_SECONDS * 1000)
                async with asyncio.timeout_at(deadline):
                    self._connection = await BoundedAsyncConnection.connect(
                        self.conninfo,
                        autocommit=True,
                        options=f"-c statement_timeout={bound} -c lock_timeout={bound}",
                    )
                self._connection.round_trip_timeout = self.READ_SECONDS
            cursor = await self._connection.execute(_READ)
            row = await cursor.fetchone()
        except Exception as exc:  # whatever it is, the engine's way answers
            # A server gone or silent, a table missing or locked. Half a conversation may
            # be left on the socket: the connection is never used again.
            self._drop()
            expected = isinstance(exc, TimeoutError | OSError) or _from_psycopg(exc)
            log.log(logging.DEBUG if expected else logging.WARNING, "page version: %r", exc)
            return None
        finally:
            lock.release()
        return int(row[0]) if row is not None and row[0] is not None else None

    def close(self) -> None:
        self._drop()

    def _drop(self) -> None:
        """Let the connection go at once (its socket closed without a round trip)."""
        connection, self._connection = self._connection, None
        if connection is not None:
            with contextlib.suppress(Exception):
                connection.pgconn.finish()


def _from_psycopg(exc: BaseException) -> bool:
    return type(exc).__module__.partition(".")[0] == "psycopg"


# One reader per engine, shared by what reads the version on the event loop (the page
# cache, the search API's kept places): one SQLite connection more per process, not one
# each. A reader in use by another thread answers None, and its caller reads through the
# engine as it would otherwise.
_local_readers: weakref.WeakKeyDictionary[Engine, LocalReader] = weakref.WeakKeyDictionary()
_loop_readers: weakref.WeakKeyDictionary[Engine, LoopReader] = weakref.WeakKeyDictionary()


def local_reader(engine: Engine) -> LocalReader:
    if not isinstance(engine, Engine):  # no engine (yet): a reader that never answers
        return LocalReader(engine)
    reader = _local_readers.get(engine)
    if reader is None:
        reader = _local_readers.setdefault(engine, LocalReader(engine))
    return reader


def close_readers(engine: Engine) -> None:
    """Close the connections of this engine's readers (the app's shutdown)."""
    for readers in (_local_readers, _loop_readers):
        reader = readers.pop(engine, None) if isinstance(engine, Engine) else None
        if reader is not None:
            reader.close()


async def read_on_loop(engine: Engine) -> int | None:
    """The committed version read without leaving the event loop where the database allows
    it (an SQLite file, PostgreSQL); None when it cannot be read so (then read it through
    the engine)."""
    version = local_reader(engine).read()
    if version is not None or not isinstance(engine, Engine):
        return version
    reader = _loop_readers.get(engine)
    if reader is None:
        reader = _loop_readers.setdefault(engine, LoopReader(engine))
    return await reader.read()
