"""Sign-in with the company's customer login against a real OpenID provider (oidc-provider
on a loopback port, see conftest.py): the whole Authorization Code flow with PKCE, state and
nonce; the first sign-in's nickname; the closed group from the contract claim; a key
rotation; the provider's logout; linking an existing account only after proof."""

from __future__ import annotations

import base64
import html
import json
import re
from typing import Any
from urllib.parse import parse_qs, urljoin, urlsplit

import httpx
from fastapi.testclient import TestClient
from pytest_httpserver import HTTPServer
from sqlalchemy import func, select
from sqlmodel import Session, col
from werkzeug import Request, Response

from community.accounts.models import GroupMember, OidcLink, OidcSession, Role, User
from community.moderation.models import AuditEntry
from tests.factories import PASSWORD, make_category, make_group, make_thread, make_user, sign_in
from tests.sso.conftest import CANARY_EMAIL, CANARY_NAME, RealProvider, browse_provider


def _start(client: TestClient) -> str:
    response = client.get("/sso/kunden/start?next=/settings", follow_redirects=False)
    assert response.status_code == 303, response.text
    return response.headers["location"]


def _sso_login(client: TestClient, login: str, at_provider: httpx.Client | None = None) -> Any:
    """Through the provider and back to the forum's callback; the forum's answer.
    `at_provider`: the browser's cookies at the provider, to sign out there later."""
    url = _start(client)
    query = parse_qs(urlsplit(url).query)
    # PKCE with S256, state and nonce on the way out.
    assert query["code_challenge_method"] == ["S256"]
    assert query["state"] and query["nonce"] and query["code_challenge"]
    back = browse_provider(url, login, at_provider)
    return client.get(back.removeprefix("http://testserver"), follow_redirects=False)


def _links(db: Session) -> int:
    return int(db.execute(select(func.count()).select_from(OidcLink)).scalar_one())


def test_first_sign_in_chooses_a_nickname_and_opens_the_contracts_closed_group(
    client: TestClient, anon: TestClient, db: Session, kunden: RealProvider
) -> None:
    premium = make_group(db, slug="premium-kunden")
    closed = make_category(db, name="Premium-Bereich", groups=[premium])
    public = make_category(db, name="Allgemeines")
    make_user(db, nickname="Erika")

    login_page = client.get("/login")
    assert "Mit Kundenkonto anmelden" in login_page.text
    assert 'href="/sso/kunden/start?next=/"' in login_page.text

    answer = _sso_login(client, "erika")
    assert answer.status_code == 303
    assert answer.headers["location"] == "/sso/nickname"
    assert _links(db) == 0  # nothing stored before the nickname is chosen

    form = client.get("/sso/nickname")
    assert "Sie sind über Ihr Firmenkonto angemeldet." in form.text
    assert CANARY_NAME not in form.text

    # The nickname rules of registration: a taken one is refused with free suggestions.
    taken = client.post(
        "/sso/nickname",
        data={"nickname": "erika", "csrf_token": client.cookies["community_csrf"]},
        follow_redirects=False,
    )
    assert taken.status_code == 422
    assert "schon vergeben" in taken.text
    assert 'value="erika"' in taken.text
    assert "Noch frei sind zum Beispiel:" in taken.text
    assert _links(db) == 0

    chosen = client.post(
        "/sso/nickname",
        data={"nickname": "Zahnrad", "csrf_token": client.cookies["community_csrf"]},
        follow_redirects=False,
    )
    assert chosen.status_code == 303
    assert chosen.headers["location"] == "/settings"

    member = db.execute(select(User).where(col(User.nickname) == "Zahnrad")).scalar_one()
    assert member.real_name == CANARY_NAME  # private field
    assert member.email == CANARY_EMAIL
    assert member.is_verified  # the provider said email_verified
    assert member.company == "Kanarien Maschinenbau GmbH"
    assert db.get(GroupMember, (premium.id, member.id)) is not None
    audit = db.execute(
        select(AuditEntry).where(col(AuditEntry.action) == "sso.claims")
    ).scalar_one()
    assert audit.after == {"groups": ["premium-kunden"], "role": "member", "is_staff": False}
    admin = make_user(db, role=Role.admin)
    audit_page = TestClient(client.app)
    sign_in(audit_page, admin)
    log = audit_page.get("/admin/audit-log")
    assert "system: Die Anmeldung über das Firmenkonto hat Gruppen oder Rolle von" in log.text
    audit_page.close()

    # Signed in, in the closed board; the settings list the link.
    settings = client.get("/settings")
    assert "Zahnrad" in settings.text
    assert "<strong>Kundenkonto</strong>" in settings.text  # the login's name, not its button
    assert "Verknüpfung lösen" in settings.text
    assert "Premium-Bereich" in client.get("/").text

    # The canary sweep: what others see of the member, on pages and in the API.
    db.refresh(member)
    thread = make_thread(db, author=member, category=public, title="Frage vom Kunden")
    make_thread(db, author=member, category=closed, title="Geschlossene Frage")
    stranger = make_user(db)
    other = TestClient(client.app)
    sign_in(other, stranger)
    surfaces = [
        "/",
        f"/t/{thread.id}",
        "/u/Zahnrad",
        "/leaderboard",
        "/search?q=Frage",
        f"/api/v1/threads/{thread.id}",
        f"/api/v1/threads/{thread.id}/posts",
        "/api/v1/users/Zahnrad",
        "/api/v1/threads",
    ]
    for viewer in (anon, other):
        for path in surfaces:
            page = viewer.get(path)
            assert page.status_code == 200, path
            for canary in (CANARY_NAME, "Kanarienvogel", CANARY_EMAIL, "Kanarien Maschinenbau"):
                assert canary not in page.text, (path, canary)
        assert "Premium-Bereich" not in viewer.get("/").text
    seen = anon.get(f"/t/{thread.id}", follow_redirects=True)
    assert "Zahnrad" in seen.text
    other.close()


