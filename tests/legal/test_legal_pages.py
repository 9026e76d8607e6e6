"""Impressum, Datenschutzerklärung and Netiquette: written by admins in Markdown or pointed
to an external page, linked from every page's footer, every change in the audit log."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session

from community.accounts.models import Role, User
from community.config import get_settings
from tests.factories import make_category, make_thread, make_user, sign_in


@pytest.fixture
def admin(db: Session) -> User:
    return make_user(db, nickname="Chefin", role=Role.admin, staff=True)


@pytest.fixture
def admin_client(client: TestClient, admin: User) -> TestClient:
    sign_in(client, admin)
    return client


def _save(client: TestClient, page: str, *, markdown: str = "", url: str = ""):  # type: ignore[no-untyped-def]
    return client.post(
        f"/admin/legal/{page}",
        data={"csrf_token": client.headers["X-CSRF-Token"], "markdown": markdown, "url": url},
        follow_redirects=False,
    )


def _footer(html: str) -> str:
    return html[html.index('<footer class="site-footer">') :]


def test_admin_writes_the_impressum_and_every_page_links_to_it(
    admin_client: TestClient, anon: TestClient, db: Session
) -> None:
    thread = make_thread(db, author=make_user(db), category=make_category(db, slug="technik"))
    saved = _save(
        admin_client,
        "impressum",
        markdown="## Anbieter\n\n**Beispiel GmbH**, Musterstraße 1, 12345 Musterstadt",
    )
    assert saved.status_code == 303
    page = anon.get("/impressum")
    assert page.status_code == 200
    assert "<h2>Anbieter</h2>" in page.text
    assert "<strong>Beispiel GmbH</strong>, Musterstraße 1" in page.text
    assert "noch nicht hinterlegt" not in page.text
    for path in ("/", "/c/technik", f"/t/{thread.id}/{thread.slug}", "/login", "/leaderboard"):
        footer = _footer(anon.get(path).text)
        assert 'href="/impressum"' in footer, path
        assert 'href="/datenschutz"' in footer and 'href="/netiquette"' in footer, path
    # Pages that read no settings still link the legal pages.
    missing = anon.get("/gibt-es-nicht/wirklich")
    assert missing.status_code == 404 and 'href="/impressum"' in _footer(missing.text)


def test_an_external_address_makes_the_footer_link_point_to_it(
    admin_client: TestClient, anon: TestClient, db: Session
) -> None:
    response = admin_client.put(
        "/api/v1/admin/legal/datenschutz", json={"url": "https://example.com/datenschutz"}
    )
    assert response.status_code == 200, response.text
    assert response.json()["source"] == "url"
    for path in ("/", "/login", "/impressum"):
        footer = _footer(anon.get(path).text)
        assert 'href="https://example.com/datenschutz"' in footer, path
        assert 'href="/datenschutz"' not in footer, path
    redirect = anon.get("/datenschutz", follow_redirects=False)
    assert redirect.status_code == 302
    assert redirect.headers["location"] == "https://example.com/datenschutz"


def test_admin_url_wins_over_admin_text_over_env_url_over_placeholder(
    admin_client: TestClient, anon: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    placeholder = anon.get("/impressum")
    assert placeholder.status_code == 200
    assert "noch nicht hinterlegt" in placeholder.text
    assert "/admin/legal" in placeholder.text and "COMMUNITY_IMPRESSUM_URL" in placeholder.text

    monkeypatch.setattr(get_settings(), "impressum_url", "https://konzern.example/impressum")
    env = anon.get("/impressum", follow_redirects=False)
    assert env.headers["location"] == "https://konzern.example/impressum"
    assert 'href="https://konzern.example/impressum"' in _footer(anon.get("/").text)

    _save(admin_client, "impressum", markdown="Eigene Angaben der **Community**.")
    text = anon.get("/impressum", follow_redirects=False)
    assert text.status_code == 200 and "<strong>Community</strong>" in text.text
    assert 'href="/impressum"' in _footer(anon.get("/").text)

    _save(
        admin_client,
        "impressum",
        markdown="Eigene Angaben der **Community**.",
        url="https://community.example/impressum",
    )
    url = anon.get("/impressum", follow_redirects=False)
    assert url.headers["location"] == "https://community.example/impressum"
    state = admin_client.get("/api/v1/admin/legal/impressum").json()
    assert state == {
        "page": "impressum",
        "markdown": "Eigene Angaben der **Community**.",
        "url": "https://community.example/impressum",
        "env_url": "https://konzern.example/impressum",
        "source": "url",
        "href": "https://community.example/impressum",
    }

    # Emptying both gives the page back to the environment's address.
    cleared = admin_client.put("/api/v1/admin/legal/impressum", json={"markdown": "", "url": ""})
    assert cleared.json()["source"] == "env"


def test_script_and_dangerous_links_in_the_markdown_are_neutralised(
    admin_client: TestClient, anon: TestClient
) -> None:
    _save(
        admin_client,
        "netiquette",
        markdown=(
            "Regeln <script>alert('x')</script>\n\n"
            '<img src="x" onerror="alert(1)">\n\n'
            "[klick](javascript:alert(1)) und [gut](https://example.com/regeln)"
        ),
    )
    html = anon.get("/netiquette").text
    body = html[html.index('<div class="legal-text">') : html.index("</main>")]
    assert "<script" not in body and "<img" not in body
    assert 'href="javascript:' not in body and '<a href="javascript' not in body
    assert "&lt;script&gt;" in body  # shown as text, not run
    assert '<a href="https://example.com/regeln" rel="nofollow ugc noopener">gut</a>' in body


def test_a_javascript_or_relative_address_is_refused(
    admin_client: TestClient, anon: TestClient
) -> None:
    for bad in ("javascript:alert(1)", "/impressum", "ftp://example.com/x", "https://"):
        response = admin_client.put("/api/v1/admin/legal/impressum", json={"url": bad})
        assert response.status_code == 422, bad
        assert response.json()["error"] == "invalid_url"
    page = _save(admin_client, "impressum", markdown="Mein Entwurf", url="javascript:alert(1)")
    assert page.status_code == 422
    assert "http:// oder https://" in page.text and "Mein Entwurf" in page.text
    assert admin_client.get("/api/v1/admin/legal/impressum").json()["source"] == "default"


def test_members_moderators_and_visitors_cannot_edit(
    client: TestClient, anon: TestClient, db: Session, make_client
) -> None:
    sign_in(client, make_user(db))
    moderator = make_client()
    sign_in(moderator, make_user(db, role=Role.moderator, staff=True))
    for browser in (client, moderator):
        assert browser.get("/admin/legal").status_code == 403
        assert _save(browser, "impressum", markdown="Übernommen!").status_code == 403
        assert browser.get("/api/v1/admin/legal/impressum").status_code == 403
        put = browser.put("/api/v1/admin/legal/impressum", json={"markdown": "Übernommen!"})
        assert put.status_code == 403
        assert (
            browser.put("/api/v1/admin/staff-names", json={"show_name": False}).status_code == 403
        )
    assert anon.get("/admin/legal").status_code == 401
    assert anon.put("/api/v1/admin/legal/impressum", json={"markdown": "x"}).status_code == 401
    assert "Übernommen!" not in anon.get("/impressum").text


def test_the_form_needs_the_csrf_token(admin_client: TestClient, anon: TestClient) -> None:
    response = admin_client.post(
        "/admin/legal/impressum", data={"markdown": "Ohne Token"}, follow_redirects=False
    )
    assert response.status_code == 403
    assert "Ohne Token" not in anon.get("/impressum").text


def test_every_change_is_in_the_audit_log(admin_client: TestClient) -> None:
    _save(admin_client, "impressum", markdown="Erste Fassung")
    _save(admin_client, "impressum", markdown="Erste Fassung")  # unchanged: no entry
    admin_client.put(
        "/api/v1/admin/legal/impressum",
        json={"markdown": "Zweite Fassung", "url": "https://example.com/i"},
    )
    admin_client.put("/api/v1/admin/staff-names", json={"show_name": False})
    entries = admin_client.get("/api/v1/admin/audit-log").json()["items"]
    assert [e["action"] for e in entries] == [
        "settings.staff_names",
        "legal.update",
        "legal.update",
    ]
    staff, second, first = entries
    assert all(e["actor"] == "Chefin" for e in entries)
    assert first["before"] == {"page": "impressum", "markdown": "", "url": None}
    assert first["after"] == {"page": "impressum", "markdown": "Erste Fassung", "url": None}
    assert second["before"] == first["after"]
    assert second["after"] == {
        "page": "impressum",
        "markdown": "Zweite Fassung",
        "url": "https://example.com/i",
    }
    assert staff["before"] == {"show_name": True} and staff["after"] == {"show_name": False}


def test_admin_page_shows_what_readers_get(
    admin_client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(get_settings(), "privacy_url", "https://konzern.example/datenschutz")
    _save(admin_client, "impressum", markdown="Angaben nach § 5 DDG")
    page = admin_client.get("/admin/legal")
    assert page.status_code == 200
    assert "Angaben nach § 5 DDG</textarea>" in page.text
    assert "Leser sehen den Text unten." in page.text
    assert "https://konzern.example/datenschutz" in page.text
    assert admin_client.patch("/api/v1/me", json={"locale": "en"}).status_code == 200
    english = admin_client.get("/admin/legal")
    assert "Legal pages" in english.text and "Readers see the text below." in english.text


def test_netiquette_has_a_built_in_text_in_german_and_english(anon: TestClient) -> None:
    german = anon.get("/netiquette")
    assert german.status_code == 200
    assert "Bleiben Sie sachlich und höflich." in german.text
    assert "<li>Keine Beleidigungen" in german.text
    english = anon.get("/netiquette", headers={"Accept-Language": "en"})
    assert "Stay factual and polite." in english.text
    assert "Bleiben Sie sachlich" not in english.text
