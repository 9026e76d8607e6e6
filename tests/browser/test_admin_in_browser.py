"""The staff console in a real browser: an admin creates a closed group, adds a member,
restricts a board to it and makes a member an expert through the pages alone; and every
page of the console passes axe-core at desktop and phone width."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect
from sqlmodel import Session, select

from community.accounts import service as accounts
from community.accounts.models import Group, GroupMember, Role, User
from community.forum.models import Category, CategoryGroup
from tests.browser.axe import axe_source, check_page
from tests.browser.conftest import shoot
from tests.browser.test_forum_in_browser import log_in
from tests.factories import make_category, make_group, make_thread, make_user

pytestmark = pytest.mark.commits


# the console's forms in Chromium; groups, closed boards and roles on PostgreSQL:
# tests/accounts/test_admin.py, tests/web/test_admin_pages.py
@pytest.mark.sqlite_only
def test_admin_closes_a_board_to_a_new_group_and_makes_an_expert(new_page, db: Session) -> None:
    make_category(db, slug="intern", name="Intern")
    admin = make_user(db, nickname="Chefin", role=Role.admin, email="chefin@example.com")
    customer = make_user(db, nickname="Kundin", email="kundin@firma.example")
    helper = make_user(db, nickname="Helfer")
    page, watch = new_page()
    log_in(page, admin.email)

    page.get_by_role("navigation", name="Hauptmenü").get_by_role("link", name="Verwaltung").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Verwaltung")
    shoot(page, "admin-home")
    page.get_by_role("link", name="Gruppen").click()
    page.get_by_label("Name", exact=True).fill("Großkunden")
    page.get_by_label("Kurzname").fill("grosskunden")
    page.get_by_label("Beschreibung").fill("Firmen mit Rahmenvertrag")
    page.get_by_role("button", name="Gruppe anlegen").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Großkunden")

    page.get_by_label("Spitznamen oder E-Mail-Adressen, eine pro Zeile").fill(
        "kundin@firma.example"
    )
    page.get_by_role("button", name="Hinzufügen").click()
    expect(page.get_by_role("status")).to_have_text("Die Mitglieder sind hinzugefügt.")
    expect(page.locator(".member-list")).to_contain_text("Kundin")

    page.get_by_role("link", name="Verwaltung", exact=True).last.click()
    page.get_by_role("main").get_by_role("link", name="Bereiche").click()
    page.get_by_role("link", name="Intern").click()
    page.get_by_label("Großkunden").check()
    page.get_by_label("Unbeantwortet nach (Stunden)").fill("8")
    page.get_by_role("button", name="Speichern").click()
    expect(page.get_by_role("status")).to_have_text("Gespeichert.")
    expect(page.get_by_label("Großkunden")).to_be_checked()
    shoot(page, "admin-board")

    page.goto("/admin/members")
    page.get_by_label("Spitzname oder E-Mail-Adresse").fill("Helf")
    page.get_by_role("button", name="Suchen").click()
    page.get_by_role("link", name="Helfer").click()
    page.get_by_label("Rolle", exact=True).select_option("expert")
    page.get_by_role("button", name="Rolle speichern").click()
    expect(page.get_by_role("status")).to_have_text("Rolle und Team-Kennzeichen sind gespeichert.")
    shoot(page, "admin-member")
    assert watch.problems == []

    db.expire_all()
    group = db.execute(select(Group).where(Group.slug == "grosskunden")).scalar_one()
    board = db.execute(select(Category).where(Category.slug == "intern")).scalar_one()
    assert db.get(GroupMember, (group.id, customer.id)) is not None
    assert db.get(CategoryGroup, (board.id, group.id)) is not None
    assert board.unanswered_after_hours == 8
    assert db.get(User, helper.id).role == "expert"  # type: ignore[union-attr]


@pytest.mark.sqlite_only  # axe reads the markup, the same on both databases
def test_every_page_of_the_console_passes_axe(new_page, db: Session) -> None:
    axe_source()  # skips with the reason when axe-core is not installed
    admin = make_user(db, nickname="Chefin", role=Role.admin, email="chefin@example.com")
    mod = make_user(db, nickname="Wache", role=Role.moderator, email="wache@example.com")
    member = make_user(db, nickname="Kundin", real_name="Karla Kunde", company="Kunde GmbH")
    group = make_group(db, slug="partner", members=[member])
    board = make_category(db, slug="technik", name="Technik", groups=[group])
    make_thread(db, author=member, category=board, title="Router verliert die Verbindung")
    accounts.create_api_token(db, name="CRM", scopes=["faq:read", "events:read"], created_by=admin)
    db.commit()
    pages = [
        "/admin",
        "/admin/members",
        f"/admin/members/{member.id}",
        "/admin/groups",
        "/admin/groups/partner",
        "/admin/boards",
        "/admin/boards/technik",
        "/admin/tokens",
        "/admin/ranks",
    ]
    page, _ = new_page()
    log_in(page, admin.email)
    problems = [p for url in pages for p in check_page(page, url)]
    moderator, _ = new_page()
    log_in(moderator, mod.email)
    problems += [p for url in pages[:3] for p in check_page(moderator, url)]
    assert problems == []
