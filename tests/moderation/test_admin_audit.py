"""Admins' actions are in the audit log with who, what, when and before/after, and the log
can only be read: no route of the API or the pages writes, edits or deletes an entry."""

from __future__ import annotations

import re

from community.accounts.models import Role
from tests.factories import make_category, make_user, sign_in


def test_role_change_token_and_board_groups_are_audited_with_before_and_after(db, client):
    admin = make_user(db, nickname="Chefin", role=Role.admin)
    make_user(db, nickname="Kundin")
    make_category(db, slug="technik")
    sign_in(client, admin)
    changed = client.patch("/api/v1/admin/users/Kundin", json={"role": "expert", "is_staff": True})
    assert changed.status_code == 200, changed.text
    token = client.post("/api/v1/admin/tokens", json={"name": "CRM", "scopes": ["faq:read"]})
    assert token.status_code == 201
    assert (
        client.post("/api/v1/admin/groups", json={"slug": "kunden", "name": "Kunden"}).status_code
        == 201
    )
    assert (
        client.put(
            "/api/v1/admin/categories/technik/groups", json={"groups": ["kunden"]}
        ).status_code
        == 200
    )

    log = client.get("/api/v1/admin/audit-log").json()["items"]
    assert [e["action"] for e in log] == [
        "board.groups",
        "group.create",
        "token.create",
        "user.update",
    ]
    assert all(e["actor"] == "Chefin" and e["at"] for e in log)
    role = log[3]
    assert role["before"] == {"role": "member", "is_staff": False, "is_active": True}
    assert role["after"] == {"role": "expert", "is_staff": True, "is_active": True}
    created = log[2]
    assert created["after"]["name"] == "CRM" and created["after"]["scopes"] == ["faq:read"]
    # The token itself is never written into the log.
    assert token.json()["token"] not in str(log)
    assert log[0]["before"] == {"groups": []} and log[0]["after"] == {"groups": ["kunden"]}


def test_ladder_and_webhook_changes_are_audited(db, client, monkeypatch, settings):
    monkeypatch.setattr(settings, "webhooks_allow_private", True)
    sign_in(client, make_user(db, nickname="Chefin", role=Role.admin))
    ladder = {
        "steps": [{"key": "newcomer", "name_de": "Neuling", "name_en": "Newcomer", "min_points": 0}]
    }
    assert client.put("/api/v1/admin/ranks", json=ladder).status_code == 200
    hook = client.post(
        "/api/v1/admin/webhooks",
        json={"url": "http://127.0.0.1:9/hook?token=geheim", "event_types": ["thread.created"]},
    )
    assert hook.status_code == 201, hook.text
    log = client.get("/api/v1/admin/audit-log").json()["items"]
    assert [e["action"] for e in log] == ["webhook.create", "ranks.replace"]
    assert log[0]["after"]["url"] == "http://127.0.0.1:9/hook"
    assert "geheim" not in str(log) and "whsec_" not in str(log)
    assert [s["key"] for s in log[1]["after"]["steps"]] == ["newcomer"]


def test_no_route_writes_edits_or_deletes_audit_entries(db, app, client):
    spec = app.openapi()["paths"]
    audit_paths = {path: set(ops) for path, ops in spec.items() if "audit" in path}
    assert audit_paths == {"/api/v1/admin/audit-log": {"get"}}
    sign_in(client, make_user(db, nickname="Chefin", role=Role.admin))
    for path in ("/api/v1/admin/audit-log", "/admin/audit-log", "/api/v1/admin/audit-log/1"):
        for method in ("post", "put", "patch", "delete"):
            assert getattr(client, method)(path).status_code in (404, 405), (method, path)


def test_an_articles_title_is_quoted_as_the_readers_language_quotes(db, client):
    """German „…“ in a German log, English “…” in an English one (it was „…“ in both)."""
    from community.accounts.viewer import viewer_for
    from community.blog import service as blog

    admin = make_user(db, nickname="Chefin", role=Role.admin, staff=True, locale="en")
    board = make_category(db, slug="neuigkeiten")
    blog.create_article(
        db,
        viewer_for(db, admin),
        title="Neue Tarife",
        teaser="Kurz",
        body="Text",
        category_slug=board.slug,
    )
    db.commit()
    sign_in(client, admin)

    def log() -> str:  # the sentences without their links
        return re.sub(r"<[^>]+>", "", client.get("/admin/audit-log").text)

    assert "created the blog article “Neue Tarife”" in log()
    admin.locale = "de"
    db.add(admin)
    db.commit()
    assert "den Blog-Artikel „Neue Tarife“ angelegt" in log()
