"""The admin page for webhooks: add an endpoint, see its deliveries, switch it off."""

from __future__ import annotations

import re

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
    assert "Der Webhook ist angelegt." in page.text
    make_thread(db, author=make_user(db), category=make_category(db))
    Worker(engine).run_until_empty()
    page = client.get("/admin/webhooks")
    assert "zugestellt" in page.text and "Erneut senden" in page.text
    assert "Der Webhook ist angelegt." not in page.text  # shown once, after creating
    [hook] = client.get("/api/v1/admin/webhooks").json()
    off = client.post(
        f"/admin/webhooks/{hook['id']}/active", data={"csrf_token": csrf, "active": "false"}
    )
    assert "es gehen keine Ereignisse mehr an ihn" in off.text
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


def test_members_and_moderators_do_not_see_the_page(client: TestClient, db: Session) -> None:
    for role in (Role.member, Role.moderator):
        csrf = sign_in(client, make_user(db, role=role))
        assert client.get("/admin/webhooks").status_code == 404  # as every admin-only page
        for path in ("/admin/webhooks", "/admin/webhooks/1/delete", "/admin/webhooks/1/secret"):
            assert client.post(path, data={"csrf_token": csrf}).status_code == 404, path


def test_admin_changes_events_renews_the_secret_and_deletes_in_the_browser(
    client: TestClient, db: Session, engine: Engine, receiver: Receiver
) -> None:
    """No curl: what the API does with an endpoint, the page does too."""
    sign_in(client, make_user(db, role=Role.admin, staff=True))
    csrf = client.headers["X-CSRF-Token"]
    hook = client.post(
        "/api/v1/admin/webhooks", json={"url": receiver.url, "event_types": ["thread.solved"]}
    ).json()
    receiver.secret = hook["secret"]

    saved = client.post(
        f"/admin/webhooks/{hook['id']}",
        data={"csrf_token": csrf, "url": receiver.url, "event_types": ["thread.created"]},
        follow_redirects=False,
    )
    assert saved.status_code == 303
    assert "Der Webhook ist gespeichert." in client.get(saved.headers["location"]).text
    make_thread(db, author=make_user(db), category=make_category(db))
    Worker(engine).run_until_empty()
    assert [event["type"] for event in receiver.verified()] == ["thread.created"]

    renewed = client.post(
        f"/admin/webhooks/{hook['id']}/secret", data={"csrf_token": csrf}, follow_redirects=False
    )
    shown = client.get(renewed.headers["location"]).text
    assert "nur noch dieses" in shown
    secret = client.get(f"/api/v1/admin/webhooks/{hook['id']}").json()["secret"]
    assert secret != hook["secret"]
    # The new secret stands open to be copied, under the confirmation at the top.
    assert re.search(
        r"<details open><summary>Geheimnis anzeigen</summary><code[^>]*>" + re.escape(secret), shown
    )

    # Without the confirmation nothing goes; with it, the endpoint and its log go.
    kept = client.post(f"/admin/webhooks/{hook['id']}/delete", data={"csrf_token": csrf})
    assert kept.status_code == 422
    # The refusal stands beside the tick it is about, which takes the focus.
    delete_form = kept.text.split(f'action="/admin/webhooks/{hook["id"]}/delete"')[1]
    assert "Bitte bestätigen Sie das Löschen." in delete_form.split("</form>")[0]
    assert 'aria-invalid="true" autofocus' in delete_form.split("</form>")[0]
    assert (
        f'id="edit-url-{hook["id"]}"' in kept.text
        and '<details class="webhook-edit" open>' in kept.text
    )
    gone = client.post(
        f"/admin/webhooks/{hook['id']}/delete",
        data={"csrf_token": csrf, "confirm": "true"},
        follow_redirects=False,
    )
    assert "Der Webhook ist gelöscht." in client.get(gone.headers["location"]).text
    assert client.get("/api/v1/admin/webhooks").json() == []


def test_a_refused_edit_opens_that_endpoints_form_with_what_was_typed(
    client: TestClient, db: Session, receiver: Receiver
) -> None:
    sign_in(client, make_user(db, role=Role.admin, staff=True))
    csrf = client.headers["X-CSRF-Token"]
    first, second = (
        client.post(
            "/api/v1/admin/webhooks", json={"url": url, "event_types": ["thread.solved"]}
        ).json()
        for url in (receiver.url, receiver.url + "/zwei")
    )
    refused = client.post(
        f"/admin/webhooks/{second['id']}",
        data={"csrf_token": csrf, "url": receiver.url, "event_types": ["faq.published"]},
    )
    assert refused.status_code == 422
    assert "Für diese Adresse gibt es schon einen Webhook" in refused.text
    edit_form = refused.text.split(f'action="/admin/webhooks/{second["id"]}"')[1].split("</form>")[
        0
    ]
    assert f'value="{receiver.url}"' in edit_form and 'value="faq.published" checked' in edit_form
    assert 'value="thread.solved" checked' not in edit_form
    # Nothing changed.
    kept = client.get(f"/api/v1/admin/webhooks/{second['id']}").json()
    assert kept["url"] == receiver.url + "/zwei" and kept["event_types"] == ["thread.solved"]
    nothing = client.post(
        f"/admin/webhooks/{first['id']}", data={"csrf_token": csrf, "url": receiver.url}
    )
    assert nothing.status_code == 422 and "mindestens einen Ereignistyp" in nothing.text
