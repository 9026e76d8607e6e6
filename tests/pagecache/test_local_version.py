"""The page version read straight from the SQLite file (pageversion.LocalReader), as the
page cache does on every anonymous request: it sees every commit at once, never waits for
a writer, and steps aside where only the engine's connection knows the truth."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine
from sqlmodel import Session

from community import pageversion


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
