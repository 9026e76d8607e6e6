"""Back up, change the forum, restore: the forum (and its search) is as it was at the backup."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from sqlmodel import select
from typer.testing import CliRunner

from community import pageversion
from community.accounts.models import User
from community.accounts.viewer import Viewer
from community.backup import BackupError, backup, restore
from community.forum.models import Category, Thread
from community.indexing import service as indexing
from community.jobs.worker import Worker
from tests.factories import make_category, make_reply, make_thread, make_user

pytestmark = pytest.mark.commits


def _titles(db) -> set[str]:  # type: ignore[no-untyped-def]
    db.expire_all()
    return {t.title for t in db.exec(select(Thread))}


def _found(db, q: str) -> set[str]:  # type: ignore[no-untyped-def]
    results = indexing.search(db, Viewer(), indexing.SearchQuery(q=q))
    return {h.title for h in results.hits}


def test_restore_brings_back_the_state_of_the_backup(db, engine, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    member = make_user(db, nickname="Sichernde")
    board = make_category(db, slug="mobilfunk")
    kept = make_thread(db, author=member, category=board, title="Roaming in Norwegen")
    make_reply(db, author=member, thread=kept, body="Gilt ab dem ersten Tag.")
    Worker(engine).run_until_empty()
    assert _found(db, "Norwegen") == {"Roaming in Norwegen"}

    file = backup(engine, tmp_path / "backups" / "forum.backup")
    assert file.stat().st_size > 0
    assert not list(file.parent.glob("*.partial"))
    at_backup = pageversion.current(engine)

    # After the backup: a thread is deleted from the database, another one added.
    added = make_thread(db, author=member, category=board, title="Tarif für Glasfaser")
    db.delete(db.get(Thread, kept.id))
    db.commit()
    Worker(engine).run_until_empty()
    assert _titles(db) == {"Tarif für Glasfaser"}
    assert _found(db, "Glasfaser") == {"Tarif für Glasfaser"}

    kept_id, added_id, member_id, board_id = kept.id, added.id, member.id, board.id
    db.close()  # no transaction of ours may be open while the database is replaced
    restore(engine, file)

    assert _titles(db) == {"Roaming in Norwegen"}
    # A page kept under the backup's version may show a change committed while it was
    # rendered: the restore gives a new version instead of bringing that one back.
    assert pageversion.current(engine) not in (None, at_backup)
    restored = db.get(Thread, kept_id)
    assert restored is not None and restored.reply_count == 1
    assert db.get(Thread, added_id) is None
    # The index was rebuilt from the restored database: no thread that is gone, the old one back.
    assert _found(db, "Norwegen") == {"Roaming in Norwegen"}
    assert _found(db, "Glasfaser") == set()
    # The forum goes on writing after the restore (sequences restored as well).
    again = make_thread(
        db,
        author=db.get(User, member_id),
        category=db.get(Category, board_id),
        title="Nach der Wiederherstellung",
    )
    assert again.id is not None and again.id > kept_id  # type: ignore[operator]


def test_a_file_that_is_no_backup_is_refused_and_changes_nothing(db, engine, tmp_path) -> None:  # type: ignore[no-untyped-def]
    member = make_user(db)
    make_thread(db, author=member, category=make_category(db), title="Dieses Thema bleibt da")
    junk = tmp_path / "not-a-backup.dump"
    junk.write_text("hello")
    with pytest.raises(BackupError, match="is not a"):
        restore(engine, junk)
    with pytest.raises(BackupError, match="does not exist"):
        restore(engine, tmp_path / "missing.dump")
    assert _titles(db) == {"Dieses Thema bleibt da"}


def test_backup_and_restore_commands(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """The commands on a fresh SQLite installation, as an operator runs them."""
    from community.cli import app
    from community.config import get_settings
    from community.db import get_engine

    def reset() -> None:
        if get_engine.cache_info().currsize:
            get_engine().dispose()
        get_engine.cache_clear()
        get_settings.cache_clear()

    reset()
    monkeypatch.setenv("COMMUNITY_DATABASE_URL", f"sqlite:///{tmp_path / 'cli.sqlite3'}")
    monkeypatch.setenv("COMMUNITY_DATA_DIR", str(tmp_path / "data"))
    runner = CliRunner(env={"COLUMNS": "200"})
    try:
        assert runner.invoke(app, ["migrate"]).exit_code == 0
        created = runner.invoke(app, ["create-admin", "--email", "a@example.com"])
        assert created.exit_code == 0, created.output
        made = runner.invoke(app, ["backup"])
        assert made.exit_code == 0, made.output
        (file,) = (tmp_path / "data" / "backups").glob("community-*.sqlite3")
        second = runner.invoke(
            app, ["create-admin", "--email", "b@example.com", "--nickname", "Zweite"]
        )
        assert second.exit_code == 0, second.output

        refused = runner.invoke(app, ["restore", str(file)], input="n\n")
        assert refused.exit_code != 0
        restored = runner.invoke(app, ["restore", str(file), "--yes"])
        assert restored.exit_code == 0, restored.output
        from sqlalchemy import text

        with get_engine().connect() as conn:
            emails = set(conn.execute(text("SELECT email FROM users")).scalars())
        assert emails == {"a@example.com"}
    finally:
        reset()


@pytest.mark.postgres_only  # pg_dump backs up PostgreSQL only
def test_a_pg_dump_older_than_the_server_is_refused_with_the_way_out(
    engine, tmp_path: Path, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    tools = tmp_path / "bin"
    tools.mkdir()
    fake = tools / "pg_dump"
    # An old client, as a slim image with the distribution's tools may have.
    fake.write_text('#!/bin/sh\necho "pg_dump (PostgreSQL) 9.6.24"\n')
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", f"{tools}{os.pathsep}{os.environ['PATH']}")
    with engine.connect() as conn:
        server = int(conn.exec_driver_sql("SHOW server_version_num").scalar_one()) // 10000
    with pytest.raises(BackupError) as refused:
        backup(engine, tmp_path / "forum.backup")
    message = str(refused.value)
    assert f"pg_dump 9 ({fake}) cannot back up PostgreSQL {server}" in message
    assert f"postgresql-client-{server}" in message and "docker compose exec" in message
    assert not (tmp_path / "forum.backup").exists()
