"""/healthz and /readyz: what a load balancer and an operator see."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import text

from community.clock import utcnow
from community.indexing.backend import synonyms, use_backend
from community.jobs.heartbeat import KEY
from community.jobs.worker import Worker
from community.site.models import SiteSetting
from search.meili import MeiliBackend
from tests.factories import make_category, make_thread, make_user, sign_in


def test_healthz_answers_while_the_process_lives(client) -> None:  # type: ignore[no-untyped-def]
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_not_ready_until_a_worker_has_reported(client, engine) -> None:  # type: ignore[no-untyped-def]
    response = client.get("/readyz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "not_ready"
    assert body["checks"]["worker"]["ok"] is False
    assert body["checks"]["database"]["ok"] is True

    Worker(engine).run_once()
    response = client.get("/readyz")
    assert response.status_code == 200, response.json()
    checks = response.json()["checks"]
    assert checks["migrations"]["ok"] is True
    assert checks["migrations"]["current"] == checks["migrations"]["head"]
    assert checks["search"]["status"] == "ok"
    assert checks["worker"]["age_seconds"] < 60


def test_a_stale_worker_heartbeat_makes_the_app_unready(client, engine, db) -> None:  # type: ignore[no-untyped-def]
    Worker(engine).run_once()
    row = db.get(SiteSetting, KEY)
    row.value = {"at": (utcnow() - timedelta(minutes=10)).isoformat(), "worker": "gone"}
    db.add(row)
    db.commit()
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"]["worker"]["ok"] is False


def test_a_schema_behind_the_code_makes_the_app_unready(client, engine) -> None:  # type: ignore[no-untyped-def]
    Worker(engine).run_once()
    with engine.begin() as conn:
        head = conn.execute(text("SELECT version_num FROM alembic_version")).scalar_one()
        conn.execute(text("UPDATE alembic_version SET version_num = 'older'"))
    try:
        response = client.get("/readyz")
    finally:
        with engine.begin() as conn:
            conn.execute(text("UPDATE alembic_version SET version_num = :v"), {"v": head})
    assert response.status_code == 503
    assert response.json()["checks"]["migrations"] == {
        "ok": False,
        "current": ["older"],
        "head": [head],
    }


@pytest.fixture
def search_down():  # type: ignore[no-untyped-def]
    # Port 1 on loopback: nothing listens, so every call fails like a stopped Meilisearch.
    use_backend(MeiliBackend("http://127.0.0.1:1", "key", synonyms=synonyms(), timeout_seconds=1))
    yield
    use_backend(None)


def test_search_down_leaves_the_app_ready_but_degraded(client, engine, search_down) -> None:  # type: ignore[no-untyped-def]
    Worker(engine).run_once()
    response = client.get("/readyz")
    assert response.status_code == 200, response.json()
    assert response.json()["checks"]["search"]["status"] == "degraded"


def test_pages_keep_working_and_search_says_it_is_unavailable(  # type: ignore[no-untyped-def]
    client, db, search_down
) -> None:
    member = make_user(db, nickname="Fragende")
    board = make_category(db, slug="mobilfunk", name="Mobilfunk")
    thread = make_thread(db, author=member, category=board, title="Roaming in der Schweiz")

    assert client.get("/").status_code == 200
    assert client.get("/c/mobilfunk").status_code == 200
    page = client.get(f"/t/{thread.id}")
    assert page.status_code == 200
    assert "Roaming in der Schweiz" in page.text

    search_page = client.get("/search", params={"q": "Roaming"})
    assert search_page.status_code == 503
    assert "Die Suche ist gerade nicht erreichbar" in search_page.text
    assert 'name="q"' in search_page.text  # the form is still there

    english = client.get("/search", params={"q": "Roaming"}, headers={"Accept-Language": "en"})
    assert "Search is unavailable right now" in english.text

    api = client.get("/api/v1/search", params={"q": "Roaming"})
    assert api.status_code == 503
    assert api.json()["error"] == "search_unavailable"
    assert client.get("/search/similar", params={"title": "Roaming Schweiz"}).status_code == 200

    # Writing goes on: the index catches up through the jobs once the engine is back.
    sign_in(client, member)
    created = client.post(
        "/api/v1/threads",
        json={"category": "mobilfunk", "title": "Und in Norwegen?", "body": "Gilt das dort auch?"},
    )
    assert created.status_code == 201, created.text


def test_worker_check_follows_the_heartbeat(engine, db, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """`community worker --check`, the compose worker's healthcheck: 1 without a recent
    beat, 0 after one."""
    from typer.testing import CliRunner

    from community import cli
    from community.jobs.heartbeat import beat

    monkeypatch.setattr(cli, "_engine", lambda: engine)
    runner = CliRunner()
    stale = runner.invoke(cli.app, ["worker", "--check"])
    assert stale.exit_code == 1, stale.output
    assert "Noch kein Worker hat gemeldet." in stale.output and "None" not in stale.output
    beat(engine, "w-1")
    fresh = runner.invoke(cli.app, ["worker", "--check"])
    assert fresh.exit_code == 0, fresh.output


def test_readiness_expects_the_heads_alembic_finds() -> None:
    # /readyz reads the migration files without Alembic (its import cost each app process
    # ~8 MiB); a migration it misread would make every process unready, or ready too early.
    from alembic.script import ScriptDirectory

    from community import health
    from community.migrate import alembic_config

    script = ScriptDirectory.from_config(alembic_config())
    assert health._heads() == frozenset(script.get_heads())
    assert str(health.MIGRATIONS) == script.versions


def test_no_schema_yet_is_not_ready(client, engine) -> None:  # type: ignore[no-untyped-def]
    Worker(engine).run_once()
    with engine.begin() as conn:
        rows = conn.execute(text("SELECT version_num FROM alembic_version")).scalars().all()
        conn.execute(text("DROP TABLE alembic_version"))
    try:
        response = client.get("/readyz")
    finally:
        with engine.begin() as conn:
            conn.execute(text("CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL)"))
            for row in rows:
                conn.execute(text("INSERT INTO alembic_version VALUES (:v)"), {"v": row})
    assert response.status_code == 503
    migrations = response.json()["checks"]["migrations"]
    assert migrations["ok"] is False
    assert migrations["current"] == []
