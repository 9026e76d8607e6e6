"""Reproducible installs: the lock files pin every dependency pyproject.toml names (within its
lower bound), with hashes, and are what the start script, the tests, CI and the image install;
the backend clients are extras, named in the error when configured but missing."""

from __future__ import annotations

import re
import sys
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.version import Version

from community.config import MissingExtra, Settings
from community.db import make_engine
from community.indexing.backend import make_backend
from community.ratelimit import make_limiter

ROOT = Path(__file__).resolve().parents[2]
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]


def _pins(lock: str) -> dict[str, Version]:
    text = (ROOT / lock).read_text()
    assert "--hash=sha256:" in text
    pins = re.findall(r"^([A-Za-z0-9_.\-]+)==([^\s;]+)", text, re.M)
    return {name.lower().replace("_", "-"): Version(v) for name, v in pins}


def _check(lock: str, requirements: list[str]) -> None:
    pins = _pins(lock)
    for line in requirements:
        req = Requirement(line)
        if req.name == "community":
            continue
        name = req.name.lower().replace("_", "-")
        assert name in pins, f"{lock} lacks {name}: run bash scripts/lock.sh"
        assert req.specifier.contains(pins[name]), f"{lock}: {name} {pins[name]} vs {req}"


def test_the_application_lock_pins_every_dependency_and_backend_client() -> None:
    extras = PROJECT["optional-dependencies"]
    _check(
        "requirements.lock",
        PROJECT["dependencies"] + extras["postgres"] + extras["redis"] + extras["meili"],
    )


def test_the_test_lock_pins_the_test_tools_and_the_backend_clients_too() -> None:
    extras = PROJECT["optional-dependencies"]
    assert "community[postgres,redis,meili]" in extras["test"]
    _check("requirements-test.lock", PROJECT["dependencies"] + extras["test"] + extras["redis"])


def test_start_test_ci_and_image_install_from_the_locks() -> None:
    assert "-r requirements.lock" in (ROOT / "scripts/start.sh").read_text()
    assert "-r requirements-test.lock" in (ROOT / "scripts/test.sh").read_text()
    assert "-r requirements-test.lock" in (ROOT / ".ci/run").read_text()
    assert "--require-hashes -r requirements.lock" in (ROOT / "Dockerfile").read_text()


def test_the_build_floor_reads_the_license_form_and_the_file_exists() -> None:
    build = tomllib.loads((ROOT / "pyproject.toml").read_text())["build-system"]
    assert "setuptools>=77" in build["requires"]
    assert PROJECT["license"] == "LicenseRef-Proprietary"
    assert PROJECT["license-files"] == ["LICENSE"]
    assert "proprietary" in (ROOT / "LICENSE").read_text().lower()


@pytest.mark.parametrize(
    ("module", "extra", "start"),
    [
        ("psycopg", "postgres", lambda tmp: make_engine("postgresql://u@127.0.0.1:1/x")),
        ("redis", "redis", lambda tmp: make_limiter("redis://127.0.0.1:1/0")),
        (
            "meilisearch",
            "meili",
            lambda tmp: make_backend(
                Settings(_env_file=None, meili_url="http://127.0.0.1:1", data_dir=tmp)  # type: ignore[call-arg]
            ),
        ),
    ],
)
def test_a_configured_backend_without_its_client_names_the_extra(
    module, extra, start, monkeypatch, tmp_path
) -> None:
    for name in list(sys.modules):
        if name == module or name.startswith(module + "."):
            monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, module, None)  # as if not installed
    with pytest.raises(MissingExtra, match=rf"pip install 'community\[{extra}\]'"):
        start(tmp_path)
