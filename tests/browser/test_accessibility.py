"""The member's pages pass axe-core (no serious or critical finding) at 1280 px and 390 px,
and none scrolls sideways on a phone."""

from __future__ import annotations

import pytest
from sqlmodel import Session

from tests.browser.axe import PHONE, axe_source, check_page
from tests.browser.test_forum_in_browser import log_in
from tests.factories import make_category, make_reply, make_thread, make_user

pytestmark = pytest.mark.commits


@pytest.mark.sqlite_only  # axe reads the markup, the same on both databases
def test_public_and_member_pages_pass_axe_at_desktop_and_phone_width(new_page, db: Session) -> None:
    axe_source()  # skips with the reason when axe-core is not installed
    board = make_category(db, slug="technik", name="Technik")
    author = make_user(db, nickname="Schreiber", email="schreiber@example.com")
    thread = make_thread(db, author=author, category=board, title="Router verliert Verbindung")
    make_reply(db, author=author, thread=thread, body="Firmware aktualisieren hilft.")
    pages = [
        "/",
        "/c/technik",
        f"/t/{thread.id}/{thread.slug}",
        "/search?q=Router",
        "/login",
        "/register",
        "/leaderboard",
        f"/u/{author.nickname}",
    ]
    visitor, _ = new_page()
    problems = [p for url in pages for p in check_page(visitor, url)]
    member, _ = new_page()
    log_in(member, author.email)
    problems += [
        p for url in ("/settings", "/new", "/notifications") for p in check_page(member, url)
    ]
    assert problems == []
    # On a phone each notification choice is wide enough to read what is chosen
    # ("Benachrichtigung und E-Mail"; beside the labels they were 67 px: "Be").
    member.set_viewport_size(PHONE)
    member.goto("/settings")
    widths = member.eval_on_selector_all(
        "#notifications select", "els => els.map(e => e.getBoundingClientRect().width)"
    )
    assert widths and min(widths) >= 250, widths


def test_the_check_finds_an_image_without_text_and_a_page_too_wide(browser) -> None:
    axe_source()
    from tests.browser.axe import PHONE, horizontal_overflow, serious_violations

    page = browser.new_page(viewport=PHONE)
    page.set_content(
        '<html lang="de"><title>t</title><main><img src="data:,x">'
        '<div style="width:600px">breit</div></main></html>'
    )
    assert any(v.startswith("image-alt") for v in serious_violations(page))
    assert horizontal_overflow(page) > 0
    page.close()
