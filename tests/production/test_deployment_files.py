"""docker-compose.yml, Dockerfile and .env.example, checked without a Docker engine: the
services production needs are there, every COMMUNITY_* variable is one the Settings read,
and every command the containers run is a `community` command with options it accepts."""

from __future__ import annotations

import json
import re
import secrets
from pathlib import Path
from typing import Any

import pytest
import typer
import yaml

from community.cli import app as cli_app
from community.config import Settings

ROOT = Path(__file__).resolve().parents[2]
SETTINGS_VARS = {f"COMMUNITY_{name.upper()}" for name in Settings.model_fields}
_VAR = re.compile(r"\$\{(\w+)(?::?([-?])([^}]*))?\}")


def _env_example() -> dict[str, str]:
    values = {}
    for line in (ROOT / ".env.example").read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            key, _, value = line.partition("=")
            values[key.strip()] = value.strip()
    return values


def _interpolate(value: str, env: dict[str, str]) -> str:
    def one(match: re.Match[str]) -> str:
        name, kind, rest = match.group(1), match.group(2), match.group(3)
        if env.get(name):
            return env[name]
        if kind == "?":
            raise KeyError(f"{name} is required by docker-compose.yml ({rest})")
        return rest or ""

    return _VAR.sub(one, value)


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    data = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    assert isinstance(data, dict)
    return data


def _check_community_command(argv: list[str]) -> None:
    """Parse the arguments as the `community` command would, without running it."""
    assert argv[0] == "community", argv
    group: Any = typer.main.get_command(cli_app)
    name, *args = argv[1:]
    command = group.get_command(group.make_context("community", [name]), name)
    assert command is not None, f"`community {name}` does not exist"
    command.make_context(name, list(args))  # raises on an unknown option


def test_compose_has_every_service_production_needs(compose) -> None:  # type: ignore[no-untyped-def]
    services = compose["services"]
    assert {"app", "worker", "db", "meilisearch", "redis", "migrate"} <= set(services)
    assert services["db"]["image"].startswith("postgres:16")
    assert any(v.endswith(":/var/lib/postgresql/data") for v in services["db"]["volumes"])
    assert any(v.endswith(":/meili_data") for v in services["meilisearch"]["volumes"])
    assert "MEILI_MASTER_KEY" in services["meilisearch"]["environment"]
    # Migrations run once, before the app and the worker start.
    for name in ("app", "worker"):
        assert services[name]["depends_on"]["migrate"]["condition"] == (
            "service_completed_successfully"
        )
    assert services["migrate"]["command"] == ["community", "migrate"]
    command = services["app"]["command"]
    assert command[:2] == ["community", "serve"]
    assert int(command[command.index("--workers") + 1]) >= 2
    assert services["worker"]["command"] == ["community", "worker"]


def test_every_command_the_containers_run_exists(compose) -> None:  # type: ignore[no-untyped-def]
    for service in compose["services"].values():
        if isinstance(service.get("command"), list) and service["command"][0] == "community":
            _check_community_command(service["command"])
    dockerfile = (ROOT / "Dockerfile").read_text()
    cmd = re.search(r"^CMD (\[.*\])$", dockerfile, re.M)
    assert cmd is not None
    _check_community_command(json.loads(cmd.group(1)))


def test_every_community_variable_is_a_setting(compose) -> None:  # type: ignore[no-untyped-def]
    used = set()
    for service in compose["services"].values():
        used |= {k for k in service.get("environment", {}) if k.startswith("COMMUNITY_")}
    used |= {k for k in _env_example() if k.startswith("COMMUNITY_")}
    assert used, "no COMMUNITY_ variables found"
    assert used <= SETTINGS_VARS, f"not read by Settings: {sorted(used - SETTINGS_VARS)}"


def test_env_example_provides_every_required_variable_and_no_real_secret(compose) -> None:  # type: ignore[no-untyped-def]
    example = _env_example()
    app_env = {
        k: _interpolate(str(v), example)
        for k, v in compose["services"]["app"]["environment"].items()
    }
    # The example's placeholder secret is refused: a copied .env.example never runs as is.
    placeholder = Settings(_env_file=None, **{k[10:].lower(): v for k, v in app_env.items()})  # type: ignore[arg-type]
    with pytest.raises(RuntimeError, match="COMMUNITY_SECRET_KEY"):
        placeholder.check_for_production()

    filled = {**example, "COMMUNITY_SECRET_KEY": secrets.token_urlsafe(48)}
    env = {
        k: _interpolate(str(v), filled)
        for k, v in compose["services"]["app"]["environment"].items()
    }
    settings = Settings(_env_file=None, **{k[10:].lower(): v for k, v in env.items()})  # type: ignore[arg-type]
    settings.check_for_production()
    settings.check_search_for_processes(2)
    assert settings.database_url and settings.database_url.startswith("postgresql://")
    assert settings.run_worker_in_process is False


def test_dockerfile_is_multi_stage_slim_and_runs_as_a_user() -> None:
    text = (ROOT / "Dockerfile").read_text()
    stages = re.split(r"^FROM ", text, flags=re.M)[1:]
    assert len(stages) >= 2
    assert all("-slim" in stage.split()[0] for stage in stages)
    final = stages[-1]
    users = re.findall(r"^USER (\S+)$", final, re.M)
    assert users and users[-1] not in ("root", "0")
    # No compilers or package installs in the image that runs.
    assert not re.search(r"apt-get install|build-essential|gcc|pip install", final)
    for source in re.findall(r"^COPY (?!--from)(?:--\S+ )*(.+) \S+$", text, re.M):
        for path in source.split():
            assert (ROOT / path).exists(), f"Dockerfile copies {path}, which does not exist"
    assert "/healthz" in final


def _healthcheck_argv(service: dict[str, Any]) -> list[str]:
    test = service["healthcheck"]["test"]
    assert test[0] == "CMD", test
    return list(test[1:])


def test_every_long_running_service_has_a_healthcheck_of_its_own(compose) -> None:  # type: ignore[no-untyped-def]
    services = compose["services"]
    assert _healthcheck_argv(services["redis"]) == ["redis-cli", "ping"]
    assert "http://127.0.0.1:7700/health" in _healthcheck_argv(services["meilisearch"])
    # The worker serves no HTTP: the image's HTTP check must not be what it inherits.
    worker = _healthcheck_argv(services["worker"])
    assert worker == ["community", "worker", "--check"]
    _check_community_command(worker)
    assert services["migrate"]["healthcheck"] == {"disable": True}
    assert "healthcheck" not in services["app"]  # the Dockerfile's /healthz check
    for name in ("app", "worker"):
        for backend in ("meilisearch", "redis"):
            assert services[name]["depends_on"][backend]["condition"] == "service_healthy"


def test_data_dir_is_a_volume_and_the_port_is_local_only(compose) -> None:  # type: ignore[no-untyped-def]
    services = compose["services"]
    for name in ("app", "worker"):
        assert "communitydata:/data" in services[name]["volumes"], name
    assert "communitydata" in compose["volumes"]
    [port] = services["app"]["ports"]
    assert _interpolate(port, {}) == "127.0.0.1:8000:8000"
