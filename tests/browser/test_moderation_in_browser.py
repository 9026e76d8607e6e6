"""Moderation in a real browser: a visitor reports a post with the form under it, and a
moderator hides it from the queue page."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect
from sqlmodel import Session

from community.accounts.models import Role
from tests.browser.conftest import shoot
from tests.browser.test_forum_in_browser import log_in
from tests.factories import make_category, make_reply, make_thread, make_user

pytestmark = pytest.mark.commits


# the forms in Chromium; the same report and hide on PostgreSQL:
# tests/moderation/test_moderation_pages.py
@pytest.mark.sqlite_only
def test_visitor_reports_and_moderator_hides_the_post_from_the_queue(new_page, db: Session) -> None:
    board = make_category(db, slug="technik", name="Technik")
    author = make_user(db, nickname="Schreiber")
    thread = make_thread(db, author=author, category=board, title="Router verliert Verbindung")
    reply = make_reply(db, author=author, thread=thread, body="Kauft Zauberpillen bei mir")
    mod = make_user(db, nickname="Wache", role=Role.moderator, email="wache@example.com")
    url = f"/t/{thread.id}/{thread.slug}"

    # A visitor reports the reply: unlawful content only, with an address.
    visitor, visitor_watch = new_page()
    visitor.goto(url)
    visitor.locator(f"#post-{reply.id}").get_by_role("link", name="Melden").click()
    expect(visitor.get_by_role("heading", level=1)).to_have_text("Beitrag melden")
    expect(visitor.get_by_label("Rechtswidriger Inhalt")).to_be_checked()
    visitor.get_by_label("Ihre E-Mail-Adresse").fill("zeugin@example.com")
    visitor.get_by_label("Erläuterung (freiwillig)").fill("Betrug mit Zauberpillen")
    visitor.get_by_role("button", name="Meldung absenden").click()
    expect(visitor.get_by_role("heading", level=1)).to_have_text("Vielen Dank für Ihre Meldung")

    # The moderator finds it through the header link and hides it with a public reason.
    moderator, moderator_watch = new_page()
    log_in(moderator, mod.email)
    moderator.get_by_role("navigation", name="Hauptmenü").get_by_role(
        "link", name="Moderation"
    ).click()
    item = moderator.locator(f"#q-{reply.id}")
    expect(item).to_contain_text("Betrug mit Zauberpillen")
    expect(item).to_contain_text("Rechtswidriger Inhalt")
    shoot(moderator, "moderation-queue")
    item.get_by_label("Öffentlicher Grund").fill("Werbung")
    item.get_by_role("button", name="Ausblenden").click()
    expect(moderator.get_by_role("status")).to_have_text("Der Beitrag ist ausgeblendet.")
    expect(moderator.get_by_text("Keine offenen Meldungen.")).to_be_visible()

    visitor.goto(url)
    post = visitor.locator(f"#post-{reply.id}")
    expect(post).to_contain_text("Dieser Beitrag wurde von der Moderation ausgeblendet.")
    expect(post).to_contain_text("Grund: Werbung")
    expect(post).not_to_contain_text("Zauberpillen")
    assert visitor_watch.problems == [] and moderator_watch.problems == []
