"""deploy/kubernetes/ validated against the Kubernetes JSON schemas (the `kubernetes-validate`
package ships them for each release, so this runs offline, as kubeconform would), strictly:
an unknown or misspelt field fails. Beyond the schema: the probes point at /healthz and
/readyz, the Service finds the app pods, migrations run as a Job, every command is a
`community` command, and every setting is one the forum reads."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml

from community.config import Settings
from tests.production.test_deployment_files import _check_community_command

ROOT = Path(__file__).resolve().parents[2]
MANIFESTS = ROOT / "deploy" / "kubernetes"
KUBERNETES = "1.31"
SETTINGS_VARS = {f"COMMUNITY_{name.upper()}" for name in Settings.model_fields}


def _documents() -> list[dict[str, Any]]:
    docs = []
    for path in sorted(MANIFESTS.glob("*.yaml")):
        if path.name != "kustomization.yaml":
            docs += [d for d in yaml.safe_load_all(path.read_text()) if d]
    return docs


def _one(kind: str, name: str) -> dict[str, Any]:
    [found] = [d for d in _documents() if d["kind"] == kind and d["metadata"]["name"] == name]
    return found


def _container(workload: dict[str, Any]) -> dict[str, Any]:
    [container] = workload["spec"]["template"]["spec"]["containers"]
    return container


def test_every_manifest_follows_the_kubernetes_schema() -> None:
    docs = _documents()
    kinds = sorted(d["kind"] for d in docs)
    assert kinds == sorted(
        ["ConfigMap", "Deployment", "Deployment", "Ingress", "Job", "Namespace", "Secret",
         "Service"]
    )  # fmt: skip
    for doc in docs:
        kubernetes_validate.validate(doc, KUBERNETES, strict=True)


def test_the_schema_check_refuses_a_misspelt_or_mistyped_field() -> None:
    app = _one("Deployment", "community-app")
    misspelt = copy.deepcopy(app)
    _container(misspelt)["readinessProbe"]["httpGet"]["pathh"] = "/readyz"
    mistyped = copy.deepcopy(app)
    mistyped["spec"]["replicas"] = "three"
    for broken in (misspelt, mistyped):
        with pytest.raises(kubernetes_validate.ValidationError):
            kubernetes_validate.validate(broken, KUBERNETES, strict=True)


def test_kustomization_lists_every_manifest() -> None:
    kustomization = yaml.safe_load((MANIFESTS / "kustomization.yaml").read_text())
    files = {p.name for p in MANIFESTS.glob("*.yaml")} - {"kustomization.yaml"}
    assert set(kustomization["resources"]) == files


def test_app_is_probed_on_healthz_and_readyz_and_found_by_its_service() -> None:
    app = _one("Deployment", "community-app")
    container = _container(app)
    assert container["livenessProbe"]["httpGet"]["path"] == "/healthz"
    assert container["startupProbe"]["httpGet"]["path"] == "/healthz"
    assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"
    ports = {p["name"]: p["containerPort"] for p in container["ports"]}
    assert container["readinessProbe"]["httpGet"]["port"] in ports
    service = _one("Service", "community-app")
    labels = app["spec"]["template"]["metadata"]["labels"]
    assert service["spec"]["selector"].items() <= labels.items()
    assert app["spec"]["selector"]["matchLabels"].items() <= labels.items()
    [port] = service["spec"]["ports"]
    assert port["targetPort"] in ports
    ingress = _one("Ingress", "community")
    [path] = ingress["spec"]["rules"][0]["http"]["paths"]
    assert path["backend"]["service"] == {"name": "community-app", "port": {"name": port["name"]}}
    # The worker's pods are no app pods: the Service must not send them traffic.
    worker_labels = _one("Deployment", "community-worker")["spec"]["template"]["metadata"]
    assert not service["spec"]["selector"].items() <= worker_labels["labels"].items()


def test_commands_are_community_commands_and_migrations_run_as_a_job() -> None:
    job = _one("Job", "community-migrate")
    assert _container(job)["command"] == ["community", "migrate"]
    assert job["spec"]["template"]["spec"]["restartPolicy"] == "Never"
    app = _container(_one("Deployment", "community-app"))
    worker = _container(_one("Deployment", "community-worker"))
    assert worker["livenessProbe"]["exec"]["command"] == ["community", "worker", "--check"]
    for argv in (app["command"], worker["command"], worker["livenessProbe"]["exec"]["command"]):
        _check_community_command(list(argv))


def test_settings_are_ones_the_forum_reads_and_fit_several_processes() -> None:
    config = _one("ConfigMap", "community-config")["data"]
    secret = _one("Secret", "community-secrets")["stringData"]
    assert set(config) | set(secret) <= SETTINGS_VARS
    assert not set(config) & set(secret)
    assert all(value.startswith("change-me") or "change-me" in value for value in secret.values())
    # Several app pods: the worker runs apart, limits are shared, the index is a server.
    assert config["COMMUNITY_RUN_WORKER_IN_PROCESS"] == "false"
    assert config["COMMUNITY_REDIS_URL"].startswith("redis://")
    assert config["COMMUNITY_MEILI_URL"].startswith("http")
    assert secret["COMMUNITY_DATABASE_URL"].startswith("postgresql://")
    fields = {k.removeprefix("COMMUNITY_").lower(): v for k, v in {**config, **secret}.items()}
    settings = Settings(_env_file=None, **fields)  # type: ignore[call-arg]
    settings.check_search_for_processes(2)  # raises if the processes could not share search
    for workload in ("community-app", "community-worker"):
        sources = _container(_one("Deployment", workload))["envFrom"]
        assert {"configMapRef": {"name": "community-config"}} in sources
        assert {"secretRef": {"name": "community-secrets"}} in sources
