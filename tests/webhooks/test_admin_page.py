"""The admin page for webhooks: add an endpoint, see its deliveries, switch it off."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import Session

from community.accounts.models import Role
from community.config import get_settings
from community.jobs.worker import Worker
from tests.factories import make_category, make_thread, make_user, sign_in
from tests.webhooks.receiver import Receiver


def test_admin_adds_an_endpoint_and_sees_its_deliveries(
    client: TestClient, db: Session, engine: Engine, receiver: Receiver
) -> None:
    sign_in(client, make_user(db, role=Role.admin, staff=True))
    csrf = client.headers["X-CSRF-Token"]
    page = client.post(
        "/admin/webhooks",
        data={"csrf_token": csrf, "url": receiver.url, "event_types": ["thread.created"]},
    )
    assert page.status_code == 200 and receiver.url in page.text and "whsec_" in page.text
    make_thread(db, author=make_user(db), category=make_category(db))
    Worker(engine).run_until_empty()
    page = client.get("/admin/webhooks")
    assert "zugestellt" in page.text and "Erneut senden" in page.text
    [hook] = client.get("/api/v1/admin/webhooks").json()
    client.post(
        f"/admin/webhooks/{hook['id']}/active", data={"csrf_token": csrf, "active": "false"}
    )
    assert client.get("/api/v1/admin/webhooks").json()[0]["active"] is False


def test_a_refused_url_is_explained_on_the_page(
    client: TestClient, db: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(get_settings(), "webhooks_allow_private", False)
    sign_in(client, make_user(db, role=Role.admin, staff=True))
    page = client.post(
        "/admin/webhooks",
        data={
            "csrf_token": client.headers["X-CSRF-Token"],
            "url": "https://127.0.0.1/hook",
            "event_types": ["thread.created"],
        },
    )
    assert page.status_code == 422 and "internen Netz" in page.text
    # What was typed stays: the address and the ticked event.
    assert 'value="https://127.0.0.1/hook"' in page.text
    assert 'value="thread.created" checked' in page.text
    assert 'value="thread.solved" checked' not in page.text
    assert client.get("/api/v1/admin/webhooks").json() == []


def test_no_address_is_told_which_schemes_are_allowed(
    client: TestClient, db: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    sign_in(client, make_user(db, role=Role.admin, staff=True))

    def refused() -> str:
        data = {"csrf_token": client.headers["X-CSRF-Token"], "url": "notaurl"}
        page = client.post("/admin/webhooks", data={**data, "event_types": ["thread.created"]})
        assert page.status_code == 422
        return page.text

    # This suite allows loopback receivers (http too): the message says so
    assert "muss mit https:// oder http:// beginnen" in refused()
    monkeypatch.setattr(get_settings(), "webhooks_allow_private", False)
    assert "muss mit https:// beginnen" in refused()


def test_members_do_not_see_the_page(client: TestClient, db: Session) -> None:
    sign_in(client, make_user(db))
    assert client.get("/admin/webhooks").status_code == 403
