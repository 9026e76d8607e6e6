"""The `community` command as an operator uses it, against a fresh SQLite file.

The CLI reads the database from COMMUNITY_DATABASE_URL through the cached
get_settings()/get_engine(); each test points them at its own file and restores them."""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, inspect, select
from sqlmodel import Session
from typer.testing import CliRunner

from community.accounts import service as accounts
from community.accounts.models import ApiToken, Group, User
from community.app import create_app
from community.blog.models import Article
from community.cli import app, demo_on_first_start
from community.config import Settings, get_settings
from community.db import get_engine
from community.demo import BOARDS, CLOSED_BOARD, MEMBERS, NEWCOMERS
from community.forum.models import Category, CategoryGroup, Post, Thread
from community.ideas.demo import BOARD as IDEAS_BOARD
from community.ideas.demo import DEMO_IDEAS
from community.jobs.models import Job, JobStatus
from community.mailer import OutgoingMail

# A narrow terminal: a secret printed once must still come out in one piece to copy.
# German unless a test says otherwise, whatever the machine's locale.
GERMAN: dict[str, str | None] = {"LANG": "C.UTF-8", "LC_ALL": None, "LC_MESSAGES": None}
runner = CliRunner(env={"COLUMNS": "40", **GERMAN})
SHOWN_ONCE = re.compile(r"angezeigt\): (\S+)\n")


def _reset_caches() -> None:
    if get_engine.cache_info().currsize:
        get_engine().dispose()
    get_engine.cache_clear()
    get_settings.cache_clear()


@pytest.fixture
def cli_engine(tmp_path, monkeypatch) -> Iterator[Engine]:
    """An empty SQLite file that the CLI (and only this test) uses."""
    _reset_caches()
    monkeypatch.setenv("COMMUNITY_DATABASE_URL", f"sqlite:///{tmp_path / 'cli.sqlite3'}")
    yield get_engine()
    _reset_caches()


