"""ID tokens the forum must refuse, and back-channel logout tokens.

oidc-provider only ever issues correct tokens, so these tests put a small provider of
their own next to it: a real HTTP server (pytest-httpserver) that serves a discovery
document, its key set and a token endpoint answering with an ID token made here, signed
with joserfc, with one thing wrong at a time. Each is refused with a clear page and nothing
is stored; the same answer made right signs in (so the harness is not what refuses)."""

from __future__ import annotations

import base64
import hashlib
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from fastapi.testclient import TestClient
from joserfc import jwt
from joserfc.jwk import KeySet, RSAKey
from pytest_httpserver import HTTPServer
from sqlalchemy import func, select
from sqlmodel import Session
from werkzeug import Request, Response

from community.accounts.models import OidcLink, User, UserSession
from tests.factories import PASSWORD, make_user, sign_in
from tests.sso.conftest import kunden_config

KEY = RSAKey.generate_key(2048, parameters={"kid": "eigen-1", "use": "sig"}, private=True)
# Another key under the same key id: a forged signature.
FORGED = RSAKey.generate_key(2048, parameters={"kid": "eigen-1", "use": "sig"}, private=True)


class OwnProvider:
    """Discovery, keys and a token endpoint whose ID token the test shapes."""

    def __init__(self, server: HTTPServer) -> None:
        self.server = server
        self.issuer = server.url_for("/eigen")
        self.claims_change: Callable[[dict[str, Any]], None] = lambda claims: None
        self.signing_key = KEY
        self.challenge = ""
        self.nonce = ""
        self.pkce_ok: bool | None = None
        server.expect_request("/eigen/.well-known/openid-configuration").respond_with_json(
            {
                "issuer": self.issuer,
                "authorization_endpoint": f"{self.issuer}/authorize",
                "token_endpoint": f"{self.issuer}/token",
                "jwks_uri": f"{self.issuer}/jwks",
            }
        )
        server.expect_request("/eigen/jwks").respond_with_json(KeySet([KEY]).as_dict(private=False))
        server.expect_request("/eigen/token", method="POST").respond_with_handler(self.token)

    def token(self, request: Request) -> Response:
        verifier = request.form.get("code_verifier", "")
        digest = hashlib.sha256(verifier.encode()).digest()
        self.pkce_ok = base64.urlsafe_b64encode(digest).rstrip(b"=").decode() == self.challenge
        now = int(time.time())
        claims: dict[str, Any] = {
            "iss": self.issuer,
            "aud": "forum",
            "sub": "kunde-42",
            "iat": now,
            "exp": now + 300,
            "nonce": self.nonce,
            "name": "Geheimer Klarname",
            "email": "geheim@kunde.example",
            "email_verified": True,
        }
        self.claims_change(claims)
        id_token = jwt.encode({"alg": "RS256", "kid": "eigen-1"}, claims, self.signing_key)
        return Response(
            f'{{"access_token": "at", "token_type": "Bearer", "id_token": "{id_token}"}}',
            content_type="application/json",
        )


@pytest.fixture
def own(httpserver: HTTPServer, use_providers: Any) -> OwnProvider:
    provider = OwnProvider(httpserver)
    use_providers(kunden_config(provider.issuer, name="eigen", client_secret="s"))
    return provider


def _callback(client: TestClient, own: OwnProvider, *, link_with: str | None = None) -> Any:
    """Through the provider's answer and back; `link_with`: a signed-in member's password,
    to link from the settings instead of signing in."""
    if link_with is None:
        start = client.get("/sso/eigen/start", follow_redirects=False)
    else:
        start = client.post(
            "/settings/sso/eigen/link",
            data={"csrf_token": client.cookies["community_csrf"], "password": link_with},
            follow_redirects=False,
        )
    assert start.status_code == 303
    query = parse_qs(urlsplit(start.headers["location"]).query)
    own.nonce = query["nonce"][0]
    own.challenge = query["code_challenge"][0]
    return client.get(
        f"/sso/eigen/callback?code=abc&state={query['state'][0]}", follow_redirects=False
    )


def _stored(db: Session) -> tuple[int, int, int]:
    def count(table: type) -> int:
        return int(db.execute(select(func.count()).select_from(table)).scalar_one())

    return count(User), count(OidcLink), count(UserSession)


def _late(claims: dict[str, Any]) -> None:
    claims["iat"] -= 7200
    claims["exp"] -= 7200


