"""What surrounds the provider sign-in: a provider that is down, password login for admins
only, the linked providers in the settings and unlinking, the mail link as proof, erasure."""

from __future__ import annotations

import html
import re
import socket
from typing import Any
from urllib.parse import urlsplit

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from sqlmodel import Session, col

from community.accounts import oidc_service
from community.accounts.models import GroupMember, OidcLink, Role, User
from community.accounts.viewer import viewer_for
from community.config import OidcRule
from community.jobs.worker import Worker
from community.privacy import service as privacy
from tests.factories import PASSWORD, make_group, make_user, sign_in
from tests.smtp import mailbox, smtp_server  # noqa: F401
from tests.sso.conftest import RealProvider, browse_provider, kunden_config


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _csrf(client: TestClient) -> str:
    client.get("/login")
    return client.cookies["community_csrf"]


def test_a_provider_that_is_down_leaves_the_forum_and_password_login_working(
    client: TestClient, db: Session, use_providers: Any
) -> None:
    use_providers(kunden_config(f"http://127.0.0.1:{_closed_port()}"))
    member = make_user(db)
    login = client.get("/login")
    assert login.status_code == 200
    assert "Mit Kundenkonto anmelden" in login.text  # the button stays
    assert "nicht erreichbar" not in login.text  # nobody asked the provider yet

    start = client.get("/sso/kunden/start", follow_redirects=False)
    assert start.status_code == 503
    assert "gerade nicht erreichbar" in start.text
    # The login page now says so beside the button, without asking the provider again.
    assert "war eben nicht erreichbar" in client.get("/login").text

    signed_in = client.post(
        "/login",
        data={"email": member.email, "password": PASSWORD, "csrf_token": _csrf(client)},
        follow_redirects=False,
    )
    assert signed_in.status_code == 303


def test_a_provider_back_is_noticed_within_seconds(
    client: TestClient, kunden: RealProvider
) -> None:
    """The forum answered 503 for a minute after a provider's outage ended."""
    import time

    from community.accounts import oidc

    oidc.reset_caches()
    oidc._down_since["kunden"] = time.monotonic()  # a fetch failed just now
    assert client.get("/sso/kunden/start", follow_redirects=False).status_code == 503
    # The provider is back (it always was, here); once RETRY_SECONDS have passed since
    # the failure, the next sign-in asks it again and goes through.
    oidc._down_since["kunden"] = time.monotonic() - oidc.RETRY_SECONDS - 0.1
    started = client.get("/sso/kunden/start", follow_redirects=False)
    assert started.status_code in (302, 303, 307) and kunden.issuer in started.headers["location"]
    assert not oidc.is_known_down(oidc.get_provider("kunden"))


def test_password_login_for_admins_only(
    client: TestClient, db: Session, use_providers: Any, settings: Any, monkeypatch: Any
) -> None:
    use_providers(kunden_config("http://127.0.0.1:9"))
    assert 'href="/register"' in client.get("/").text  # open registration: the header offers it
    monkeypatch.setattr(settings, "password_login_admins_only", True)
    member = make_user(db)
    admin = make_user(db, role=Role.admin)

    page = client.get("/login")
    assert "Administratoren vorbehalten" in page.text
    assert "Neu hier? Registrieren" not in page.text
    # Neither the login page nor the header (on every page) offers a registration.
    for path in ("/login", "/", "/forgot-password"):
        assert 'href="/register"' not in client.get(path).text, path
    closed = client.get("/register")  # typed in by hand: says why, no form
    assert closed.status_code == 403
    assert "mit Ihrem Firmenkonto an" in closed.text and 'name="nickname"' not in closed.text
    registration = client.post(
        "/register",
        data={
            "email": "neu@example.com",
            "nickname": "Neuling",
            "password": "ein-sehr-langes-Passwort-42",
            "csrf_token": _csrf(client),
        },
    )
    assert registration.status_code == 403
    assert db.execute(select(User).where(col(User.nickname) == "Neuling")).first() is None
    refused = client.post(
        "/login",
        data={"email": member.email, "password": PASSWORD, "csrf_token": _csrf(client)},
        follow_redirects=False,
    )
    assert refused.status_code == 403
    assert "mit Ihrem Firmenkonto an" in refused.text
    assert "community_session" not in refused.cookies

    # Break glass: the admin still gets in with the password.
    admitted = client.post(
        "/login",
        data={"email": admin.email, "password": PASSWORD, "csrf_token": _csrf(client)},
        follow_redirects=False,
    )
    assert admitted.status_code == 303
    # The API's login follows the same rule.
    api = TestClient(client.app).post(
        "/api/v1/auth/login", json={"email": member.email, "password": PASSWORD}
    )
    assert api.status_code == 403


