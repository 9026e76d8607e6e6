"""Ideas in Chromium: a customer proposes an idea through the ask flow, two others vote,
staff set "geplant" with a note, the proposer gets the notice; axe-core and the phone
width on the ideas pages."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect
from sqlmodel import Session

from community.forum.models import ThreadKind
from tests.browser.axe import axe_source, check_page
from tests.browser.test_forum_in_browser import log_in
from tests.factories import make_category, make_user

pytestmark = pytest.mark.commits


# the clicks, axe and widths; the same steps on PostgreSQL: tests/ideas/test_pages.py
# (ask flow, vote without JS, status form and the author's notice)
@pytest.mark.sqlite_only
def test_propose_vote_set_planned_and_the_proposer_is_told(new_page, db: Session) -> None:
    axe_source()  # skips with the reason when axe-core is not installed
    board = make_category(db, slug="ideen", name="Ideen")
    board.default_kind = ThreadKind.idea.value
    db.add(board)
    db.commit()
    proposer = make_user(db, nickname="Kundin.Ideen", email="kundin@example.com")
    voters = [
        make_user(db, nickname=f"Unterstuetzer{n}", email=f"fan{n}@example.com") for n in (1, 2)
    ]
    staff = make_user(db, nickname="Team.Produkt", email="team@example.com", staff=True)

    page, watch = new_page()
    log_in(page, proposer.email)
    page.goto("/ideas/ideen")
    page.get_by_role("link", name="Idee vorschlagen").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Idee vorschlagen")
    page.get_by_label("Titel").fill("Rechnungen als CSV exportieren")
    page.get_by_label("Ihr Text").fill("Für unsere Buchhaltung wäre ein CSV-Export ideal.")
    page.get_by_role("button", name="Veröffentlichen").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Rechnungen als CSV exportieren")
    expect(page.locator(".idea-status")).to_have_text("neu")
    idea_url = page.url.split("#")[0]

    for voter in voters:
        other, _ = new_page()
        log_in(other, voter.email)
        other.goto(idea_url)
        other.get_by_role("button", name="Für diese Idee stimmen").click()
        expect(other.get_by_role("button", name="Stimme zurücknehmen")).to_be_visible()
    page.goto("/ideas/ideen")
    expect(page.locator(".idea-count strong").first).to_have_text("2")

    team, _ = new_page()
    log_in(team, staff.email)
    team.goto(idea_url)
    team.get_by_role("link", name="Status setzen").click()
    assert check_page(team, team.url) == []
    team.get_by_label("geplant").check()
    team.get_by_label("Öffentlicher Hinweis").fill("Kommt mit dem Portal-Update im Mai.")
    team.get_by_role("button", name="Status speichern").click()
    expect(team.get_by_role("status")).to_contain_text("Der Status der Idee ist gespeichert.")
    expect(team.locator(".idea-note")).to_contain_text("Kommt mit dem Portal-Update im Mai.")
    team.get_by_role("link", name="Als Duplikat zusammenführen").click()
    assert check_page(team, team.url) == []

    page.goto("/notifications")
    expect(page.get_by_text("hat einen neuen Status: geplant", exact=False)).to_be_visible()
    for url in ("/ideas/ideen", idea_url):
        assert check_page(page, url) == []
    assert watch.problems == []