def test_key_rotation_and_claims_applied_again_at_the_next_sign_in(
    client: TestClient, db: Session, kunden: RealProvider
) -> None:
    premium = make_group(db, slug="premium-kunden")
    assert _sso_login(client, "erika").headers["location"] == "/sso/nickname"
    client.get("/sso/nickname")
    client.post(
        "/sso/nickname",
        data={"nickname": "Zahnrad", "csrf_token": client.cookies["community_csrf"]},
    )
    member = db.execute(select(User).where(col(User.nickname) == "Zahnrad")).scalar_one()
    assert db.get(GroupMember, (premium.id, member.id)) is not None
    old_kid = kunden.kid

    # The provider rotates its signing key; the contract ended meanwhile.
    kunden.rotate(contract_tier="basic", groups=["kunden", "forum-mods"])
    assert kunden.kid != old_kid
    browser = TestClient(client.app)
    answer = _sso_login(browser, "erika")
    # Known subject: straight back, signed in; the unknown key id made the forum fetch the
    # new keys instead of refusing.
    assert answer.status_code == 303, answer.text
    assert answer.headers["location"] == "/settings"
    assert "Zahnrad" in browser.get("/settings").text
    db.expire_all()
    assert db.get(GroupMember, (premium.id, member.id)) is None
    member = db.get(User, member.id)
    assert member is not None and member.role == "moderator"
    entries = db.execute(
        select(AuditEntry).where(col(AuditEntry.action) == "sso.claims").order_by(AuditEntry.id)
    ).scalars()
    last = list(entries)[-1]
    assert last.before is not None and last.before["groups"] == ["premium-kunden"]
    assert last.after == {"groups": [], "role": "moderator", "is_staff": False}

    # Logout ends the forum session and sends the browser to the provider's end_session.
    # Through a page that goes on by itself: the pages' CSP (form-action 'self') blocks a
    # form's redirect to another site, so a 303 left the browser on the old page.
    out = browser.post(
        "/logout", data={"csrf_token": browser.cookies["community_csrf"]}, follow_redirects=False
    )
    assert out.status_code == 200
    refresh = re.search(r'<meta http-equiv="refresh" content="0; url=([^"]+)">', out.text)
    assert refresh is not None
    location = html.unescape(refresh.group(1))
    assert location.startswith(f"{kunden.issuer}/session/end?")
    assert "client_id=forum" in location
    assert "post_logout_redirect_uri=http%3A%2F%2Ftestserver%2F" in location
    browser.get("/")
    assert "Zahnrad" not in browser.get("/").text
    browser.close()


def test_an_existing_account_with_the_address_is_linked_only_after_its_password(
    client: TestClient, db: Session, kunden: RealProvider
) -> None:
    otto = make_user(db, nickname="Otto", email="otto@kunde.example")
    answer = _sso_login(client, "otto")
    assert answer.headers["location"] == "/sso/link"
    assert _links(db) == 0  # never linked silently
    page = client.get("/sso/link")
    assert "Passwort Ihres Kontos" in page.text

    wrong = client.post(
        "/sso/link",
        data={"password": "nicht-das-passwort", "csrf_token": client.cookies["community_csrf"]},
        follow_redirects=False,
    )
    assert wrong.status_code == 401
    assert _links(db) == 0

    right = client.post(
        "/sso/link",
        data={"password": PASSWORD, "csrf_token": client.cookies["community_csrf"]},
        follow_redirects=False,
    )
    assert right.status_code == 303, right.text
    link = db.execute(select(OidcLink)).scalar_one()
    assert link.user_id == otto.id and link.subject == "otto"
    assert "Otto" in client.get("/settings").text