def test_settings_list_links_and_unlinking_needs_a_password_or_another_provider(
    client: TestClient, db: Session, use_providers: Any
) -> None:
    use_providers(
        kunden_config("http://127.0.0.1:9"),
        kunden_config(
            "http://127.0.0.1:9", name="personal", button_de="Mit Mitarbeiterkonto", label_de=""
        ),
    )
    member = make_user(db, nickname="Zahnrad")
    member.password_hash = oidc_service.NO_PASSWORD  # made by a provider: no password of its own
    db.add_all(
        [
            OidcLink(provider="kunden", subject="k-1", user_id=member.id),
            OidcLink(provider="personal", subject="p-1", user_id=member.id),
        ]
    )
    db.commit()
    token = sign_in(client, member)
    page = client.get("/settings")
    # Each link by its login's name; a provider without one by its button's text.
    assert "<strong>Kundenkonto</strong>" in page.text
    assert "<strong>Mit Mitarbeiterkonto</strong>" in page.text

    # Another provider stays: no password needed.
    done = client.post(
        "/settings/sso/personal/unlink", data={"csrf_token": token}, follow_redirects=False
    )
    assert done.status_code == 303
    # The last link of an account without a password would lock it out: refused.
    refused = client.post(
        "/settings/sso/kunden/unlink",
        data={"csrf_token": token, "password": "geraten"},
        follow_redirects=False,
    )
    assert refused.status_code == 422
    assert "Das aktuelle Passwort stimmt nicht." in refused.text
    links = db.execute(select(OidcLink.provider).where(col(OidcLink.user_id) == member.id))
    assert list(links.scalars()) == ["kunden"]
    # The page asks for no password the account does not have: it says what to do first
    page = client.get("/settings").text
    assert "Legen Sie zuerst ein Passwort fest" in page
    assert 'action="/settings/sso/kunden/unlink"' not in page


def test_the_last_link_goes_with_the_accounts_password(
    client: TestClient, db: Session, use_providers: Any
) -> None:
    use_providers(kunden_config("http://127.0.0.1:9"))
    member = make_user(db)
    db.add(OidcLink(provider="kunden", subject="k-2", user_id=member.id))
    db.commit()
    token = sign_in(client, member)
    without = client.post("/settings/sso/kunden/unlink", data={"csrf_token": token})
    assert without.status_code == 422
    assert "Bitte geben Sie Ihr Passwort ein" in without.text
    done = client.post(
        "/settings/sso/kunden/unlink",
        data={"csrf_token": token, "password": PASSWORD},
        follow_redirects=False,
    )
    assert done.status_code == 303
    count = db.execute(select(func.count()).select_from(OidcLink)).scalar_one()
    assert count == 0
    assert "Kein Firmenkonto verknüpft." in client.get("/settings").text


def test_a_mail_link_proves_the_existing_account(
    client: TestClient,
    db: Session,
    engine: Engine,
    kunden: RealProvider,
    mailbox: Any,  # noqa: F811
) -> None:
    otto = make_user(db, nickname="Otto", email="otto@kunde.example")
    start = client.get("/sso/kunden/start", follow_redirects=False)
    back = browse_provider(start.headers["location"], "otto")
    assert (
        client.get(back.removeprefix("http://testserver"), follow_redirects=False).headers[
            "location"
        ]
        == "/sso/link"
    )
    client.get("/sso/link")
    sent = client.post("/sso/link/mail", data={"csrf_token": client.cookies["community_csrf"]})
    assert sent.status_code == 200
    assert db.execute(select(func.count()).select_from(OidcLink)).scalar_one() == 0
    Worker(engine).run_until_empty()
    [mail] = mailbox.to("otto@kunde.example")
    link = re.search(r"http://testserver(/sso/link/confirm\?token=\S+)", mail.text)
    assert link is not None
    # Opened in another browser (the owner's mail program, a scanner): refused, nothing
    # linked. Else whoever typed the owner's address at the provider got the account.
    other = TestClient(client.app)
    elsewhere = other.get(link.group(1), follow_redirects=False)
    assert elsewhere.status_code == 400 and "in dem Browser" in elsewhere.text
    other.close()
    # In the browser that asked: a page names the company login; opening it links nothing
    page = client.get(link.group(1))
    assert page.status_code == 200 and "otto@kunde.example" in page.text
    assert db.execute(select(func.count()).select_from(OidcLink)).scalar_one() == 0
    token = re.search(r'name="token" value="([^"]+)"', page.text)
    assert token is not None
    confirmed = client.post(
        "/sso/link/confirm",
        data={"csrf_token": client.cookies["community_csrf"], "token": html.unescape(token[1])},
        follow_redirects=False,
    )
    assert confirmed.status_code == 303
    assert urlsplit(confirmed.headers["location"]).path == "/settings"
    assert db.execute(select(OidcLink.user_id)).scalar_one() == otto.id
    assert "Otto" in client.get("/settings").text
    # A tampered link links nothing.
    assert client.get(link.group(1)[:-3] + "xyz").status_code == 400


