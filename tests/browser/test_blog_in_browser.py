"""The blog in a real browser: a staff member writes an article, cannot publish it alone,
a second staff member publishes it, it shows on the start page and in the feed, a customer
comments under it; a closed group's article stays invisible to an outsider. The blog's
pages pass axe-core at 1280 and 390 px without scrolling sideways."""

from __future__ import annotations

from datetime import timedelta

import pytest
from playwright.sync_api import expect
from sqlmodel import Session

from community.accounts.models import Role
from community.accounts.viewer import viewer_for
from community.blog import revisions, spotlight
from community.blog import service as blog
from community.clock import utcnow
from tests.browser.axe import axe_source, check_page
from tests.browser.conftest import shoot
from tests.browser.test_forum_in_browser import log_in
from tests.factories import make_category, make_group, make_user

pytestmark = pytest.mark.commits


# the pages in Chromium; the four eyes, the start page and closed groups on PostgreSQL:
# tests/blog/test_blog_pages.py
@pytest.mark.sqlite_only
def test_an_article_goes_from_draft_over_a_second_pair_of_eyes_to_the_start_page(
    new_page, db: Session
) -> None:
    make_category(db, slug="tarife", name="Tarife")
    make_user(db, nickname="Jonas", staff=True, email="jonas@example.com")
    make_user(db, nickname="Sabine", role=Role.moderator, staff=True, email="sabine@example.com")
    make_user(db, nickname="Kundin", email="kundin@example.com")
    insider = make_user(db)
    make_user(db, email="aussen@example.com")
    group = make_group(db, members=[insider])
    closed = make_category(db, slug="partner", name="Partner", groups=[group])
    moderator = make_user(db, role=Role.moderator, staff=True)
    secret = blog.create_article(
        db,
        viewer_for(db, moderator),
        title="Nur für Partner",
        teaser="Intern",
        body="Geheim",
        category_slug=closed.slug,
    )
    blog.submit_for_review(db, viewer_for(db, moderator), secret.id)  # type: ignore[arg-type]
    blog.publish(db, viewer_for(db, make_user(db, role=Role.admin, staff=True)), secret.id)  # type: ignore[arg-type]
    db.commit()

    writer, writer_watch = new_page()
    log_in(writer, "jonas@example.com")
    writer.goto("/admin/blog")
    writer.get_by_role("link", name="Neuer Artikel").click()
    writer.get_by_label("Titel").fill("Glasfaser für alle Standorte")
    writer.get_by_label("Anreißer", exact=False).fill("Was der Umstieg für Ihre Filialen bedeutet.")
    writer.get_by_label("Bereich").select_option("tarife")
    writer.get_by_label("Text des Artikels").fill("Der Umstieg dauert **vier Wochen**.")
    writer.get_by_role("button", name="Speichern").click()
    expect(writer.get_by_role("status")).to_have_text("Der Artikel ist gespeichert.")
    writer.get_by_role("button", name="Zur Prüfung geben").click()
    expect(writer.get_by_text("Ein zweites Teammitglied muss den Artikel prüfen")).to_be_visible()
    expect(writer.get_by_role("button", name="Veröffentlichen")).to_have_count(0)
    article_url = writer.url

    checker, checker_watch = new_page()
    log_in(checker, "sabine@example.com")
    checker.goto("/admin/blog")
    queue = checker.locator(
        "section", has=checker.get_by_role("heading", name="Warten auf Prüfung")
    )
    queue.get_by_role("link", name="Glasfaser für alle Standorte").click()
    checker.get_by_role("button", name="Veröffentlichen").click()
    expect(checker.get_by_role("status")).to_contain_text("Der Artikel ist veröffentlicht")
    expect(checker.locator("ol")).to_contain_text("Jonas hat den Blog-Artikel")
    assert checker.url == article_url

    visitor, visitor_watch = new_page()
    visitor.goto("/")
    newest = visitor.locator(".blog-newest")
    expect(newest).to_contain_text("Neu im Blog")
    expect(newest).to_contain_text("Glasfaser für alle Standorte")
    expect(visitor.locator("body")).not_to_contain_text("Nur für Partner")
    feed = visitor.request.get("/blog/feed.atom").text()
    assert "Glasfaser für alle Standorte" in feed and "Nur für Partner" not in feed
    newest.get_by_role("link", name="Glasfaser für alle Standorte").click()
    expect(visitor.get_by_role("heading", level=1)).to_have_text("Glasfaser für alle Standorte")
    expect(visitor.locator(".post-body strong")).to_have_text("vier Wochen")

    # A correction of the live article waits for the second pair of eyes too.
    writer.goto(article_url)
    writer.get_by_label("Titel", exact=True).fill("Glasfaser für alle Filialen")
    writer.get_by_role("button", name="Speichern").click()
    expect(writer.get_by_role("status")).to_contain_text("sobald ein zweites Teammitglied")
    expect(writer.get_by_role("heading", name="Änderung wartet auf Prüfung")).to_be_visible()
    expect(writer.get_by_role("button", name="Änderung freigeben")).to_have_count(0)
    visitor.goto("/")
    expect(visitor.locator(".blog-newest")).to_contain_text("Glasfaser für alle Standorte")
    checker.goto("/admin/blog")
    queue.get_by_role("link", name="Glasfaser für alle Standorte").click()
    expect(checker.locator("#revision-heading ~ h3")).to_have_text("Glasfaser für alle Filialen")
    checker.get_by_role("button", name="Änderung freigeben").click()
    expect(checker.get_by_role("status")).to_contain_text("Die Änderung ist freigegeben")
    visitor.goto("/")
    newest = visitor.locator(".blog-newest")
    expect(newest).to_contain_text("Glasfaser für alle Filialen")
    newest.get_by_role("link", name="Glasfaser für alle Filialen").click()

    customer, customer_watch = new_page()
    log_in(customer, "kundin@example.com")
    customer.goto(visitor.url)
    customer.get_by_label("Ihr Kommentar").fill("Gilt das auch für Bestandsverträge?")
    customer.get_by_role("button", name="Kommentieren").click()
    # Back on the article (not the thread that holds its comments), with the comment in it
    expect(customer.get_by_role("status")).to_have_text("Ihr Kommentar ist veröffentlicht.")
    assert customer.url.split("#")[0] == visitor.url.split("#")[0]
    expect(customer.locator(".comment")).to_contain_text("Gilt das auch für Bestandsverträge?")
    expect(customer.locator(".comment")).to_contain_text("Kundin")
    shoot(customer, "blog-article-with-comment")

    stranger, stranger_watch = new_page()
    log_in(stranger, "aussen@example.com")
    response = stranger.goto(f"/blog/{secret.id}/{secret.slug}")
    assert response is not None and response.status == 404
    stranger.goto("/blog")
    expect(stranger.locator("main")).not_to_contain_text("Nur für Partner")
    for watch in (writer_watch, checker_watch, visitor_watch, customer_watch, stranger_watch):
        assert watch.problems == []