def test_a_signed_in_member_links_a_login_from_the_settings_only_with_the_password(
    client: TestClient, db: Session, kunden: RealProvider
) -> None:
    """A live session alone no longer links: a sign-in forced on a signed-in member's
    browser (login CSRF at the provider) would have linked a stranger's login."""
    member = make_user(db, nickname="Mitglied", email="mitglied@example.com")
    csrf = sign_in(client, member)
    settings = client.get("/settings").text
    assert 'action="/settings/sso/kunden/link"' in settings and "/sso/kunden/start?" not in settings

    # A sign-in begun while signed in, not through the settings: no link.
    forced = _sso_login(client, "otto")
    assert forced.status_code == 400 and "schon angemeldet" in forced.text
    assert _links(db) == 0

    wrong = client.post(
        "/settings/sso/kunden/link", data={"csrf_token": csrf, "password": "falsch"}
    )
    assert wrong.status_code == 401 and "Das Passwort stimmt nicht." in wrong.text
    started = client.post(
        "/settings/sso/kunden/link",
        data={"csrf_token": csrf, "password": PASSWORD},
        follow_redirects=False,
    )
    assert started.status_code == 303 and started.headers["location"].startswith(kunden.issuer)
    back = browse_provider(started.headers["location"], "otto")
    done = client.get(back.removeprefix("http://testserver"), follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"] == "/settings#sso"
    assert "Ihr Firmenkonto ist jetzt mit diesem Konto verknüpft." in client.get("/settings").text
    link = db.execute(select(OidcLink)).scalar_one()
    assert link.user_id == member.id and link.subject == "otto"


def _sign_out_at_provider(at_provider: httpx.Client, issuer: str) -> None:
    """The member presses "Yes, sign me out" on the provider's own end-session page."""
    page = at_provider.get(f"{issuer}/session/end")
    assert page.status_code == 200, page.text[:300]
    action = re.search(r'<form[^>]*action="([^"]+)"', page.text)
    xsrf = re.search(r'name="xsrf" value="([^"]+)"', page.text)
    assert action is not None and xsrf is not None, page.text[:500]
    done = at_provider.post(
        urljoin(str(page.url), action.group(1)), data={"xsrf": xsrf.group(1), "logout": "yes"}
    )
    assert done.status_code in (200, 303), done.text[:300]


def _payload(token: str) -> dict[str, Any]:
    part = token.split(".")[1]
    return dict(json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))))


def test_the_providers_logout_token_ends_exactly_the_session_its_sid_names(
    client: TestClient, anon: TestClient, db: Session, kunden: RealProvider, httpserver: HTTPServer
) -> None:
    received: list[str] = []

    def receive(request: Request) -> Response:
        received.append(request.form["logout_token"])
        return Response("", status=200)

    httpserver.expect_request("/logout", method="POST").respond_with_handler(receive)
    kunden.send_logouts_to(httpserver.url_for("/logout"))

    # The member signs in in two browsers: two sessions at the provider and at the forum.
    first_browser = httpx.Client(timeout=10)
    assert _sso_login(client, "erika", first_browser).headers["location"] == "/sso/nickname"
    client.get("/sso/nickname")
    client.post(
        "/sso/nickname",
        data={"nickname": "Zahnrad", "csrf_token": client.cookies["community_csrf"]},
    )
    other = TestClient(client.app)
    assert _sso_login(other, "erika").headers["location"] == "/settings"
    for browser in (client, other):
        assert "Zahnrad" in browser.get("/settings").text
    sids = [row.sid for row in db.execute(select(OidcSession)).scalars()]
    assert len(set(sids)) == 2  # each forum session knows its provider session

    # Signed out at the provider in the first browser: its real logout token names the
    # member and that provider session.
    _sign_out_at_provider(first_browser, kunden.issuer)
    first_browser.close()
    assert len(received) == 1
    claims = _payload(received[0])
    assert claims["sub"] == "erika" and claims["sid"] in sids

    done = anon.post("/sso/kunden/backchannel-logout", data={"logout_token": received[0]})
    assert done.status_code == 200
    assert client.get("/settings", follow_redirects=False).status_code == 303  # ended
    assert "Zahnrad" in other.get("/settings").text  # the other browser's session goes on

    # The same token once more (replay) is refused; nothing else ends.
    again = anon.post("/sso/kunden/backchannel-logout", data={"logout_token": received[0]})
    assert again.status_code == 400
    assert "Zahnrad" in other.get("/settings").text
    other.close()
