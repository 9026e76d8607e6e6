"""Production mode refuses settings that would put users at risk, with a message that says
what to change."""

from __future__ import annotations

from typing import Any

import pytest

from community.app import create_app
from community.config import DEV_SECRET_KEY, Settings

GOOD_SECRET = "k" * 48
PG = "postgresql://community@db:5432/community"


def production(**fields: object) -> Settings:
    values: dict[str, Any] = {
        "environment": "production",
        "secret_key": GOOD_SECRET,
        "public_url": "https://forum.example.com",
        "database_url": PG,
    }
    values.update(fields)
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


def test_a_complete_production_configuration_is_accepted() -> None:
    production().check_for_production()


@pytest.mark.parametrize("secret", [DEV_SECRET_KEY, "", "short-secret"])
def test_production_refuses_a_default_missing_or_short_secret_key(secret: str) -> None:
    with pytest.raises(RuntimeError, match="COMMUNITY_SECRET_KEY"):
        production(secret_key=secret).check_for_production()


def test_production_refuses_an_http_public_url() -> None:
    with pytest.raises(RuntimeError, match="COMMUNITY_PUBLIC_URL must start with https://"):
        production(public_url="http://forum.example.com").check_for_production()


def test_production_refuses_sqlite_unless_explicitly_allowed(tmp_path) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(RuntimeError, match="PostgreSQL"):
        production(database_url=None, data_dir=tmp_path).check_for_production()
    production(
        database_url=None, data_dir=tmp_path, allow_sqlite_in_production=True
    ).check_for_production()


def test_every_problem_is_named_at_once() -> None:
    with pytest.raises(RuntimeError) as caught:
        production(
            secret_key=DEV_SECRET_KEY, public_url="http://x", database_url=None
        ).check_for_production()
    message = str(caught.value)
    assert "COMMUNITY_SECRET_KEY" in message
    assert "COMMUNITY_PUBLIC_URL" in message
    assert "COMMUNITY_DATABASE_URL" in message


def test_development_starts_on_the_defaults(tmp_path) -> None:  # type: ignore[no-untyped-def]
    Settings(_env_file=None, data_dir=tmp_path).check_for_production()  # type: ignore[call-arg]


def test_the_app_does_not_start_in_production_on_the_default_secret(engine) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(RuntimeError, match="Refusing to start in production"):
        create_app(production(secret_key=DEV_SECRET_KEY), engine)


def test_several_app_processes_refuse_the_embedded_search_when_each_would_write_it() -> None:
    with pytest.raises(RuntimeError, match="COMMUNITY_MEILI_URL"):
        production(run_worker_in_process=True).check_search_for_processes(2)
    sqlite_default = Settings(_env_file=None, environment="development")  # type: ignore[call-arg]
    with pytest.raises(RuntimeError, match="one writer only"):
        sqlite_default.check_search_for_processes(2)
    production(run_worker_in_process=True).check_search_for_processes(1)
    production(
        meili_url="http://meili:7700", run_worker_in_process=True
    ).check_search_for_processes(4)
    # On PostgreSQL the job worker is a process of its own: app processes only read the index.
    production().check_search_for_processes(4)
