"""Finding and following in Chromium, at 1280 px and 390 px: the search page with results,
with nothing found and with a spelling suggestion; the experts' unanswered queue; a
board's Atom feed as a browser fetches it. One journey, since each browser test is slow."""

from __future__ import annotations

import pytest
from lxml import etree
from playwright.sync_api import expect
from sqlalchemy import Engine
from sqlmodel import Session

from community.accounts.models import Role
from community.jobs.worker import Worker
from tests.browser.axe import (
    PHONE,
    axe_source,
    check_page,
    horizontal_overflow,
    serious_violations,
)
from tests.browser.test_forum_in_browser import log_in
from tests.factories import make_category, make_group, make_thread, make_user

pytestmark = pytest.mark.commits

A = "{http://www.w3.org/2005/Atom}"


# layout, axe and the feed's content type in Chromium; searching, the queue and the
# feed on PostgreSQL: tests/web/test_search_page.py, tests/search/test_api_and_pages.py,
# tests/notifications/test_unanswered_queue.py, tests/feeds/test_feeds.py
@pytest.mark.sqlite_only
def test_search_queue_and_feed_at_desktop_and_phone_width(
    new_page, engine: Engine, db: Session
) -> None:
    axe_source()  # skips with the reason when axe-core is not installed
    board = make_category(db, slug="technik", name="Technik")
    author = make_user(db, nickname="Fragerin")
    group = make_group(db, members=[author])
    make_category(db, slug="intern", name="Intern", groups=[group])
    older = make_thread(db, author=author, category=board, title="Drucker druckt nur leere Seiten")
    newer = make_thread(db, author=author, category=board, title="Welcher Drucker für das Büro?")
    expert = make_user(db, nickname="Expertin", email="expertin@example.com", role=Role.expert)
    Worker(engine).run_until_empty()

    visitor, watch = new_page()
    problems = [
        p
        for url in ("/search?q=Drucker", "/search?q=Kaffeemaschine", "/search?q=Drucekr")
        for p in check_page(visitor, url)
    ]

    # On a phone the filters are folded and the first result is above the fold.
    visitor.set_viewport_size(PHONE)
    visitor.goto("/search?q=Drucker&solved=all")
    expect(visitor.get_by_label("Bereich")).to_be_hidden()
    first = visitor.locator(".search-results li h2 a").first
    box = first.bounding_box()
    assert box is not None and box["y"] + box["height"] <= PHONE["height"]
    assert first.get_attribute("href") in (
        f"/t/{older.id}/{older.slug}",
        f"/t/{newer.id}/{newer.slug}",
    )
    visitor.get_by_text("Filter", exact=True).click()
    expect(visitor.get_by_label("Bereich")).to_be_visible()
    options = visitor.get_by_label("Bereich").locator("option").all_inner_texts()
    assert "Technik" in options and "Intern" not in options
    visitor.get_by_label("Bereich").select_option("technik")
    visitor.get_by_role("main").get_by_role("button", name="Suchen").click()
    assert "board=technik" in visitor.url
    expect(visitor.locator(".result-count")).to_contain_text("2 Treffer")

    # A misspelling offers the right word, and following it finds the threads.
    visitor.goto("/search?q=Drucekr")
    visitor.locator(".did-you-mean a").click()
    expect(visitor.locator(".result-count")).to_contain_text("2 Treffer")

    # The board's feed, as the browser fetches it: Atom, newest thread first.
    feed = visitor.request.get("/c/technik/feed.atom")
    assert feed.ok and feed.headers["content-type"].startswith("application/atom+xml")
    root = etree.fromstring(feed.body())
    assert [e.findtext(f"{A}title") for e in root.iter(f"{A}entry")] == [
        newer.title,
        older.title,
    ]
    assert visitor.request.get("/c/intern/feed.atom").status == 404

    # The experts' queue: both questions, sortable without JavaScript.
    member, _ = new_page()
    log_in(member, expert.email)
    problems += check_page(member, "/unanswered")
    member.set_viewport_size(PHONE)
    member.goto("/unanswered")
    member.get_by_label("Reihenfolge").select_option("newest")
    member.get_by_role("button", name="Anzeigen").click()
    titles = member.locator(".queue-table bdi").all_inner_texts()
    assert titles == [newer.title, older.title]
    member.get_by_label("Reihenfolge").select_option("oldest")
    member.get_by_role("button", name="Anzeigen").click()
    assert member.locator(".queue-table bdi").all_inner_texts() == [older.title, newer.title]

    # Nothing found: "Frage stellen" carries the words over into the new question.
    member.goto("/search?q=Kaffeemaschine+entkalken")
    member.locator(".no-results").get_by_role("link", name="Frage stellen").click()
    expect(member.get_by_label("Titel")).to_have_value("Kaffeemaschine entkalken")

    # A member of the closed board gets a personal feed address; it fits a phone.
    insider, _ = new_page()
    log_in(insider, author.email)
    problems += check_page(insider, "/settings/feeds")
    insider.goto("/settings")
    insider.get_by_role("link", name="Persönliche Feeds für geschlossene Bereiche").click()
    insider.get_by_role("button", name="Feed-Adresse erstellen").click()
    address = insider.locator(".feed-addresses code").first.inner_text()
    assert "/c/intern/feed.atom?token=" in address
    assert horizontal_overflow(insider) == 0
    problems += [f"feed address page: {v}" for v in serious_violations(insider)]
    personal = insider.request.get(address)
    assert personal.ok and b"<feed" in personal.body()

    assert problems == []
    assert watch.problems == []
