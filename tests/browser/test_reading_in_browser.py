"""Reading state and avatars in Chromium at desktop and phone width: "neu" and unread counts
on a board, the thread opening at the first unread post, the marks going away, "Alles
gelesen", an uploaded avatar, and axe-core on the pages this touches."""

from __future__ import annotations

from io import BytesIO

import pytest
from PIL import Image
from playwright.sync_api import expect
from sqlmodel import Session

from tests.browser.axe import DESKTOP, PHONE, axe_source, check_page, horizontal_overflow
from tests.browser.test_forum_in_browser import log_in
from tests.factories import make_category, make_reply, make_thread, make_user

pytestmark = pytest.mark.commits


def _png() -> bytes:
    out = BytesIO()
    Image.new("RGB", (240, 160), (20, 90, 160)).save(out, "PNG")
    return out.getvalue()


# what Chromium shows; read marks and avatars on PostgreSQL: tests/forum/test_reading.py,
# tests/accounts/test_avatars.py
@pytest.mark.sqlite_only
def _loaded_width(page, picture) -> int:
    """The picture's decoded width once the browser has fetched it.

    Avatars load lazily and decode asynchronously, so right after navigation
    the element may still be empty (naturalWidth 0): wait for it to finish.
    """
    handle = picture.element_handle()
    page.wait_for_function("(img) => img.complete && img.naturalWidth > 0", arg=handle)
    return int(page.evaluate("(img) => img.naturalWidth", handle))


def test_unread_marks_first_unread_post_all_read_and_avatar(new_page, db: Session) -> None:
    axe_source()  # skips with the reason when axe-core is not installed
    reader = make_user(db, nickname="Leserin", email="leserin@example.com")
    author = make_user(db, nickname="Schreiber", email="schreiber@example.com")
    page, watch = new_page()
    log_in(page, reader.email)
    for width, size in (("desktop", DESKTOP), ("phone", PHONE)):
        page.set_viewport_size(size)
        board = make_category(db, slug=f"lesen-{width}", name=f"Lesen {width}")
        thread = make_thread(
            db, author=author, category=board, title=f"Router startet neu ({width})"
        )
        row = page.locator("tr", has_text=thread.title)

        page.goto(f"/c/{board.slug}")
        expect(row.locator(".new-mark")).to_have_text("neu")
        assert horizontal_overflow(page) == 0
        row.locator(".thread-title").click()
        expect(page.get_by_role("heading", level=1)).to_have_text(thread.title)
        page.goto(f"/c/{board.slug}")
        expect(row.locator(".badge")).to_have_count(0)

        reply = make_reply(db, author=author, thread=thread, body="Neue Firmware hilft hier.")
        page.goto(f"/c/{board.slug}")
        unread = row.locator(".unread-posts")
        expect(unread).to_contain_text("1 ungelesen")
        unread.click()
        assert page.url.endswith(f"#post-{reply.id}")
        expect(page.locator(".unread-divider")).to_be_visible()
        expect(page.locator(f"#post-{reply.id}")).to_be_in_viewport()
        page.goto(f"/c/{board.slug}")
        expect(row.locator(".badge")).to_have_count(0)

        more = [
            make_thread(db, author=author, category=board, title=f"Zweite Frage {width} {n}")
            for n in range(2)
        ]
        page.goto(f"/c/{board.slug}")
        expect(page.locator(".new-mark")).to_have_count(len(more))
        page.get_by_role("button", name="Alles gelesen").click()
        expect(page.locator(".new-mark")).to_have_count(0)
        expect(page.locator(".unread-posts")).to_have_count(0)

    # An uploaded avatar is shown beside the member's posts and on the profile.
    page.set_viewport_size(DESKTOP)
    page.goto("/settings")
    page.get_by_label("Bild hochladen").set_input_files(
        {"name": "ich.png", "mimeType": "image/png", "buffer": _png()}
    )
    page.get_by_role("button", name="Hochladen", exact=True).click()
    expect(page.locator(".flash")).to_have_text("Ihr Profilbild ist gespeichert.")
    own = make_thread(db, author=reader, category=board, title="Frage mit eigenem Bild")
    page.goto(f"/t/{own.id}/{own.slug}")
    picture = page.locator(".post-avatar img").first
    src = picture.get_attribute("src") or ""
    assert src.startswith(f"/avatars/{reader.id}/") and src.endswith("-48.webp"), src
    assert _loaded_width(page, picture) == 48
    page.goto("/u/Leserin")
    profile_picture = page.locator(".profile-head img")
    assert ".webp" in (profile_picture.get_attribute("src") or "")
    assert _loaded_width(page, profile_picture) == 96

    problems = [
        p
        for url in (
            f"/c/{board.slug}",
            f"/t/{thread.id}/{thread.slug}",
            "/u/Schreiber",
            "/settings",
        )
        for p in check_page(page, url)
    ]
    assert problems == []
    assert watch.problems == []
