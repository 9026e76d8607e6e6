"""The customer's journey in headless Chromium: "Mit Kundenkonto anmelden" on the login
page, the provider's own login page, the nickname, and back on the forum in the closed
group the contract claim names. axe-core at 1280 and 390 px on each forum page of it."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import pytest
from sqlmodel import Session

from tests.browser.axe import check_page, serious_violations
from tests.factories import make_category, make_group, make_user
from tests.sso.conftest import CANARY_EMAIL, CANARY_NAME, RealProvider, kunden_config

pytestmark = pytest.mark.commits


def _at_provider(page: Any, login: str) -> None:
    """The provider's login page (oidc-provider's own): any password will do."""
    page.wait_for_selector("input[name=login]")
    page.fill("input[name=login]", login)
    page.fill("input[name=password]", "beliebig")
    page.click("button[type=submit]")


# the provider's and the forum's pages in Chromium and axe; the same sign-in on PostgreSQL:
# tests/sso/test_real_provider.py::test_first_sign_in_chooses_a_nickname_and_opens_the_contracts_closed_group
@pytest.mark.sqlite_only
def test_customer_signs_in_chooses_a_nickname_and_lands_in_the_closed_group(
    new_page: Any,
    live_server: str,
    db: Session,
    real_provider: RealProvider,
    use_providers: Any,
) -> None:
    real_provider.serve_forum(live_server)
    use_providers(kunden_config(real_provider.issuer))
    premium = make_group(db, slug="premium-kunden")
    make_category(db, name="Premium-Bereich", groups=[premium])
    make_user(db, nickname="Erika")
    make_user(db, nickname="Otto", email="otto@kunde.example")

    page, _watch = new_page()
    assert check_page(page, "/login") == []
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto("/login")
    page.click("text=Mit Kundenkonto anmelden")
    _at_provider(page, "erika")
    page.wait_for_url("**/sso/nickname")
    assert CANARY_NAME not in page.content()
    assert check_page(page, "/sso/nickname") == []

    # A taken nickname: the form again, with free suggestions, still accessible.
    page.fill("#nickname", "erika")
    page.click("button:has-text('Weiter')")
    assert "Noch frei sind zum Beispiel:" in page.content()
    assert serious_violations(page) == []
    page.fill("#nickname", "Zahnrad")
    page.click("button:has-text('Weiter')")
    page.wait_for_url(f"{live_server}/")
    content = page.content()
    assert "Zahnrad" in content
    assert "Premium-Bereich" in content  # the closed board of the contract's group

    assert check_page(page, "/settings") == []
    assert "<strong>Kundenkonto</strong>" in page.content()  # the linked login, by its name
    for path in ("/", "/u/Zahnrad"):
        page.goto(path)
        assert CANARY_NAME not in page.content() and CANARY_EMAIL not in page.content()

    # The member signs out at the provider (not at the forum): the provider's back-channel
    # logout token ends the forum session as well.
    end = f"{real_provider.issuer}/session/end?client_id=forum&post_logout_redirect_uri="
    page.goto(end + quote(f"{live_server}/", safe=""))
    page.click("button[name=logout]")
    page.wait_for_url(f"{live_server}/")
    page.goto("/settings")
    assert "/login" in page.url

    # In English: the button's own text, and the page that asks for proof of an account.
    english, _ = new_page(locale="en-US")
    assert check_page(english, "/login") == []
    english.set_viewport_size({"width": 1280, "height": 900})
    english.goto("/login")
    english.click("text=Sign in with your customer account")
    _at_provider(english, "otto")
    english.wait_for_url("**/sso/link")
    assert "Link your account" in english.content()
    assert "(customer account)" in english.content()  # its name in the sentence, not the button
    assert check_page(english, "/sso/link") == []
