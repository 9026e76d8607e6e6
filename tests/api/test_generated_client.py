"""A client generated from the OpenAPI document (openapi-python-client) does what a CRM
does: pull the FAQ with a token, page through the events with the cursor, and, as an admin,
create a webhook endpoint."""

from __future__ import annotations

import importlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlmodel import Session

from community.accounts import service as accounts
from community.accounts.models import Role
from community.app import create_app
from community.config import get_settings
from community.db import make_engine
from tests.factories import make_category, make_thread, make_user, sign_in
from tests.faq.test_export_cli import published  # noqa: F401 (a fixture)

GENERATOR = Path(sys.executable).parent / "openapi-python-client"


def _generate(document: dict[str, Any], where: Path) -> ModuleType:
    if not GENERATOR.exists():
        pytest.fail("openapi-python-client is missing: install the test extra")
    spec = where / "openapi.json"
    spec.write_text(json.dumps(document))
    env = {**os.environ, "PATH": f"{GENERATOR.parent}{os.pathsep}{os.environ.get('PATH', '')}"}
    done = subprocess.run(
        [str(GENERATOR), "generate", "--path", str(spec), "--meta", "none",
         "--output-path", str(where / "crm_client")],
        capture_output=True, text=True, env=env, check=False, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Warning" not in done.stdout, done.stdout  # every operation was generated
    sys.path.insert(0, str(where))
    try:
        return importlib.import_module("crm_client")
    finally:
        sys.path.remove(str(where))


@pytest.fixture(scope="session")
def crm(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """Generated once, not once per database: the document does not depend on the database
    (the app that writes it is never started)."""
    where = tmp_path_factory.mktemp("crm")
    document = create_app(get_settings(), make_engine("sqlite://")).openapi()
    yield _generate(document, where)
    for name in [m for m in sys.modules if m == "crm_client" or m.startswith("crm_client.")]:
        del sys.modules[name]
    shutil.rmtree(where / "crm_client", ignore_errors=True)


def _api(crm: Any, name: str) -> Any:
    return importlib.import_module(f"crm_client.api.{name}")


def test_a_generated_client_runs_the_crm_journey(
    crm: Any,
    app: FastAPI,
    db: Session,
    published: None,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    member = make_user(db)
    board = make_category(db, slug="router-journey")
    for _ in range(3):
        make_thread(db, author=member, category=board)
    _token, raw = accounts.create_api_token(
        db, name="CRM", scopes=["faq:read", "events:read"], created_by=None
    )
    db.commit()

    with TestClient(app, headers={"Authorization": f"Bearer {raw}"}) as http:
        client = crm.AuthenticatedClient(base_url=str(http.base_url), token=raw)
        client.set_httpx_client(http)

        faq = _api(crm, "faq.faq_export").sync_detailed(client=client)
        assert faq.status_code == 200
        assert [i["board"] for i in json.loads(faq.content)["items"]] == ["router"]

        list_events = _api(crm, "events.list_events")
        seen: list[int] = []
        after = 0
        while True:
            page = list_events.sync(client=client, after=after, limit=2)
            assert isinstance(page, crm.models.EventsPublic), page
            seen += [e.id for e in page.items]
            if not page.items:
                break
            after = page.next_after
        assert len(seen) == len(set(seen)) >= 3 and seen == sorted(seen)

        refused = _api(crm, "admin.create_endpoint").sync(
            client=client,
            body=crm.models.WebhookEndpointCreate(
                url="https://crm.example.com/hook", event_types=["thread.created"]
            ),
        )
        assert isinstance(refused, crm.models.ErrorBody)  # a token is not an admin

    # A receiver on this machine, as in the webhook tests (no name to resolve offline).
    monkeypatch.setattr(get_settings(), "webhooks_allow_private", True)
    hook = "http://127.0.0.1:9/hook"
    admin = make_user(db, role=Role.admin, staff=True)
    with TestClient(app) as http:
        csrf = sign_in(http, admin)
        client = crm.Client(base_url=str(http.base_url), headers={"X-CSRF-Token": csrf})
        client.set_httpx_client(http)
        created = _api(crm, "admin.create_endpoint").sync(
            client=client,
            body=crm.models.WebhookEndpointCreate(url=hook, event_types=["thread.created"]),
        )
        assert isinstance(created, crm.models.WebhookEndpointPublic), created
        assert created.url == hook
