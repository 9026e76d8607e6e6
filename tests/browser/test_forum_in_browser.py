"""The forum in a real browser: the whole journey, language, errors, closed boards, no-JS."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import Engine
from sqlmodel import Session

from community.jobs.worker import Worker
from tests.browser.conftest import shoot
from tests.factories import PASSWORD, make_category, make_group, make_reply, make_thread, make_user
from tests.smtp import mailbox, smtp_server  # noqa: F401

pytestmark = pytest.mark.commits


def log_in(page: Page, email: str, password: str = PASSWORD) -> None:
    page.goto("/login")
    page.get_by_label("E-Mail-Adresse").fill(email)
    page.get_by_label("Passwort", exact=True).fill(password)
    page.get_by_role("main").get_by_role("button", name="Anmelden").click()
    expect(page.get_by_role("button", name="Abmelden")).to_be_visible()


def stat(page: Page, name: str) -> str:
    return page.locator(".stats div", has_text=name).locator("dd").inner_text()


def test_whole_journey_register_verify_ask_answer_thank_accept(
    new_page,
    engine: Engine,
    db: Session,
    mailbox,  # noqa: F811
) -> None:
    make_category(db, slug="mobilfunk", name="Mobilfunk")
    helper = make_user(db, nickname="Helferlein", email="helfer@example.com")

    # A visitor registers and confirms the address with the link from the mail.
    asker, asker_watch = new_page()
    asker.goto("/")
    expect(asker.get_by_role("heading", level=1)).to_have_text("Was können wir für Sie tun?")
    asker.get_by_role("link", name="Registrieren").click()
    asker.get_by_label("Spitzname").fill("Neugierig")
    asker.get_by_label("E-Mail-Adresse").fill("neu@example.com")
    asker.get_by_label("Passwort").fill("Ein-sehr-gutes-Passwort-2024")
    asker.get_by_role("button", name="Konto anlegen").click()
    expect(asker.get_by_role("heading", level=1)).to_have_text("Fast geschafft")
    Worker(engine).run_until_empty()
    (mail,) = mailbox.to("neu@example.com")
    asker.goto(mail.link("/verify-email"))
    expect(asker.get_by_role("heading", level=1)).to_have_text("E-Mail-Adresse bestätigt")

    # ... and asks a question from the start page's ask box.
    asker.goto("/")
    asker.get_by_label("Ihre Frage in einem Satz").fill("Wie aktiviere ich die Mailbox am Handy?")
    asker.get_by_role("button", name="Frage stellen").last.click()
    expect(asker.get_by_label("Titel")).to_have_value("Wie aktiviere ich die Mailbox am Handy?")
    asker.get_by_label("Bereich").select_option("mobilfunk")  # never preselected
    asker.get_by_label("Ihr Text").fill("Ich finde die Einstellung **nirgends**.")
    asker.get_by_role("button", name="Veröffentlichen").click()
    expect(asker.get_by_role("heading", level=1)).to_have_text(
        "Wie aktiviere ich die Mailbox am Handy?"
    )
    thread_url = asker.url

    # A second member answers; their profile before.
    other, other_watch = new_page()
    other.goto("/u/Helferlein")
    points_before = stat(other, "Punkte")
    rank_before = other.locator(".profile-head .rank").inner_text()
    log_in(other, helper.email)
    other.goto(thread_url)
    other.get_by_label("Ihre Antwort").fill("Wählen Sie die **3311** und folgen Sie der Ansage.")
    other.get_by_role("button", name="Antwort senden", exact=True).click()
    expect(other.locator(".post").nth(1)).to_contain_text("Wählen Sie die 3311")

    # The asker thanks and accepts.
    asker.goto(thread_url)
    answer = asker.locator(".post").nth(1)
    answer.get_by_role("button", name=re.compile("Kudos")).click()
    expect(asker.locator(".post").nth(1).get_by_role("button", name="♥ Kudos 1")).to_be_visible()
    asker.locator(".post").nth(1).get_by_role("button", name="Als Lösung akzeptieren").click()
    expect(asker.get_by_role("heading", name="✓ Akzeptierte Lösung")).to_be_visible()

    # The board shows it solved; the answerer's points and rank moved.
    asker.goto("/c/mobilfunk")
    row = asker.locator("tr", has_text="Wie aktiviere ich die Mailbox am Handy?")
    expect(row).to_contain_text("Gelöst")
    asker.goto("/c/mobilfunk?solved=unsolved")
    expect(asker.locator("tbody")).not_to_contain_text("Mailbox am Handy")
    asker.goto("/u/Helferlein")
    assert int(stat(asker, "Punkte")) > int(points_before)
    assert asker.locator(".profile-head .rank").inner_text() != rank_before
    assert stat(asker, "Lösungen") == "1"
    assert asker_watch.problems == [] and other_watch.problems == []


# the language cookie and the page's strings; the one board only gives it a page
@pytest.mark.sqlite_only
def test_language_switch_in_the_footer(new_page, db: Session) -> None:
    make_category(db, slug="festnetz", name="Festnetz")
    page, watch = new_page()
    page.goto("/c/festnetz")
    expect(page.locator("html")).to_have_attribute("lang", "de")
    page.get_by_role("button", name="English").click()
    expect(page).to_have_url(re.compile(r"/c/festnetz$"))
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("link", name="Ask a question").first).to_be_visible()
    expect(page.get_by_role("link", name="Legal notice")).to_be_visible()
    page.get_by_role("button", name="Deutsch").click()
    expect(page.get_by_role("link", name="Impressum")).to_be_visible()
    english_browser, _ = new_page(locale="en-GB")
    english_browser.goto("/")
    expect(english_browser.get_by_role("heading", level=1)).to_have_text("How can we help you?")
    assert watch.problems == []


# links of static pages and an error page: no data read
@pytest.mark.sqlite_only
def test_footer_links_work_from_an_error_page(new_page) -> None:
    page, watch = new_page()
    response = page.goto("/t/424242/gibt-es-nicht")
    assert response is not None and response.status == 404
    expect(page.get_by_role("heading", level=1)).to_have_text("Seite nicht gefunden")
    page.get_by_role("link", name="Datenschutz").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Datenschutzerklärung")
    page.go_back()
    page.get_by_role("link", name="Impressum").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Impressum")
    page.goto("/login")
    expect(page.get_by_role("link", name="Nutzungsbedingungen / Netiquette")).to_be_visible()
    assert watch.problems == []


# what Chromium shows; the 404 on PostgreSQL: tests/forum/test_permissions.py::
# test_closed_thread_page_is_a_404_page_with_legal_links
@pytest.mark.sqlite_only
def test_a_closed_boards_thread_is_a_404_for_non_members(new_page, db: Session) -> None:
    insider = make_user(db, nickname="Insider")
    outsider = make_user(db, nickname="Aussen", email="aussen@example.com")
    board = make_category(db, slug="grosskunden", groups=[make_group(db, members=[insider])])
    thread = make_thread(db, author=insider, category=board, title="Vertrauliche Rahmenverträge")
    page, _ = new_page()
    log_in(page, outsider.email)
    response = page.goto(f"/t/{thread.id}/{thread.slug}")
    assert response is not None and response.status == 404
    expect(page.get_by_role("heading", level=1)).to_have_text("Seite nicht gefunden")
    expect(page.locator("body")).not_to_contain_text("Vertrauliche")
    page.goto("/")
    expect(page.locator("body")).not_to_contain_text("grosskunden")


# Chromium without JavaScript; the form's preview and stored reply on PostgreSQL:
# tests/forum/test_editor.py (test_without_javascript_a_reply_is_previewed_and_saved_as_draft,
# test_drafts_survive_a_reload_and_another_device_and_go_when_posted)
@pytest.mark.sqlite_only
def test_forms_work_without_javascript(new_page, db: Session) -> None:
    member = make_user(db, nickname="OhneJS", email="ohnejs@example.com")
    thread = make_thread(db, author=make_user(db), category=make_category(db, slug="ohne"))
    page, _ = new_page(java_script_enabled=False)
    log_in(page, member.email)
    page.goto("/new")
    page.get_by_label("Titel").fill("Geht das auch ganz ohne Skripte?")
    page.get_by_label("Ihr Text").fill("Mit *Markdown*.")
    page.get_by_role("button", name="Vorschau").click()  # a full round trip, no htmx
    expect(page.locator("#preview em")).to_have_text("Markdown")
    expect(page.get_by_label("Titel")).to_have_value("Geht das auch ganz ohne Skripte?")
    page.goto(f"/t/{thread.id}/{thread.slug}")
    page.get_by_label("Ihre Antwort").fill("Antwort ohne JavaScript geschrieben.")
    page.get_by_role("button", name="Antwort senden", exact=True).click()
    expect(page.locator(".post").last).to_contain_text("Antwort ohne JavaScript geschrieben.")


# htmx swapping the preview in and screenshots: the preview stores nothing
@pytest.mark.sqlite_only
def test_htmx_preview_and_screenshots(new_page, db: Session) -> None:
    """The preview button with JavaScript swaps in the fragment; the pages are photographed."""
    expert = make_user(db, nickname="Expertin_Tel", staff=True)
    asker = make_user(db, nickname="KMU_Berlin", email="kmu@example.com")
    fragen = make_category(db, slug="mobilfunk", name="Mobilfunk & Tarife")
    make_category(db, slug="internet", name="Internet & Router")
    solved = make_thread(
        db,
        author=asker,
        category=fragen,
        title="Rufumleitung auf die Zentrale einrichten – wie geht das?",
        body="Wir möchten alle Anrufe auf die **Firmenzentrale** umleiten, wenn niemand abnimmt.\n\n"
        "- Tarif: Business M\n- Geräte: 12 Diensthandys",
    )
    answer = make_reply(
        db,
        author=expert,
        thread=solved,
        body="Das geht im Kundenportal unter *Einstellungen › Rufumleitung*. Alternativ per Code:\n\n"
        "```\n**61*+4930123456#\n```",
    )
    make_reply(
        db,
        author=make_user(db, nickname="Handwerker42"),
        thread=solved,
        body="Bei uns hat das so geklappt, danke!",
    )
    from community.accounts.viewer import viewer_for
    from community.reputation import service as reputation

    reputation.give_kudos(db, viewer_for(db, asker), answer.id)  # type: ignore[arg-type]
    reputation.accept_solution(db, viewer_for(db, asker), solved.id, answer.id)  # type: ignore[arg-type]
    db.commit()
    make_thread(db, author=asker, category=fragen, title="eSIM für mehrere Mitarbeiter bestellen")
    from community.forum.models import ThreadKind

    make_thread(
        db,
        author=expert,
        category=fragen,
        kind=ThreadKind.discussion,
        title="Ihre Erfahrungen mit 5G im Außendienst?",
    )

    page, watch = new_page()
    page.goto("/")
    shoot(page, "start")
    page.goto("/c/mobilfunk")
    shoot(page, "board")
    page.goto(f"/t/{solved.id}/{solved.slug}")
    assert page.locator('script[type="application/ld+json"]').count() == 1
    shoot(page, "thread")
    phone, phone_watch = new_page(viewport={"width": 375, "height": 800}, is_mobile=True)
    phone.goto(f"/t/{solved.id}/{solved.slug}")
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= 375, f"the page scrolls sideways at 375 px ({width} px wide)"
    shoot(phone, "thread-phone")
    phone.goto("/c/mobilfunk")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 375
    shoot(phone, "board-phone")
    log_in(page, asker.email)
    page.goto("/new")
    page.get_by_label("Titel").fill("Wie teile ich Datenvolumen im Team?")
    page.get_by_label("Ihr Text").fill("Gibt es einen **Team-Tarif**?")
    page.evaluate("window.stillTheSamePage = true")
    page.get_by_role("button", name="Vorschau").click()
    expect(page.locator("#preview strong")).to_have_text("Team-Tarif")
    assert page.evaluate("window.stillTheSamePage === true")  # swapped in place by htmx
    shoot(page, "ask")
    for name, url in (
        ("profile", "/u/Expertin_Tel"),
        ("leaderboard", "/leaderboard"),
        ("settings", "/settings"),
        ("not-found", "/t/999999/weg"),
    ):
        page.goto(url)
        shoot(page, name)
    assert watch.problems == [] and phone_watch.problems == []