@pytest.mark.parametrize(
    ("defect", "message"),
    [
        (lambda c: c.update(nonce="eine-andere-anmeldung"), "gehört nicht zu dieser Anmeldung"),
        (lambda c: c.update(aud="ein-anderes-forum"), "nicht für dieses Forum bestimmt"),
        (lambda c: c.update(iss="http://127.0.0.1:1/fremd"), "nicht für dieses Forum bestimmt"),
        (_late, "ist abgelaufen"),
        ("forged", "Signatur"),
    ],
    ids=["wrong-nonce", "wrong-audience", "wrong-issuer", "expired", "bad-signature"],
)
def test_a_wrong_id_token_is_refused_with_a_clear_page_and_nothing_stored(
    client: TestClient, db: Session, own: OwnProvider, defect: Any, message: str
) -> None:
    before = _stored(db)
    if defect == "forged":
        own.signing_key = FORGED
    else:
        own.claims_change = defect
    answer = _callback(client, own)
    assert answer.status_code == 400
    assert "Anmeldung nicht möglich" in answer.text
    assert message in answer.text
    assert own.pkce_ok is True
    assert _stored(db) == before
    assert "community_sso_pending" not in answer.cookies
    assert "Geheimer Klarname" not in answer.text


def test_the_same_token_made_right_is_accepted(
    client: TestClient, db: Session, own: OwnProvider
) -> None:
    answer = _callback(client, own)
    assert answer.status_code == 303
    assert answer.headers["location"] == "/sso/nickname"
    assert own.pkce_ok is True


def test_a_callback_without_the_flow_or_with_another_state_is_refused(
    client: TestClient, anon: TestClient, own: OwnProvider
) -> None:
    # No flow cookie at all (a link sent by someone else): refused, the provider unasked.
    answer = anon.get("/sso/eigen/callback?code=abc&state=xyz", follow_redirects=False)
    assert answer.status_code == 400
    assert "in einem anderen Fenster begonnen" in answer.text
    client.get("/sso/eigen/start", follow_redirects=False)
    answer = client.get("/sso/eigen/callback?code=abc&state=falsch", follow_redirects=False)
    assert answer.status_code == 400
    assert own.pkce_ok is None  # the token endpoint was never called
    # The English page says the same in English.
    english = anon.get("/sso/eigen/callback?code=abc&state=xyz", headers={"Accept-Language": "en"})
    assert "Sign-in not possible" in english.text


def _logout_token(own: OwnProvider, key: RSAKey = KEY, **changes: Any) -> str:
    now = int(time.time())
    claims: dict[str, Any] = {
        "iss": own.issuer,
        "aud": "forum",
        "sub": "kunde-42",
        "iat": now,
        "jti": f"jti-{now}",
        "events": {"http://schemas.openid.net/event/backchannel-logout": {}},
    }
    claims.update(changes)
    claims = {key: value for key, value in claims.items() if value is not None}
    return jwt.encode({"alg": "RS256", "kid": "eigen-1", "typ": "logout+jwt"}, claims, key)


def test_back_channel_logout_ends_the_members_sessions_only_with_a_valid_token(
    client: TestClient, db: Session, own: OwnProvider
) -> None:
    member = make_user(db, nickname="Zahnrad")
    db.add(OidcLink(provider="eigen", subject="kunde-42", user_id=member.id))
    db.commit()
    sign_in(client, member)
    assert "Zahnrad" in client.get("/settings").text
    url = "/sso/eigen/backchannel-logout"

    for bad in (
        _logout_token(own, FORGED),
        _logout_token(own, aud="ein-anderes-forum"),
        _logout_token(own, events={}),
        _logout_token(own, nonce="verboten"),
        "kein-token",
    ):
        refused = TestClient(client.app).post(url, data={"logout_token": bad})
        assert refused.status_code == 400
        assert refused.json()["error"] == "invalid_request"
    assert "Zahnrad" in client.get("/settings").text

    done = TestClient(client.app).post(url, data={"logout_token": _logout_token(own)})
    assert done.status_code == 200
    assert done.headers["cache-control"] == "no-store"
    assert client.get("/settings", follow_redirects=False).status_code == 303


def test_a_banned_member_is_not_signed_in_by_the_provider(
    client: TestClient, db: Session, own: OwnProvider
) -> None:
    member = make_user(db, nickname="Gesperrt")
    member.is_active = False
    db.add(OidcLink(provider="eigen", subject="kunde-42", user_id=member.id))
    db.commit()
    before = _stored(db)
    answer = _callback(client, own)
    assert answer.status_code == 403
    assert "Dieses Konto ist gesperrt." in answer.text
    assert _stored(db) == before
    assert "community_session" not in answer.cookies


