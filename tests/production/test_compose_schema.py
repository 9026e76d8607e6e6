"""docker-compose.yml validated against the Compose Specification's JSON schema, as
`docker compose config` would do it (no Docker engine runs in CI): every service, profile,
healthcheck and dependency condition is one the specification knows, after the variables
from .env.example are filled in."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import yaml
from jsonschema import Draft201909Validator

from community.config import Settings

ROOT = Path(__file__).resolve().parents[2]
SCHEMA = json.loads((Path(__file__).parent / "schemas" / "compose-spec.json").read_text())
_VAR = re.compile(r"\$\{(\w+)(?::?([-?])([^}]*))?\}")


def _env_example() -> dict[str, str]:
    pairs = (
        line.split("=", 1)
        for line in (ROOT / ".env.example").read_text().splitlines()
        if "=" in line and not line.startswith("#")
    )
    return {key.strip(): value.strip() for key, value in pairs}


def _interpolated(node: Any, env: dict[str, str]) -> Any:
    """Compose's ${VAR}, ${VAR:-default} and ${VAR:?message} on every string."""
    if isinstance(node, dict):
        return {key: _interpolated(value, env) for key, value in node.items()}
    if isinstance(node, list):
        return [_interpolated(value, env) for value in node]
    if isinstance(node, str):
        return _VAR.sub(lambda m: env.get(m.group(1)) or (m.group(3) or ""), node)
    return node


def _compose() -> dict[str, Any]:
    data = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    return _interpolated(data, _env_example())


def _errors(document: dict[str, Any]) -> list[str]:
    validator = Draft201909Validator(SCHEMA)
    return [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(document)]


def test_docker_compose_yml_follows_the_compose_specification() -> None:
    assert _errors(_compose()) == []


def test_the_schema_check_refuses_what_compose_would_refuse() -> None:
    compose = _compose()
    typo = json.loads(json.dumps(compose))
    typo["services"]["worker"]["healthcheck"]["retrys"] = 3
    wrong_condition = json.loads(json.dumps(compose))
    wrong_condition["services"]["app"]["depends_on"]["redis"]["condition"] = "healthy"
    assert _errors(typo) and _errors(wrong_condition)


def test_caddy_terminates_tls_in_an_optional_profile() -> None:
    compose = _compose()
    caddy = compose["services"]["caddy"]
    assert caddy["profiles"] == ["tls"]
    assert all("profiles" not in s for n, s in compose["services"].items() if n != "caddy")
    assert {p.rsplit(":", 1)[-1] for p in caddy["ports"]} >= {"80", "443"}
    mounted = {v.split(":")[0]: v.split(":")[1] for v in caddy["volumes"]}
    assert mounted["./deploy/caddy/Caddyfile"] == "/etc/caddy/Caddyfile"
    assert mounted["caddydata"] == "/data"  # the certificates survive a restart
    caddyfile = (ROOT / "deploy" / "caddy" / "Caddyfile").read_text()
    assert "{$COMMUNITY_PUBLIC_URL}" in caddyfile and "reverse_proxy app:8000" in caddyfile
    assert caddy["environment"]["COMMUNITY_PUBLIC_URL"].startswith("https://")
    # the app itself stays on the loopback; the proxy's client address is trusted from
    # the compose network only because nothing else reaches that port
    assert compose["services"]["app"]["ports"] == ["127.0.0.1:8000:8000"]
    assert compose["services"]["app"]["environment"]["FORWARDED_ALLOW_IPS"] == "*"
    assert caddy["depends_on"]["app"]["condition"] == "service_healthy"


def test_env_example_names_exactly_what_compose_reads() -> None:
    """Every variable of .env.example is read by docker-compose.yml (or is a setting of the
    forum), and every variable docker-compose.yml reads is explained there."""
    settings = {f"COMMUNITY_{name.upper()}" for name in Settings.model_fields}
    read = {m.group(1) for m in _VAR.finditer((ROOT / "docker-compose.yml").read_text())}
    example = _env_example()
    assert set(example) <= read | settings, set(example) - read - settings
    assert read <= set(example), read - set(example)
    text = (ROOT / ".env.example").read_text()
    for name in example:  # each with a comment above it
        before = text.split(f"\n{name}=", 1)[0].rstrip().splitlines()[-1]
        assert before.startswith("#"), name