@pytest.fixture(scope="session")
def migrated_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A file `community migrate` brought to the newest schema, once per test process: the
    tests that start from a migrated database each get a copy (a migration takes seconds)."""
    path = tmp_path_factory.mktemp("cli") / "migrated.sqlite3"
    env = pytest.MonkeyPatch()
    _reset_caches()
    env.setenv("COMMUNITY_DATABASE_URL", f"sqlite:///{path}")
    try:
        result = runner.invoke(app, ["migrate"])
        assert result.exit_code == 0, result.output
    finally:
        _reset_caches()
        env.undo()
    return path


@pytest.fixture
def migrated(cli_engine: Engine, migrated_file: Path) -> Engine:
    # SQLite's backup copies the whole database, also what is still in its write-ahead log.
    with (
        closing(sqlite3.connect(migrated_file)) as source,
        closing(sqlite3.connect(str(cli_engine.url.database))) as copy,
    ):
        source.backup(copy)
    return cli_engine


def invoke(*args: str) -> Any:
    return runner.invoke(app, list(args))


def test_migrate_creates_the_schema_and_can_run_again(cli_engine):
    first = invoke("migrate")
    again = invoke("migrate")

    assert first.exit_code == 0, first.output
    assert again.exit_code == 0, again.output
    assert "neuesten Stand" in first.output
    tables = set(inspect(cli_engine).get_table_names())
    assert {"users", "categories", "threads", "posts", "jobs", "alembic_version"} <= tables


def test_create_admin_prints_a_generated_password_that_logs_in(migrated):
    result = invoke("create-admin", "--email", "Chefin@Example.com", "--nickname", "Leitung")

    assert result.exit_code == 0, result.output
    [password] = SHOWN_ONCE.findall(result.output)
    assert len(password) >= 12
    with Session(migrated) as session:
        admin = accounts.authenticate(session, "chefin@example.com", password)
        assert admin.nickname == "Leitung"
        assert admin.is_admin
        assert admin.is_staff
        assert admin.is_verified
        # Only a hash is kept: the printed password is its one appearance.
        assert password not in admin.password_hash


def test_create_admin_with_a_given_password_does_not_print_it(migrated):
    password = "ein-langes-Admin-Passwort-1"
    result = invoke("create-admin", "--email", "ops@example.com", "--password", password)

    assert result.exit_code == 0, result.output
    assert password not in result.output
    assert SHOWN_ONCE.findall(result.output) == []
    with Session(migrated) as session:
        assert accounts.authenticate(session, "ops@example.com", password).is_admin


def test_create_admin_twice_for_one_address_fails_without_a_traceback(migrated):
    assert invoke("create-admin", "--email", "chef@example.com").exit_code == 0

    again = invoke("create-admin", "--email", "chef@example.com", "--nickname", "Zweiter")

    assert again.exit_code == 1
    assert "schon ein Konto" in " ".join(again.output.split())
    assert SHOWN_ONCE.findall(again.output) == []
    with Session(migrated) as session:
        assert len(session.execute(select(User)).scalars().all()) == 1


def _counters(engine: Engine) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    with Session(engine) as session:
        boards = [
            (c.slug, c.thread_count, c.post_count, c.last_thread_id)
            for c in session.execute(select(Category).order_by(Category.id)).scalars()  # type: ignore[arg-type]
        ]
        threads = [
            (t.id, t.reply_count, t.last_post_id, t.last_poster_id, t.last_post_at)
            for t in session.execute(select(Thread).order_by(Thread.id)).scalars()  # type: ignore[arg-type]
        ]
    return boards, threads


def test_seed_demo_fills_german_boards_with_members_and_threads(migrated):
    result = invoke("seed-demo", "--threads", "30")

    assert result.exit_code == 0, result.output
    assert "30 Themen angelegt" in result.output
    with Session(migrated) as session:
        boards = {c.name: c for c in session.execute(select(Category)).scalars()}
        assert set(boards) == {
            "Festnetz",
            "Mobilfunk",
            "Internet",
            "Telefonie",
            "TK-Anlagen & Endgeräte",
            "Homepages & Shops",
            "Großkunden",
            "Ideen",  # community/ideas/demo.py
        }
        assert {name for _slug, name, _ in [*BOARDS, CLOSED_BOARD, IDEAS_BOARD]} == set(boards)
        closed = select(CategoryGroup.category_id, Group.slug).join(Group)  # type: ignore[call-overload]
        restricted = session.execute(closed).all()
        assert [(cid, slug) for cid, slug in restricted] == [
            (boards["Großkunden"].id, "grosskunden")
        ]

        users = session.execute(select(User)).scalars().all()
        # The members, and two newcomers whose posts staff meet (spam, held for approval).
        assert len(users) == len(MEMBERS) + len(NEWCOMERS) == 14
        assert all(u.nickname and u.nickname_key == u.nickname.casefold() for u in users)
        assert any(u.is_staff for u in users)

        # The demo blog's two published articles hold their comments in threads of their own.
        articles = session.execute(select(Article)).scalars().all()
        assert sorted(a.status for a in articles) == ["published", "published", "review"]
        comment_threads = {a.thread_id for a in articles} - {None}
        assert len(comment_threads) == 2
        threads = [
            t
            for t in session.execute(select(Thread).where(Thread.is_pending == False)).scalars()  # noqa: E712
            if t.id not in comment_threads
        ]
        assert len(threads) == 30 + DEMO_IDEAS
        # The first threads go round every board, the closed one included.
        assert {t.category_id for t in threads} == {c.id for c in boards.values()}
        posts = session.execute(select(Post)).scalars().all()
        for thread in threads:
            own = [p for p in posts if p.thread_id == thread.id]
            assert sum(p.is_opening for p in own) == 1
            assert thread.reply_count == sum(not p.is_opening and not p.is_hidden for p in own)
            assert all(p.body_html.strip() for p in own)


def test_seeded_counters_match_what_recompute_counters_computes(migrated):
    assert invoke("seed-demo", "--threads", "30").exit_code == 0
    seeded = _counters(migrated)

    result = invoke("recompute-counters")

    assert result.exit_code == 0, result.output
    # The 30, the newcomer's question held for approval, the ideas and the demo blog's two
    # comment threads.
    assert f"{33 + DEMO_IDEAS} Themen nachgezählt" in " ".join(result.output.split())
    assert _counters(migrated) == seeded
    boards, _threads = seeded
    assert sum(thread_count for _slug, thread_count, _posts, _last in boards) == 32 + DEMO_IDEAS


def test_seed_demo_twice_adds_threads_to_the_same_boards(migrated):
    assert invoke("seed-demo", "--threads", "5").exit_code == 0
    assert invoke("seed-demo", "--threads", "5", "--seed", "2").exit_code == 0

    with Session(migrated) as session:
        assert len(session.execute(select(Thread)).scalars().all()) == 10 + DEMO_IDEAS  # once
        assert len(session.execute(select(Category)).scalars().all()) == 8
        assert len(session.execute(select(User)).scalars().all()) == 12


def test_worker_once_sends_queued_mail_and_exits(migrated, monkeypatch):
    sent: list[OutgoingMail] = []
    monkeypatch.setattr("community.accounts.mail.send_mail", sent.append)
    with Session(migrated) as session:
        accounts.register(
            session,
            email="neu@example.com",
            password="ein-sehr-sicheres-Passwort-42",
            nickname="Neukundin",
        )
        session.commit()

    result = invoke("worker", "--once")

    assert result.exit_code == 0, result.output
    assert "1 Aufträge erledigt" in result.output
    assert [m.to for m in sent] == ["neu@example.com"]
    with Session(migrated) as session:
        [job] = session.execute(select(Job)).scalars().all()
        assert job.status == JobStatus.done


def test_worker_once_on_an_empty_queue_exits_at_once(migrated):
    result = invoke("worker", "--once")

    assert result.exit_code == 0, result.output
    assert "0 Aufträge erledigt" in result.output


def test_created_token_reads_events_as_bearer(migrated):
    result = invoke("create-token", "--name", "CRM", "--scope", "events:read")

    assert result.exit_code == 0, result.output
    [raw] = SHOWN_ONCE.findall(result.output)
    with TestClient(create_app(get_settings(), migrated)) as client:
        with_token = client.get("/api/v1/events", headers={"Authorization": f"Bearer {raw}"})
        without = client.get("/api/v1/events")
        wrong = client.get("/api/v1/events", headers={"Authorization": f"Bearer {raw}x"})

    assert with_token.status_code == 200, with_token.text
    assert with_token.json()["items"] == []
    assert without.status_code in (401, 403)
    assert wrong.status_code in (401, 403)
    assert wrong.json()["error"] == "invalid_token"
    with Session(migrated) as session:
        [token] = session.execute(select(ApiToken)).scalars().all()
        assert token.name == "CRM"
        assert token.scopes == "events:read"
        assert raw not in token.token_hash


def test_token_without_the_events_scope_is_refused_on_events(migrated):
    result = invoke("create-token", "--name", "FAQ-Export", "--scope", "faq:read")

    assert result.exit_code == 0, result.output
    [raw] = SHOWN_ONCE.findall(result.output)
    with TestClient(create_app(get_settings(), migrated)) as client:
        response = client.get("/api/v1/events", headers={"Authorization": f"Bearer {raw}"})

    assert response.status_code == 403
    assert response.json()["error"] == "missing_scope"


def test_create_token_with_an_unknown_scope_fails_and_creates_nothing(migrated):
    result = invoke("create-token", "--name", "CRM", "--scope", "events:write")

    assert result.exit_code != 0
    assert "Unbekannte Berechtigung: events:write" in " ".join(result.output.split())
    assert SHOWN_ONCE.findall(result.output) == []
    with Session(migrated) as session:
        assert session.execute(select(ApiToken)).scalars().all() == []
    english = invoke("--lang", "en", "create-token", "--name", "CRM", "--scope", "events:write")
    assert "Unknown permission: events:write" in " ".join(english.output.split())


def test_an_operators_setting_mistake_is_one_line_and_exit_2(cli_engine, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """No traceback for a wrong setting: the line says what to check."""
    for url, said in (
        ("not-a-url", "keine Datenbankadresse"),
        ("mysql://forum@127.0.0.1/forum", "keine Datenbankadresse"),
        ("postgresql://postgres@127.0.0.1:1/nirgends", "Die Datenbank antwortet nicht"),
    ):
        _reset_caches()
        monkeypatch.setenv("COMMUNITY_DATABASE_URL", url)
        result = invoke("migrate")
        assert result.exit_code == 2, (url, result.output)
        assert said in " ".join(result.output.split()), url
        assert "Traceback" not in result.output
    # A database never migrated: the line names the command that helps
    _reset_caches()
    monkeypatch.setenv("COMMUNITY_DATABASE_URL", f"sqlite+pysqlite:///{cli_engine.url.database}")
    result = invoke("create-admin", "--email", "ops@example.com")
    assert result.exit_code == 2
    assert "zuerst `community migrate`" in " ".join(result.output.split())
    _reset_caches()
    monkeypatch.setenv("COMMUNITY_SESSION_DAYS", "abc")
    result = invoke("migrate")
    assert result.exit_code == 2
    assert "Die Einstellung COMMUNITY_SESSION_DAYS ist ungültig" in " ".join(result.output.split())


def test_postgres_urls_are_taken_as_postgresql(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    # libpq's spelling, which many hosting panels give
    monkeypatch.setenv("COMMUNITY_DATABASE_URL", "postgres://forum:geheim@db:5432/forum")
    assert Settings().resolved_database_url == "postgresql://forum:geheim@db:5432/forum"


def test_seed_demo_after_create_admin_writes_with_demo_members_only(migrated) -> None:  # type: ignore[no-untyped-def]
    # The README's order on PostgreSQL: the admin first (seed-demo crashed: no one to reply)
    assert invoke("create-admin", "--email", "you@example.com").exit_code == 0
    result = invoke("seed-demo", "--threads", "10")
    assert result.exit_code == 0, result.output
    with Session(migrated) as session:
        admin = session.execute(select(User).where(User.email == "you@example.com")).scalar_one()
        authors = set(session.execute(select(Post.author_id)).scalars())
    assert authors and admin.id not in authors
    assert invoke("seed-demo", "--threads", "0").exit_code == 2  # at least one


def test_create_admin_refuses_what_is_no_address_and_names_a_taken_one(migrated) -> None:  # type: ignore[no-untyped-def]
    for bad in ("not-an-email", "a b@@", ""):
        result = invoke("create-admin", "--email", bad)
        assert result.exit_code == 1, bad
        assert "gültige E-Mail-Adresse" in " ".join(result.output.split())
    assert invoke("create-admin", "--email", "ops@example.com").exit_code == 0
    again = invoke("create-admin", "--email", "ops@example.com")  # the same default nickname
    assert again.exit_code == 1 and "schon ein Konto" in " ".join(again.output.split())


def test_a_backup_that_finds_no_database_fails_instead_of_saving_an_empty_one(
    tmp_path, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    _reset_caches()
    monkeypatch.setenv("COMMUNITY_DATABASE_URL", f"sqlite:///{tmp_path / 'nirgends.sqlite3'}")
    try:
        result = invoke("backup", "--output", str(tmp_path / "b.sqlite3"))
    finally:
        _reset_caches()
    assert result.exit_code == 1
    assert "no database at" in " ".join(result.output.split())
    assert not (tmp_path / "nirgends.sqlite3").exists()
    assert not (tmp_path / "b.sqlite3").exists()


def test_the_worker_checks_production_settings_as_serve_does(cli_engine, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    _reset_caches()
    monkeypatch.setenv("COMMUNITY_ENVIRONMENT", "production")
    monkeypatch.setenv("COMMUNITY_SECRET_KEY", "kurz")
    result = invoke("worker", "--once")
    assert result.exit_code == 2
    assert "COMMUNITY_SECRET_KEY" in " ".join(result.output.split())


def test_a_production_forum_starts_without_demo_unless_asked() -> None:
    production = Settings(environment="production")
    assert demo_on_first_start(None, production) is False
    assert demo_on_first_start(True, production) is True
    assert demo_on_first_start(None, Settings(environment="development")) is True
    assert demo_on_first_start(False, Settings(environment="development")) is False


def test_version_and_german_help() -> None:
    result = invoke("--version")
    assert result.exit_code == 0
    assert result.stdout.strip() == "community 0.1.0"
    wide = CliRunner(env={"COLUMNS": "200", **GERMAN})
    overview = " ".join(wide.invoke(app, ["--help"]).stdout.split())
    assert "ein Forum für Geschäftskunden" in overview
    assert "Einen neuen Suchindex" in overview and "Build a new" not in overview
    export_help = " ".join(wide.invoke(app, ["export-faq", "--help"]).stdout.split())
    assert "json|csv|jsonld" in export_help and "Ausgabeformat" in export_help


def test_long_commands_report_their_steps_on_stderr(migrated: Engine) -> None:
    assert invoke("seed-demo", "--threads", "5").exit_code == 0
    for command, step in (
        ("recompute-counters", "Zähler der Foren und Themen"),
        ("recompute-reputation", "Punkte, Ränge und Kudos"),
    ):
        result = invoke(command)
        assert result.exit_code == 0, result.output
        assert f"… {step}" in result.stderr and f"✓ {step}" in result.stderr
        assert step not in result.stdout
    exported = invoke("export-faq")
    assert "FAQ-Einträge gelesen" in exported.stderr
    assert exported.stdout.startswith("{")


def test_help_and_output_in_english_with_lang_or_an_english_locale(migrated: Engine) -> None:
    english = CliRunner(env={"COLUMNS": "200", "LANG": "en_US.UTF-8", "LC_ALL": None})
    for runner_, args in (
        (CliRunner(env={"COLUMNS": "200", **GERMAN}), ["--lang", "en"]),
        (english, []),
    ):
        overview = " ".join(runner_.invoke(app, [*args, "--help"]).stdout.split())
        assert "a forum for business customers" in overview
        assert "Build a new search index" in overview and "Einen neuen" not in overview
        backup = " ".join(runner_.invoke(app, [*args, "backup", "--help"]).stdout.split())
        assert "Back up the database" in backup and "Target file" in backup
        assert "Zieldatei" not in backup
        done = runner_.invoke(app, [*args, "migrate"])
        assert done.exit_code == 0, done.output
        assert "The database is up to date." in done.stdout
        assert "neuesten Stand" not in done.stdout
        counted = runner_.invoke(app, [*args, "recompute-counters"])
        assert "Counters of boards and threads" in counted.stderr
        assert "threads recounted." in counted.stdout
    # --lang wins over the locale
    german = " ".join(english.invoke(app, ["--lang", "de", "--help"]).stdout.split())
    assert "Einen neuen Suchindex" in german and "Build a new" not in german


def test_recompute_counters_runs_in_a_fresh_process(migrated: Engine) -> None:
    """A process that imports only the forum's models failed on the foreign key into users
    (in-process tests had every table imported already)."""
    import os
    import subprocess
    import sys

    assert invoke("seed-demo", "--threads", "5").exit_code == 0
    env = {**os.environ, "COMMUNITY_DATABASE_URL": str(migrated.url), "LANG": "C.UTF-8"}
    done = subprocess.run(
        [sys.executable, "-c", "from community.cli import app; app()", "recompute-counters"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert "Themen nachgezählt" in done.stdout


def test_seeding_shows_its_progress_in_the_commands_language(migrated: Engine) -> None:
    result = invoke("--lang", "en", "seed-demo", "--threads", "5")
    assert result.exit_code == 0, result.output
    assert "Threads" in result.output and "Themen" not in result.output