def test_a_signed_in_member_links_the_provider_from_the_settings(
    client: TestClient, db: Session, own: OwnProvider
) -> None:
    member = make_user(db, nickname="Zahnrad")
    sign_in(client, member)
    old_session = client.cookies["community_session"]
    answer = _callback(client, own, link_with=PASSWORD)
    assert answer.status_code == 303 and answer.headers["location"] == "/settings#sso"
    link = db.execute(select(OidcLink)).scalar_one()
    assert (link.user_id, link.provider, link.subject) == (member.id, "eigen", "kunde-42")
    db.refresh(member)
    assert member.real_name == "Geheimer Klarname"  # private field, from the provider
    # A new session; the one before the sign-in is over.
    assert client.cookies["community_session"] != old_session
    assert db.execute(select(func.count()).select_from(UserSession)).scalar_one() == 1


def test_a_logout_token_naming_only_the_providers_session_ends_exactly_that_session(
    client: TestClient, db: Session, own: OwnProvider
) -> None:
    member = make_user(db, nickname="Zahnrad")
    db.add(OidcLink(provider="eigen", subject="kunde-42", user_id=member.id))
    db.commit()
    browsers = []
    for sid in ("op-sitzung-1", "op-sitzung-2"):
        browser = TestClient(client.app)
        own.claims_change = lambda claims, sid=sid: claims.update(sid=sid)
        assert _callback(browser, own).status_code == 303
        assert "Zahnrad" in browser.get("/settings").text
        browsers.append(browser)
    url = "/sso/eigen/backchannel-logout"

    def post(token: str) -> int:
        return TestClient(client.app).post(url, data={"logout_token": token}).status_code

    # No sub and no sid: nothing to end, refused. An unknown provider session ends nothing.
    assert post(_logout_token(own, sub=None, jti="ohne-beides")) == 400
    assert post(_logout_token(own, sub=None, sid="unbekannt", jti="fremd")) == 200
    # Too old to be this logout's (its jti would have been forgotten): refused.
    assert post(_logout_token(own, sub=None, sid="op-sitzung-1", iat=int(time.time()) - 900)) == 400
    assert all("Zahnrad" in browser.get("/settings").text for browser in browsers)

    token = _logout_token(own, sub=None, sid="op-sitzung-1", jti="einmalig")
    assert post(token) == 200
    assert browsers[0].get("/settings", follow_redirects=False).status_code == 303
    assert "Zahnrad" in browsers[1].get("/settings").text
    # Replayed, or its jti in another token: refused, the other session goes on.
    assert post(token) == 400
    assert post(_logout_token(own, sub=None, sid="op-sitzung-2", jti="einmalig")) == 400
    assert "Zahnrad" in browsers[1].get("/settings").text
    for browser in browsers:
        browser.close()


def _reauth(client: TestClient, own: OwnProvider) -> Any:
    start = client.get("/sso/eigen/start?purpose=reauth&next=/settings", follow_redirects=False)
    assert start.status_code == 303
    query = parse_qs(urlsplit(start.headers["location"]).query)
    own.nonce = query["nonce"][0]
    own.challenge = query["code_challenge"][0]
    return client.get(
        f"/sso/eigen/callback?code=abc&state={query['state'][0]}", follow_redirects=False
    )


def test_a_proof_without_a_fresh_sign_in_at_the_provider_is_refused(
    client: TestClient, anon: TestClient, db: Session, own: OwnProvider
) -> None:
    member = make_user(db, nickname="Zahnrad")
    db.add(OidcLink(provider="eigen", subject="kunde-42", user_id=member.id))
    db.commit()
    # Not signed in, or no link to this provider: no proof flow at all.
    assert anon.get("/sso/eigen/start?purpose=reauth", follow_redirects=False).status_code == 303
    assert "/login" in anon.get("/sso/eigen/start?purpose=reauth").url.path
    sign_in(client, member)
    for stale in (
        lambda c: c.update(auth_time=int(time.time()) - 3600),  # the provider's old session
        lambda c: c.pop("auth_time", None),  # max_age ignored by the provider
    ):
        own.claims_change = stale
        answer = _reauth(client, own)
        assert answer.status_code == 400
        assert "keine neue Anmeldung verlangt" in answer.text
        assert "community_sso_proof" not in answer.cookies
    # The same answer with a fresh auth_time is accepted (the harness is not what refuses).
    own.claims_change = lambda c: c.update(auth_time=int(time.time()))
    accepted = _reauth(client, own)
    assert accepted.status_code == 303
    assert "community_sso_proof" in accepted.cookies
    # A member without a link to this provider gets no proof flow.
    other = TestClient(client.app)
    sign_in(other, make_user(db, nickname="Otto"))
    assert other.get("/sso/eigen/start?purpose=reauth").status_code == 404
    other.close()
