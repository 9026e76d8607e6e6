"""Staff tools in a real browser: a moderator hides a post from the thread page without a
report, finds it in the list of hidden posts, restores it, and an admin reads what happened
as a sentence in the audit log. The staff pages pass axe-core at 1280 and 390 px."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect
from sqlmodel import Session

from community.accounts.models import Role
from community.events.models import Event
from community.webhooks.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint
from tests.browser.axe import (
    DESKTOP,
    PHONE,
    axe_source,
    check_page,
    horizontal_overflow,
    serious_violations,
)
from tests.browser.conftest import shoot
from tests.browser.test_forum_in_browser import log_in
from tests.factories import make_category, make_reply, make_thread, make_user
from tests.faq.test_faq import entry_of, solved

pytestmark = pytest.mark.commits


def has_class(word: str) -> re.Pattern[str]:
    """A class list containing `word` (Playwright matches it as a regular expression)."""
    return re.compile(rf"(^|\s){re.escape(word)}(\s|$)")


# the tools in Chromium; hide, restore and the audit sentence on PostgreSQL:
# tests/web/test_staff_tools.py
@pytest.mark.sqlite_only
def test_moderator_hides_and_restores_a_post_from_the_thread_page(new_page, db: Session) -> None:
    board = make_category(db, slug="technik", name="Technik")
    author = make_user(db, nickname="Schreiber")
    thread = make_thread(db, author=author, category=board, title="Router verliert nachts")
    reply = make_reply(db, author=author, thread=thread, body="Kauft Zauberpillen bei mir")
    mod = make_user(db, nickname="Sabine_vom_Team", role=Role.moderator, email="s@example.com")
    admin = make_user(db, nickname="Chefin", role=Role.admin, email="chefin@example.com")
    url = f"/t/{thread.id}/{thread.slug}"

    moderator, moderator_watch = new_page()
    log_in(moderator, mod.email)
    moderator.goto(url)
    post = moderator.locator(f"#post-{reply.id}")
    post.locator("summary").click()  # opens the <details>
    post.get_by_label("Öffentlicher Grund").fill("Spam")
    post.get_by_role("button", name="Ausblenden").click()

    # Back on the post: still readable for staff, greyed, with its restore button.
    post = moderator.locator(f"#post-{reply.id}")
    expect(post).to_have_class(has_class("is-hidden"))
    expect(post).to_contain_text("Zauberpillen")
    expect(post).to_contain_text("Grund: Spam")
    shoot(moderator, "thread-hidden-post-for-staff")

    visitor, visitor_watch = new_page()
    visitor.goto(url)
    expect(visitor.locator(f"#post-{reply.id}")).not_to_contain_text("Zauberpillen")

    moderator.get_by_role("navigation", name="Hauptmenü").get_by_role(
        "link", name="Moderation"
    ).click()
    moderator.get_by_role("link", name="Ausgeblendete und gelöschte Beiträge").click()
    item = moderator.locator(f"#h-{reply.id}")
    expect(item).to_contain_text("Grund: Spam")
    shoot(moderator, "moderation-hidden-list")
    item.get_by_role("button", name="Wiederherstellen").click()
    expect(moderator.get_by_role("status")).to_have_text("Der Beitrag ist wiederhergestellt.")
    expect(moderator.locator(f"#h-{reply.id}")).to_have_count(0)

    visitor.goto(url)
    expect(visitor.locator(f"#post-{reply.id}")).to_contain_text("Zauberpillen")

    chief, chief_watch = new_page()
    log_in(chief, admin.email)
    chief.goto("/admin/audit-log")
    sentences = chief.locator(".audit-sentence")
    expect(sentences.nth(0)).to_have_text(
        f"Sabine_vom_Team hat den Beitrag #{reply.id} in „Router verliert nachts“ wiederhergestellt"
    )
    expect(sentences.nth(1)).to_have_text(
        f"Sabine_vom_Team hat den Beitrag #{reply.id} in „Router verliert nachts“ "
        "ausgeblendet: Spam"
    )
    chief.get_by_label("Aktion").select_option("post.hide")
    chief.get_by_role("button", name="Filtern").click()
    expect(sentences).to_have_count(1)
    chief.locator(".audit-sentence").get_by_role("link", name="Router verliert nachts").click()
    expect(chief.get_by_role("heading", level=1)).to_have_text("Router verliert nachts")
    assert moderator_watch.problems == [] and visitor_watch.problems == []
    assert chief_watch.problems == []


def _a_failed_delivery(db: Session) -> None:
    """A webhook with a delivery in its table: the table scrolls inside its region at 390 px
    (its cells' hidden button texts once widened the whole page)."""
    event = Event(type="thread.created", payload={})
    endpoint = WebhookEndpoint(
        url="https://crm.example.com/hook", event_types=["thread.created"], secret="s"
    )
    db.add(event)
    db.add(endpoint)
    db.flush()
    assert endpoint.id is not None and event.id is not None
    delivery = WebhookDelivery(
        endpoint_id=endpoint.id,
        event_id=event.id,
        event_type=event.type,
        status="failed",
        attempts=1,
    )
    db.add(delivery)
    db.flush()
    assert delivery.id is not None
    db.add(
        WebhookAttempt(
            delivery_id=delivery.id,
            response_status=503,
            duration_ms=120,
            error="Der Empfänger antwortete mit HTTP-Status 503",
        )
    )
    db.commit()


@pytest.mark.sqlite_only  # axe reads the markup, the same on both databases
def test_staff_pages_pass_axe_at_desktop_and_phone_width(new_page, db: Session) -> None:
    axe_source()  # skips with the reason when axe-core is not installed
    board = make_category(db, slug="technik", name="Technik")
    author = make_user(db, nickname="Schreiber")
    thread = make_thread(db, author=author, category=board, title="Router verliert nachts")
    reply = make_reply(db, author=author, thread=thread, body="Kauft Zauberpillen bei mir")
    admin = make_user(
        db, nickname="Chefin", role=Role.admin, staff=True, email="chefin@example.com"
    )
    chief, _ = new_page()
    log_in(chief, admin.email)
    # Something in each list: a hidden post, and its entry in the log.
    chief.goto(f"/t/{thread.id}/{thread.slug}")
    post = chief.locator(f"#post-{reply.id}")
    post.locator("summary").click()
    post.get_by_label("Öffentlicher Grund").fill("Spam")
    post.get_by_role("button", name="Ausblenden").click()
    draft = entry_of(db, solved(db))
    _a_failed_delivery(db)
    pages = [
        f"/t/{thread.id}/{thread.slug}",
        "/admin/faq",
        f"/admin/faq/{draft.id}",
        f"/p/{reply.id}/report",
        "/moderation",
        "/moderation/hidden",
        "/admin/audit-log",
        "/admin/stats",
        "/admin/webhooks",
        "/admin/legal",
    ]
    problems = [p for url in pages for p in check_page(chief, url)]
    assert problems == []
    # The statistics' tables behind "Zahlen als Tabelle" scroll inside their region on a
    # phone (opened, the first widened the page to 483 px)
    chief.set_viewport_size(PHONE)
    chief.goto("/admin/stats")
    for summary in chief.locator("summary", has_text="Zahlen als Tabelle").all():
        summary.click()
    assert horizontal_overflow(chief) == 0
    # A webhook's folded forms (edit, new secret, delete) pass too, opened.
    chief.goto("/admin/webhooks")
    chief.locator(".webhook-edit > summary").first.click()
    assert horizontal_overflow(chief) == 0
    assert serious_violations(chief) == []
    chief.set_viewport_size(DESKTOP)
    assert serious_violations(chief) == []
