"""The writing journey in Chromium at desktop and phone width: asking from the start page's
box (the board chosen on purpose), formatting buttons, an @mention chosen from the
suggestions, the live preview, the draft kept over a reload, the confirmation after
posting; axe-core and no sideways scrolling on the pages with the editor."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect
from sqlmodel import Session

from tests.browser.axe import DESKTOP, PHONE, horizontal_overflow, serious_violations
from tests.browser.test_forum_in_browser import log_in
from tests.factories import make_category, make_reply, make_thread, make_user

pytestmark = pytest.mark.commits


# the editor's script, axe and widths; drafts, mentions and the board choice on
# PostgreSQL: tests/forum/test_editor.py, tests/forum/test_mentions_and_drafts.py
@pytest.mark.sqlite_only
def test_ask_with_board_draft_mention_preview_reply_and_flash(new_page, db: Session) -> None:
    member = make_user(db, nickname="Fragende", email="fragende@example.com")
    technician = make_user(db, nickname="Technikerin")
    make_category(db, slug="festnetz", name="Festnetz")
    vpn = make_category(db, slug="vpn", name="VPN & Sicherheit")
    earlier = make_thread(db, author=technician, category=vpn, title="VPN-Client einrichten")
    make_reply(db, author=member, thread=earlier, body="Danke, klappt.")
    page, watch = new_page()
    log_in(page, member.email)
    problems: list[str] = []

    for width, size in (("1280 px", DESKTOP), ("390 px", PHONE)):
        page.set_viewport_size(size)
        title = f"VPN bricht nachts ab ({width})"
        page.goto("/")
        page.get_by_label("Ihre Frage in einem Satz").fill(title)
        page.get_by_role("main").get_by_role("button", name="Frage stellen").click()
        expect(page.get_by_label("Titel")).to_have_value(title)
        board = page.get_by_label("Bereich")
        expect(board).to_have_value("")  # "Bitte wählen": nothing chosen for the writer
        body = page.get_by_label("Ihr Text")
        body.fill("Seit dem Update bricht die Verbindung ab. ")
        # Without a board the form is refused, and what was typed stays.
        page.get_by_role("button", name="Veröffentlichen").click()
        assert board.evaluate("el => !el.validity.valid")
        expect(body).to_have_value("Seit dem Update bricht die Verbindung ab. ")
        board.select_option("vpn")

        if width == "1280 px":
            # The toolbar is one Tab stop; the arrow keys move inside it
            page.get_by_role("button", name="Fett").focus()
            page.keyboard.press("ArrowRight")
            expect(page.get_by_role("button", name="Kursiv")).to_be_focused()
            page.keyboard.press("End")
            expect(page.get_by_role("button", name="Zitat")).to_be_focused()
            page.keyboard.press("Tab")
            expect(body).to_be_focused()
            page.keyboard.press("Shift+Tab")
            expect(page.get_by_role("button", name="Zitat")).to_be_focused()  # where it was left

        # A formatting button, then an @mention chosen from the suggestions.
        body.focus()
        body.press("End")
        page.get_by_role("button", name="Fett").click()
        page.keyboard.type("dringend")
        body.press("End")
        page.keyboard.type(" Gruß an @Tech")
        option = page.get_by_role("option", name="@Technikerin")
        expect(option).to_be_visible()
        page.keyboard.press("Enter")
        expect(body).to_have_value(
            "Seit dem Update bricht die Verbindung ab. **dringend** Gruß an @Technikerin "
        )
        # Live preview, from the forum's own renderer; the draft saved while typing.
        expect(page.locator("#preview strong")).to_have_text("dringend")
        expect(page.locator("#preview a[href='/u/Technikerin']")).to_have_text("@Technikerin")
        expect(page.locator("#body-draft")).to_contain_text("Entwurf gespeichert")
        problems += [f"/new at {width}: {v}" for v in serious_violations(page)]
        if width == "390 px" and (extra := horizontal_overflow(page)):
            problems.append(f"/new at 390 px scrolls sideways by {extra} px")

        # A reload (or another device) brings the draft back.
        page.goto("/new")
        expect(page.get_by_label("Titel")).to_have_value(title)
        expect(page.get_by_label("Ihr Text")).to_have_value(
            "Seit dem Update bricht die Verbindung ab. **dringend** Gruß an @Technikerin "
        )
        expect(page.get_by_label("Bereich")).to_have_value("vpn")
        page.get_by_role("button", name="Veröffentlichen").click()
        expect(page.get_by_role("heading", level=1)).to_have_text(title)
        expect(page.locator(".flash")).to_have_text("Ihr Thema ist veröffentlicht.")
        expect(page.locator(".flash")).to_have_attribute("role", "status")

        # A reply with the same editor: preview, post, confirmation.
        reply = page.get_by_label("Ihre Antwort")
        reply.fill("Nachtrag: betrifft nur das *Büro*.")
        expect(page.locator("#reply-preview em")).to_have_text("Büro")
        expect(page.locator("#reply-body-draft")).to_contain_text("Entwurf gespeichert")
        problems += [f"thread at {width}: {v}" for v in serious_violations(page)]
        if width == "390 px" and (extra := horizontal_overflow(page)):
            problems.append(f"thread at 390 px scrolls sideways by {extra} px")
        page.get_by_role("button", name="Antwort senden", exact=True).click()
        expect(page.locator(".flash")).to_have_text("Ihre Antwort ist veröffentlicht.")
        expect(page.locator(".post").last).to_contain_text("Nachtrag: betrifft nur das Büro.")
        expect(page.get_by_label("Ihre Antwort")).to_have_value("")  # the draft is gone

    assert problems == []
    assert watch.problems == []
