"""`community backup` and `community restore`: pg_dump / pg_restore on PostgreSQL, the
online backup API on SQLite. A restore rebuilds the search index, which is not backed up
(it is derived from the database and would not match it otherwise)."""

from __future__ import annotations

import os
import re
import shutil
import sqlite3
import subprocess
from pathlib import Path

from sqlalchemy import Engine, make_url
from sqlmodel import Session

from community import pageversion
from community.sequences import sync_sequences

PG_MAGIC = b"PGDMP"
SQLITE_MAGIC = b"SQLite format 3\x00"


class BackupError(Exception):
    """Said to the operator as it is; nothing was changed when it is raised before a restore."""


def _pg_target(engine: Engine) -> tuple[str, dict[str, str]]:
    """A libpq URI without the password, which goes in PGPASSWORD (not visible in `ps`)."""
    url = engine.url
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    plain = make_url(url.render_as_string(hide_password=False)).set(
        drivername="postgresql", password=None
    )
    return plain.render_as_string(hide_password=False), env


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        # The app image has none: the compose setup dumps with the database container's.
        raise BackupError(
            f"{name} was not found; install the PostgreSQL client tools of the server's major "
            f"version, or run the database container's own: docker compose exec -T db {name} …"
        )
    return path


def _check_pg_dump_version(engine: Engine, pg_dump: str, env: dict[str, str]) -> None:
    """pg_dump refuses a server of a newer major version; say so with the way out, before
    it runs. (An older server is fine: pg_dump reads back to 9.2.)"""
    with engine.connect() as conn:
        server = int(conn.exec_driver_sql("SHOW server_version_num").scalar_one()) // 10000
    result = subprocess.run(  # noqa: S603 - a fixed argument list
        [pg_dump, "--version"], env=env, capture_output=True, text=True, check=False
    )
    # "pg_dump (PostgreSQL) 15.20 (Debian 15.20-0+deb12u1)"
    match = re.search(r"\)\s+(\d+)", result.stdout)
    tool = int(match.group(1)) if match else None
    if tool is not None and tool < server:
        raise BackupError(
            f"pg_dump {tool} ({pg_dump}) cannot back up PostgreSQL {server}: the client tools "
            f"must be of version {server} or newer. Install them (Debian/Ubuntu: "
            f"postgresql-client-{server}, from apt.postgresql.org if the release lacks it), "
            "or dump with the database container's own tools: docker compose exec -T db "
            "pg_dump -U community --format=custom community > community.dump"
        )


def _run(args: list[str], env: dict[str, str]) -> None:
    # An argument list, no shell: the URL and file name cannot become commands.
    result = subprocess.run(args, env=env, capture_output=True, text=True, check=False)  # noqa: S603
    if result.returncode != 0:
        raise BackupError(f"{Path(args[0]).name} failed: {result.stderr.strip()[-2000:]}")


def _sqlite_file(engine: Engine) -> Path:
    database = engine.url.database
    if not database or database == ":memory:":
        raise BackupError("an in-memory database cannot be backed up")
    return Path(database)


def backup(engine: Engine, target: Path) -> Path:
    """Write a consistent copy of the database to `target` while the forum keeps running."""
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".partial")
    if engine.dialect.name == "postgresql":
        uri, env = _pg_target(engine)
        pg_dump = _tool("pg_dump")
        _check_pg_dump_version(engine, pg_dump, env)
        _run(
            [
                pg_dump,
                "--format=custom",
                "--no-owner",
                "--no-acl",
                "--file",
                str(partial),
                uri,
            ],
            env,
        )
    elif engine.dialect.name == "sqlite":
        database = _sqlite_file(engine)
        if not database.is_file():
            # Connecting would create an empty file, and a nightly job without the forum's
            # settings would write empty backups every night and report success.
            raise BackupError(
                f"no database at {database}: set COMMUNITY_DATABASE_URL or COMMUNITY_DATA_DIR "
                "as for the forum"
            )
        source = sqlite3.connect(database)
        copy = sqlite3.connect(partial)
        try:
            with copy:
                source.backup(copy)
        finally:
            copy.close()
            source.close()
    else:
        raise BackupError(f"no backup for {engine.dialect.name}")
    # Renamed only when complete: a file under the final name is always a whole backup.
    partial.replace(target)
    return target


def restore(engine: Engine, source: Path) -> None:
    """Replace the database's content with the backup's, then rebuild the search index."""
    if not source.is_file():
        raise BackupError(f"{source} does not exist")
    with source.open("rb") as file:
        head = file.read(16)
    _claim_search_index()
    if engine.dialect.name == "postgresql":
        if not head.startswith(PG_MAGIC):
            raise BackupError(f"{source} is not a pg_dump backup (community backup on PostgreSQL)")
        uri, env = _pg_target(engine)
        engine.dispose()  # our idle connections must not hold the tables pg_restore drops
        _run(
            [
                _tool("pg_restore"),
                "--clean",
                "--if-exists",
                "--no-owner",
                "--no-acl",
                "--single-transaction",
                "--exit-on-error",
                "--dbname",
                uri,
                str(source),
            ],
            env,
        )
    elif engine.dialect.name == "sqlite":
        if not head.startswith(SQLITE_MAGIC):
            raise BackupError(f"{source} is not an SQLite backup (community backup on SQLite)")
        engine.dispose()
        backup_db = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
        live = sqlite3.connect(_sqlite_file(engine))
        try:
            with live:
                backup_db.backup(live)
        finally:
            live.close()
            backup_db.close()
    else:
        raise BackupError(f"no restore for {engine.dialect.name}")
    # A dump taken by another tool (or with --data-only) may carry no setval: the next
    # INSERT must not collide with a restored row.
    with engine.begin() as connection:
        sync_sequences(connection)
        pageversion.renew(connection)  # no page kept before the restore is served again
    rebuild_search_index(engine)


def _claim_search_index() -> None:
    """The restore rebuilds the embedded index: refused, before the database is touched,
    while a running worker writes it."""
    from community.indexing.backend import IndexWriterTaken, claim_index_writer

    try:
        claim_index_writer()
    except IndexWriterTaken as exc:
        raise BackupError(f"{exc} Stop the app and the worker before a restore.") from exc


def rebuild_search_index(engine: Engine) -> int:
    from community.indexing.service import reindex

    with Session(engine) as session:
        return reindex(session)
