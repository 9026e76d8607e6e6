"""Each app process's memory (issue 21: <= 100 MiB RSS): SQLite's pooled connections hold no
map of the database, whose pages would count in the process's RSS once per connection."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from community.db import make_engine


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc/self/maps")
def test_sqlite_connections_read_without_mapping_the_database(tmp_path: Path) -> None:
    database = tmp_path / "forum.sqlite3"
    engine = make_engine(f"sqlite:///{database}")
    try:
        with engine.begin() as connection:
            connection.exec_driver_sql("CREATE TABLE t (x TEXT)")
            connection.exec_driver_sql("INSERT INTO t VALUES (zeroblob(200000))")
        with engine.connect() as connection:  # the rows into the database file, out of the WAL
            connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        with engine.connect() as first, engine.connect() as second:
            for connection in (first, second):
                assert connection.exec_driver_sql("SELECT length(x) FROM t").scalar() == 200000
            # WAL's index (forum.sqlite3-shm) is mapped by design; the database itself not.
            maps = Path("/proc/self/maps").read_text().splitlines()
            mapped = {line.split(maxsplit=5)[-1] for line in maps}
            assert str(database) not in mapped
    finally:
        engine.dispose()
