"""/admin/tokens: an admin gives the CRM its token in the browser (no curl, no shell),
sees the secret once, and revokes it; refused forms keep what was chosen."""

from __future__ import annotations

import html
import re

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from community.accounts.models import ApiToken, Role
from community.moderation.models import AuditEntry
from tests.factories import make_group, make_user, sign_in


def _post(client: TestClient, url: str, csrf: str, **fields: object):  # type: ignore[no-untyped-def]
    return client.post(url, data={"csrf_token": csrf, **fields}, follow_redirects=False)


@pytest.fixture
def admin_csrf(db: Session, client: TestClient) -> str:
    make_group(db, slug="partner")
    return sign_in(client, make_user(db, nickname="Admina", role=Role.admin))


def test_a_token_is_made_shown_once_works_and_is_revoked(
    db: Session, client: TestClient, anon: TestClient, admin_csrf: str
) -> None:
    made = _post(
        client,
        "/admin/tokens",
        admin_csrf,
        name="CRM Vertrieb",
        scopes=["faq:read", "events:read"],
        groups=["partner"],
    )
    assert made.status_code == 200 and made.headers["cache-control"] == "no-store"
    [secret] = re.findall(r'id="new-token-value"[^>]*>(cmt_[^<]+)</textarea>', made.text)
    assert "Token „CRM Vertrieb“ angelegt" in html.unescape(made.text)

    # The list names it with its beginning and scopes; the secret itself is not shown again.
    page = client.get("/admin/tokens").text
    assert "CRM Vertrieb" in page and f"{secret[:10]}…" in page
    assert "faq:read:group:partner" in page and secret not in page
    token = db.execute(select(ApiToken).where(ApiToken.name == "CRM Vertrieb")).scalar_one()
    assert token.scope_list == ["events:read", "faq:read", "faq:read:group:partner"]
    assert (
        db.execute(select(AuditEntry).where(AuditEntry.action == "token.create"))
        .scalar_one()
        .after["name"]
        == "CRM Vertrieb"
    )

    # The CRM reads with it; once revoked, it is refused.
    bearer = {"Authorization": f"Bearer {secret}"}
    assert anon.get("/api/v1/faq", headers=bearer).status_code == 200
    revoked = _post(client, f"/admin/tokens/{token.id}/revoke", admin_csrf)
    assert revoked.status_code == 303
    after = client.get(revoked.headers["location"]).text
    assert "Das Token ist widerrufen" in after and "widerrufen am" in after
    assert anon.get("/api/v1/faq", headers=bearer).status_code == 401


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"name": "", "scopes": ["faq:read"]}, "Der Name braucht 1 bis 100 Zeichen."),
        ({"name": "   ", "scopes": ["faq:read"]}, "Der Name braucht 1 bis 100 Zeichen."),
        ({"name": "CRM"}, "Bitte mindestens eine Berechtigung wählen."),
        ({"name": "CRM", "groups": ["partner"]}, "braucht das Token auch faq:read"),
        (
            {"name": "CRM", "scopes": ["faq:read"], "groups": ["gibt-es-nicht"]},
            "Diese Gruppe gibt es nicht: gibt-es-nicht",
        ),
        ({"name": "CRM", "scopes": ["alles:schreiben"]}, "Unbekannte Berechtigung"),
    ],
)
def test_a_refused_token_keeps_the_form_and_makes_nothing(
    db: Session, client: TestClient, admin_csrf: str, fields: dict[str, object], message: str
) -> None:
    refused = _post(client, "/admin/tokens", admin_csrf, **fields)
    assert refused.status_code == 422
    text = html.unescape(refused.text)
    assert message in text and "cmt_" not in text
    if fields["name"] == "CRM":
        assert 'value="CRM"' in text
    if "groups" in fields and fields["groups"] == ["partner"]:
        assert re.search(r'name="groups" value="partner" checked', text)
    if "scopes" in fields and fields["scopes"] == ["faq:read"]:
        assert re.search(r'name="scopes" value="faq:read" checked', text)
    assert db.execute(select(ApiToken)).first() is None


def test_moderators_cannot_make_or_revoke_tokens(db: Session, client: TestClient) -> None:
    admin = make_user(db, role=Role.admin)
    from community.accounts import service as accounts

    token, _raw = accounts.create_api_token(db, name="CRM", scopes=["faq:read"], created_by=admin)
    db.commit()
    csrf = sign_in(client, make_user(db, role=Role.moderator))
    assert client.get("/admin/tokens").status_code == 404
    assert (
        _post(client, "/admin/tokens", csrf, name="Meins", scopes=["leads:read"]).status_code == 404
    )
    assert _post(client, f"/admin/tokens/{token.id}/revoke", csrf).status_code == 404
    db.refresh(token)
    assert token.revoked_at is None
    assert db.execute(select(ApiToken).where(ApiToken.name == "Meins")).first() is None