def test_an_unverified_address_is_offered_no_account_to_link(
    client: TestClient, db: Session, kunden: RealProvider
) -> None:
    """Someone who typed Otto's address at a provider that did not check it is not asked
    for Otto's password (a form to guess it at) nor sent a link to his mailbox."""
    make_user(db, nickname="Otto", email="otto@kunde.example")
    start = client.get("/sso/kunden/start", follow_redirects=False)
    back = browse_provider(start.headers["location"], "mallory")
    answer = client.get(back.removeprefix("http://testserver"), follow_redirects=False)
    assert answer.headers["location"] == "/sso/nickname"  # a new account of its own


def test_an_account_never_confirmed_is_not_offered_to_the_addresses_owner(
    client: TestClient, db: Session, kunden: RealProvider, make_client: Any
) -> None:
    """Registered under Otto's address and never confirmed, by someone else who keeps its
    password: Otto's company login must not be led into it (a pre-hijacked account)."""
    make_user(db, nickname="Vorab", email="otto@kunde.example", verified=False)
    start = client.get("/sso/kunden/start", follow_redirects=False)
    back = browse_provider(start.headers["location"], "otto")
    answer = client.get(back.removeprefix("http://testserver"), follow_redirects=False)
    assert answer.headers["location"] == "/sso/nickname"  # an account of Otto's own
    # The same through a provider that did not verify the address (mallory typed Otto's):
    # her account keeps it unconfirmed, and Otto is still not led into it
    other = make_client()
    first = other.get("/sso/kunden/start", follow_redirects=False)
    mallory = browse_provider(first.headers["location"], "mallory")
    assert (
        other.get(mallory.removeprefix("http://testserver"), follow_redirects=False).headers[
            "location"
        ]
        == "/sso/nickname"
    )


def test_the_link_mail_is_sent_a_few_times_an_hour(
    client: TestClient, db: Session, kunden: RealProvider
) -> None:
    make_user(db, nickname="Otto", email="otto@kunde.example")
    start = client.get("/sso/kunden/start", follow_redirects=False)
    back = browse_provider(start.headers["location"], "otto")
    client.get(back.removeprefix("http://testserver"))
    pending = client.cookies["community_sso_pending"]
    statuses = []
    for _ in range(4):
        client.cookies.set("community_sso_pending", pending)  # replayed, as an attacker would
        sent = client.post("/sso/link/mail", data={"csrf_token": client.cookies["community_csrf"]})
        statuses.append(sent.status_code)
    assert statuses == [200, 200, 200, 429]


def test_an_odd_state_in_the_callback_is_refused_not_crashed(
    client: TestClient, kunden: RealProvider
) -> None:
    start = client.get("/sso/kunden/start", follow_redirects=False)
    assert start.status_code in (302, 303, 307)
    odd = client.get("/sso/kunden/callback", params={"code": "x", "state": "ä"})
    assert odd.status_code == 400


def test_a_providers_end_session_is_a_web_address_or_nothing(
    kunden: RealProvider, monkeypatch: Any
) -> None:
    from community.accounts import oidc

    provider = oidc.get_provider("kunden")
    monkeypatch.setattr(
        oidc, "metadata", lambda _p: {"end_session_endpoint": "javascript:alert(1)"}
    )
    assert oidc.end_session_url(provider) is None


def test_the_password_to_link_an_account_is_limited_like_the_sign_in(
    client: TestClient, db: Session, kunden: RealProvider, settings: Any, monkeypatch: Any
) -> None:
    monkeypatch.setattr(settings, "login_rate", "3/minute")
    make_user(db, nickname="Otto", email="otto@kunde.example")
    start = client.get("/sso/kunden/start", follow_redirects=False)
    back = browse_provider(start.headers["location"], "otto")
    client.get(back.removeprefix("http://testserver"))
    csrf = client.cookies["community_csrf"]
    tries = [
        client.post("/sso/link", data={"csrf_token": csrf, "password": f"falsch-{n}"})
        for n in range(4)
    ]
    assert [t.status_code for t in tries] == [401, 401, 401, 429]
    assert "Das Passwort stimmt nicht." in tries[0].text
    assert "Retry-After" in tries[-1].headers


