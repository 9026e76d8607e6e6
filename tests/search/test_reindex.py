"""`community reindex`, and the rebuild queued at startup when the index is empty."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select
from sqlmodel import Session, col
from typer.testing import CliRunner

from community.accounts.viewer import ANONYMOUS
from community.cli import app as cli
from community.config import get_settings
from community.db import get_engine
from community.demo import seed_demo_content
from community.forum import permissions as perms
from community.forum.models import CategoryGroup, Thread
from community.ideas.demo import DEMO_IDEAS
from community.indexing import service as indexing
from community.indexing.service import SearchQuery
from community.jobs.models import Job
from search.embedded import EmbeddedBackend


def _reset_caches() -> None:
    if get_engine.cache_info().currsize:
        get_engine().dispose()
    get_engine.cache_clear()
    get_settings.cache_clear()


@pytest.fixture
def cli_engine(tmp_path, monkeypatch) -> Iterator[Engine]:  # type: ignore[no-untyped-def]
    _reset_caches()
    monkeypatch.setenv("COMMUNITY_DATABASE_URL", f"sqlite:///{tmp_path / 'cli.sqlite3'}")
    yield get_engine()
    _reset_caches()


def test_reindex_command_fills_the_index_from_the_database(
    cli_engine: Engine, search_backend: EmbeddedBackend
) -> None:
    runner = CliRunner()
    assert runner.invoke(cli, ["migrate"]).exit_code == 0
    assert runner.invoke(cli, ["seed-demo", "--threads", "21"]).exit_code == 0
    result = runner.invoke(cli, ["reindex"])
    assert result.exit_code == 0, result.output
    # The questions, the ideas board's ideas and the comment threads of the demo blog's
    # two published articles.
    total = 21 + DEMO_IDEAS + 2
    assert f"{total} Themen" in result.stdout and "tantivy" in result.stdout
    assert f"{total}/{total}" in result.stderr  # the progress bar counts the documents
    assert search_backend.stats()["documents"] == total
    with Session(cli_engine) as session:
        assert indexing.search(session, ANONYMOUS, SearchQuery(q="Rooter")).total > 0


def test_an_empty_index_over_a_filled_forum_is_rebuilt_after_startup(
    app: FastAPI, engine: Engine, db: Session, run_jobs: Callable[[], int]
) -> None:
    seed_demo_content(engine, threads=14, replies=(1, 2), index=False)  # the index stays empty
    with TestClient(app):
        pass
    [_job] = db.execute(select(Job).where(Job.type == indexing.REINDEX)).scalars().all()  # type: ignore[arg-type]
    with TestClient(app):  # a second start does not queue another
        pass
    assert len(db.execute(select(Job).where(Job.type == indexing.REINDEX)).scalars().all()) == 1  # type: ignore[arg-type]
    run_jobs()
    # Every thread a visitor may see is found again; the closed board's are not.
    closed = db.execute(
        select(func.count(col(Thread.id))).where(
            col(Thread.category_id).in_(select(col(CategoryGroup.category_id)))
        )
    ).scalar_one()
    visible = db.execute(
        select(func.count(col(Thread.id))).where(perms.visible_threads_filter(ANONYMOUS))
    ).scalar_one()
    assert closed > 0 and visible > 0
    assert indexing.search(db, ANONYMOUS, SearchQuery(q="")).total == visible
