"""The page version read straight from the SQLite file (pageversion.LocalReader) or from
PostgreSQL on the event loop (pageversion.LoopReader), as the page cache does on every
anonymous request: it sees every commit at once, never waits for a writer nor long for a
silent server, and steps aside where only the engine's connection knows the truth."""

from __future__ import annotations

import asyncio
import socket
import time
from collections.abc import Coroutine
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine, make_url, text
from sqlmodel import Session

from community import pageversion
from community.db import make_engine
from tests.factories import make_category, make_thread, make_user
from tests.faults.proxy import FaultProxy

T = TypeVar("T")


def _run(coroutine: Coroutine[Any, Any, T]) -> T:
    """On an event loop of its own, in a thread of its own: a browser test before it in this
    process may leave Playwright's event loop registered in the main thread, where
    asyncio.run refuses to start another."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


def _bump(engine: Engine) -> int | None:
    with Session(engine) as session:
        pageversion.bump(session)
        session.commit()
    return pageversion.current(engine)


@pytest.mark.sqlite_only
@pytest.mark.commits
def test_it_sees_each_commit_at_once(engine: Engine) -> None:
    reader = pageversion.LocalReader(engine)
    try:
        first = _bump(engine)
        assert reader.read() == first
        second = _bump(engine)
        assert second != first
        assert reader.read() == second
    finally:
        reader.close()


@pytest.mark.sqlite_only
@pytest.mark.commits
def test_a_writer_in_the_middle_of_its_transaction_is_not_waited_for(engine: Engine) -> None:
    reader = pageversion.LocalReader(engine)
    committed = _bump(engine)
    try:
        with Session(engine) as session:
            pageversion.bump(session)
            session.flush()  # the write lock is held, the new version not yet committed
            assert reader.read() == committed
            session.commit()
        assert reader.read() == pageversion.current(engine) != committed
    finally:
        reader.close()


def test_an_engine_with_one_shared_connection_is_read_through_it(engine: Engine) -> None:
    # The tests' engine shares one connection and one transaction (uncommitted to the
    # file), as an in-memory database would: the reader gives no answer, the caller asks
    # the engine.
    reader = pageversion.LocalReader(engine)
    assert reader.read() is None


def test_another_database_or_none_at_all() -> None:
    assert pageversion.LocalReader(None).read() is None  # type: ignore[arg-type]


@pytest.mark.postgres_only
@pytest.mark.commits
def test_on_postgresql_it_sees_each_commit_at_once_without_leaving_the_loop(
    engine: Engine,
) -> None:
    reader = pageversion.LoopReader(engine)

    async def bump_and_read() -> list[int | None]:
        seen = []
        for _ in range(3):
            seen += [_bump(engine), await reader.read()]
        return seen

    try:
        first, read_first, second, read_second, third, read_third = _run(bump_and_read())
    finally:
        reader.close()
    assert len({first, second, third}) == 3
    assert (read_first, read_second, read_third) == (first, second, third)


@pytest.mark.postgres_only
@pytest.mark.commits
def test_on_postgresql_a_writer_in_the_middle_of_its_transaction_is_not_waited_for(
    engine: Engine,
) -> None:
    reader = pageversion.LoopReader(engine)
    committed = _bump(engine)
    try:
        with Session(engine) as session:
            pageversion.bump(session)
            session.flush()  # the version's row is locked, the new version not committed
            assert _run(reader.read()) == committed
            session.commit()
        assert _run(reader.read()) == pageversion.current(engine) != committed
    finally:
        reader.close()


def test_a_silent_database_server_is_given_up_within_a_quarter_second() -> None:
    """A server that takes the connection and never answers (black-holed behind it): the
    reader gives no answer after LoopReader.READ_SECONDS, and the page cache asks the
    engine, whose own bounds answer 503 (tests/faults)."""
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        port = silent.getsockname()[1]
        reader = pageversion.LoopReader(make_engine(f"postgresql://x@127.0.0.1:{port}/forum"))
        started = time.monotonic()
        answers = _run(reader.read())
        waited = time.monotonic() - started
        reader.close()
    assert answers is None
    assert pageversion.LoopReader.READ_SECONDS <= waited < 1.0


def test_the_loop_reader_steps_aside_for_one_shared_connection_or_sqlite(engine: Engine) -> None:
    # The tests' engine (one connection and its open transaction) on either database, and
    # an SQLite file, which LocalReader reads: no answer, the caller asks as before.
    assert _run(pageversion.LoopReader(engine).read()) is None
    sqlite_file = make_engine("sqlite:////tmp/community-no-such-forum.sqlite3")
    assert _run(pageversion.LoopReader(sqlite_file).read()) is None


@pytest.mark.postgres_only
@pytest.mark.commits
def test_on_postgresql_a_server_that_stops_answering_is_given_up_within_a_quarter_second(
    engine: Engine,
) -> None:
    url = make_url(engine.url)
    proxy = FaultProxy(url.host or "127.0.0.1", url.port or 5432)
    proxied = make_engine(url.set(host="127.0.0.1", port=proxy.port).render_as_string(False))
    reader = pageversion.LoopReader(proxied)
    committed = _bump(engine)

    async def read_then_silence() -> tuple[int | None, int | None, float]:
        before = await reader.read()  # the reader's connection is open
        proxy.blackhole()
        started = time.monotonic()
        during = await reader.read()
        return before, during, time.monotonic() - started

    try:
        before, during, waited = _run(read_then_silence())
        proxy.restore()
        after = _run(reader.read())  # a new loop, a new connection
    finally:
        reader.close()
        proxy.close()
        proxied.dispose()
    assert before == committed == after
    assert during is None
    assert pageversion.LoopReader.READ_SECONDS <= waited < 0.6


@pytest.mark.postgres_only
@pytest.mark.commits
def test_on_postgresql_a_read_given_up_behind_a_lock_leaves_no_statement_waiting(
    engine: Engine,
) -> None:
    """A restore or a migration that locks the version's table: the reader gives up, and
    the server ends its statement too, rather than a waiting backend more per request."""
    reader = pageversion.LoopReader(engine)
    _bump(engine)

    def waiting_readers() -> int:
        with engine.connect() as connection:
            return int(
                connection.execute(
                    text(
                        "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'"
                        " AND query LIKE 'SELECT version FROM page_version%'"
                    )
                ).scalar_one()
            )

    try:
        with engine.connect() as locker:
            locker.execute(text("LOCK TABLE page_version IN ACCESS EXCLUSIVE MODE"))

            async def three_reads() -> list[int | None]:
                return [await reader.read() for _ in range(3)]

            assert _run(three_reads()) == [None, None, None]
            time.sleep(pageversion.LoopReader.READ_SECONDS)
            assert waiting_readers() == 0
            locker.rollback()
        assert _run(reader.read()) == pageversion.current(engine)
    finally:
        reader.close()


@pytest.mark.postgres_only
@pytest.mark.commits
def test_on_postgresql_a_visitor_sees_a_change_on_the_next_request_through_the_loop_reader(
    app: FastAPI, db: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    answered: list[int | None] = []
    real = pageversion.LoopReader.read

    async def read(self: pageversion.LoopReader) -> int | None:
        answered.append(await real(self))
        return answered[-1]

    monkeypatch.setattr(pageversion.LoopReader, "read", read)
    thread = make_thread(
        db, author=make_user(db), category=make_category(db), title="Router tauschen"
    )
    path = f"/t/{thread.id}/{thread.slug}"
    with TestClient(app) as visitor:
        first, kept = visitor.get(path), visitor.get(path)
        thread.title = "Router tauschen, aber welchen"
        db.add(thread)
        db.commit()
        after = visitor.get(path)
    assert first.status_code == kept.status_code == after.status_code == 200
    assert "aber welchen" not in first.text + kept.text
    assert "Router tauschen, aber welchen" in after.text
    # Each version was read on the event loop, none through the engine's thread.
    assert len(answered) == 3 and None not in answered
    assert answered[0] == answered[1] != answered[2]