# axe reads the markup, the same on both databases
@pytest.mark.sqlite_only
def test_blog_pages_pass_axe_at_desktop_and_phone_width(new_page, db: Session) -> None:
    axe_source()  # skips with the reason when axe-core is not installed
    board = make_category(db, slug="tarife", name="Tarife")
    author = make_user(db, nickname="Jonas", staff=True, email="jonas@example.com")
    chief = make_user(db, nickname="Chefin", role=Role.admin, staff=True, email="c@example.com")
    article = blog.create_article(
        db,
        viewer_for(db, author),
        title="Glasfaser für alle Standorte",
        teaser="Was der Umstieg bedeutet.",
        body="Der Umstieg dauert **vier Wochen**.",
        category_slug=board.slug,
    )
    review = blog.create_article(
        db,
        viewer_for(db, author),
        title="eSIM im Kundenportal",
        teaser="Neu",
        body="Text",
        category_slug=board.slug,
    )
    for item in (article, review):
        blog.submit_for_review(db, viewer_for(db, author), item.id)  # type: ignore[arg-type]
    blog.publish(db, viewer_for(db, chief), article.id)  # type: ignore[arg-type]
    revisions.update_article(db, viewer_for(db, author), article.id, body="Nun **drei Wochen**.")  # type: ignore[arg-type]
    now = utcnow()
    spotlight.create(
        db,
        viewer_for(db, chief),
        title="Frühjahrsaktion",
        text="Router-Tausch ohne Aufpreis",
        link_url="/blog",
        starts_at=now - timedelta(hours=1),
        ends_at=now + timedelta(days=3),
    )
    db.commit()
    page, _ = new_page()
    log_in(page, "c@example.com")
    pages = [
        "/",
        "/blog",
        f"/blog/{article.id}/{article.slug}",
        "/admin/blog",
        "/admin/blog/new",
        f"/admin/blog/{article.id}",
        f"/admin/blog/{review.id}",
        "/admin/spotlight",
    ]
    problems = [p for url in pages for p in check_page(page, url)]
    assert problems == []