def test_an_account_takes_one_identity_per_provider(db: Session, kunden: RealProvider) -> None:
    """A second could not be told apart in the settings, and unlinking took the wrong one."""
    from community.accounts import oidc
    from community.errors import Conflict

    otto = make_user(db, nickname="Otto", email="otto@kunde.example")
    provider = oidc.get_provider("kunden")
    oidc_service.link_account(db, provider, {"sub": "otto"}, otto)
    with pytest.raises(Conflict):
        oidc_service.link_account(db, provider, {"sub": "jemand-anders"}, otto)
    oidc_service.link_account(db, provider, {"sub": "otto"}, otto)  # the same again: fine


def test_links_made_at_the_same_moment_are_refused_not_crashed(
    db: Session, kunden: RealProvider, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two confirmations at once both pass the service's checks (neither sees the other's
    link yet); the schema's constraints catch the second, and the member gets a refusal."""
    from community.accounts import oidc
    from community.errors import Conflict

    otto, anna = make_user(db, nickname="Otto"), make_user(db, nickname="Anna")
    provider = oidc.get_provider("kunden")
    oidc_service.link_account(db, provider, {"sub": "otto"}, otto)
    seen = oidc_service._find_link
    blind = [True]  # the first lookup of each attempt does not see the other's link yet

    def find_link(*args: Any) -> OidcLink | None:
        if blind.pop() if blind else False:
            return None
        return seen(*args)

    monkeypatch.setattr(oidc_service, "links_of", lambda session, user: [])
    monkeypatch.setattr(oidc_service, "_find_link", find_link)

    # A second identity of the same provider for Otto.
    with pytest.raises(Conflict, match="anderen Konto dieses Anbieters"):
        oidc_service.link_account(db, provider, {"sub": "otto-2"}, otto)
    # Otto's identity for Anna too.
    blind.append(True)
    with pytest.raises(Conflict, match="Firmenkonto ist schon mit einem anderen Konto"):
        oidc_service.link_account(db, provider, {"sub": "otto"}, anna)

    # Otto's own second click at the same moment: his link, no refusal.
    blind.append(True)
    assert oidc_service.link_account(db, provider, {"sub": "otto"}, otto).id == otto.id

    # Nothing else was undone: Otto's link stands, and the transaction goes on.
    links = db.execute(select(OidcLink.subject, OidcLink.user_id)).all()
    assert [tuple(row) for row in links] == [("otto", otto.id)]


def test_erasure_removes_the_link(db: Session, use_providers: Any) -> None:
    member = make_user(db)
    db.add(OidcLink(provider="kunden", subject="k-3", user_id=member.id))
    db.commit()
    privacy.erase_own_account(
        db, viewer_for(db, member), password=PASSWORD, confirm=True, remove_posts=False
    )
    db.commit()
    assert db.execute(select(func.count()).select_from(OidcLink)).scalar_one() == 0
    assert db.get(User, member.id) is not None


@pytest.mark.parametrize("path", ["/sso/unbekannt/start", "/sso/unbekannt/callback"])
def test_an_unknown_provider_is_a_404(anon: TestClient, use_providers: Any, path: str) -> None:
    assert anon.get(path).status_code == 404


def test_the_staff_directory_gives_staff_and_the_role_its_claim_names(
    db: Session, use_providers: Any
) -> None:
    staff_dir = kunden_config(
        "http://127.0.0.1:9",
        name="personal",
        staff=True,
        rules=[
            OidcRule(claim="forum_role", value="moderator", role="moderator"),
            OidcRule(claim="forum_role", value="admin", role="admin"),
            OidcRule(claim="department", value="support", group="support-team"),
        ],
    )
    team = make_group(db, slug="support-team")
    claims = {
        "sub": "p-7",
        "name": "Anna Kaiser",
        "forum_role": ["moderator"],
        "department": "support",
    }
    anna = oidc_service.create_member(db, staff_dir, claims, "AnnaK", "de")
    assert anna.is_staff and anna.role == "moderator"
    assert anna.real_name == "Anna Kaiser"
    assert db.get(GroupMember, (team.id, anna.id)) is not None

    # The next sign-in: the directory no longer names the role or department.
    outcome = oidc_service.sign_in(db, staff_dir, {"sub": "p-7", "forum_role": []})
    assert outcome.kind == "signed_in" and outcome.user is anna
    assert anna.role == "member" and anna.is_staff
    assert db.get(GroupMember, (team.id, anna.id)) is None
