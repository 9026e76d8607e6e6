"""Refused forms in Chromium as people meet them: several fields marked at once on the
registration, a reply kept to copy when its thread was closed meanwhile, a refused
decision in the moderation queue open with its text. Each passes axe at 1280 px and
390 px without sideways scrolling."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect
from sqlmodel import Session

from community.accounts.models import Role
from community.accounts.viewer import viewer_for
from community.moderation import service as moderation
from community.moderation.models import Report
from tests.browser.axe import DESKTOP, PHONE, axe_source, horizontal_overflow, serious_violations
from tests.browser.test_forum_in_browser import log_in
from tests.factories import make_category, make_reply, make_thread, make_user


def _fine_at_both_widths(page, what: str) -> list[str]:  # type: ignore[no-untyped-def]
    problems = []
    for name, size in (("1280 px", DESKTOP), ("390 px", PHONE)):
        page.set_viewport_size(size)
        problems += [f"{what} at {name}: {v}" for v in serious_violations(page)]
        if extra := horizontal_overflow(page):
            problems.append(f"{what} at {name} scrolls sideways by {extra} px")
    page.set_viewport_size(DESKTOP)
    return problems


@pytest.mark.sqlite_only  # the markup is the same on both databases
def test_refused_forms_keep_the_text_mark_the_fields_and_pass_axe(new_page, db: Session) -> None:
    axe_source()  # skips with the reason when axe-core is not installed
    make_user(db, nickname="Anna")
    board = make_category(db, slug="technik", name="Technik")
    author = make_user(db, nickname="Schreiber", email="schreiber@example.com")
    thread = make_thread(db, author=author, category=board, title="Router verliert nachts")
    reply = make_reply(db, author=author, thread=thread, body="Kauft Zauberpillen bei mir")
    moderator = make_user(db, nickname="Wache", role=Role.moderator, email="wache@example.com")
    db.add(Report(post_id=reply.id, reporter_id=moderator.id, reason="spam"))
    db.commit()
    problems: list[str] = []

    # Registration: a taken nickname and a weak password, both marked, focus on the first.
    visitor, _ = new_page()
    visitor.goto("/register")
    visitor.get_by_label("Spitzname").fill("anna")
    visitor.get_by_label("E-Mail-Adresse").fill("neu@example.com")
    visitor.get_by_label("Passwort").fill("passwort123")
    visitor.get_by_role("button", name="Konto anlegen").click()
    expect(visitor.locator("#nickname-error")).to_have_text("Dieser Spitzname ist schon vergeben.")
    expect(visitor.locator("#password-error")).to_be_visible()
    expect(visitor.locator("#nickname")).to_be_focused()
    expect(visitor.get_by_label("E-Mail-Adresse")).to_have_value("neu@example.com")
    problems += _fine_at_both_widths(visitor, "/register refused")

    # A reply written while the thread was closed: shown to copy.
    member, _ = new_page()
    log_in(member, author.email)
    member.goto(f"/t/{thread.id}/{thread.slug}")
    member.get_by_label("Ihre Antwort").fill("Eine lange, sorgfältige Antwort.")
    moderation.set_locked(db, viewer_for(db, moderator), thread.id, True, "")  # type: ignore[arg-type]
    db.commit()
    member.get_by_role("button", name="Antwort senden").click()
    expect(member.get_by_label("Ihr Text, zum Kopieren")).to_have_value(
        "Eine lange, sorgfältige Antwort."
    )
    problems += _fine_at_both_widths(member, "reply kept")

    # The queue: a refused "duplicate of" comes back open, with what was typed.
    staff, _ = new_page()
    log_in(staff, moderator.email)
    staff.goto("/moderation")
    staff.get_by_text("Thema und Mitglied").click()
    staff.get_by_label("Duplikat von (Nummer oder Link)").fill("kein-thema")
    staff.get_by_role("button", name="Als Duplikat schließen").click()
    expect(staff.get_by_label("Duplikat von (Nummer oder Link)")).to_have_value("kein-thema")
    expect(staff.get_by_role("alert")).to_contain_text("Nummer oder den Link")
    problems += _fine_at_both_widths(staff, "/moderation refused")
    assert problems == []
