"""The staff console's pages: /admin with what waits, members, groups and boards.
Permissions as in the API (signed out: login; without the role: 404), every form a plain
POST with the CSRF field that redirects, is audited, and keeps what was typed when refused."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
from sqlmodel import select

from community.accounts.models import GroupMember, Role, User
from community.forum.models import Category, CategoryGroup
from community.moderation.models import AuditEntry, Report
from tests.factories import (
    PASSWORD,
    make_category,
    make_group,
    make_reply,
    make_thread,
    make_user,
    sign_in,
)

ADMIN_ONLY = ["/admin/groups", "/admin/boards", "/admin/tokens", "/admin/ranks"]
MODERATOR = ["/admin", "/admin/members"]


def _post(client, url: str, csrf: str, **fields):  # type: ignore[no-untyped-def]
    return client.post(url, data={"csrf_token": csrf, **fields}, follow_redirects=False)


def _audit(db, action: str) -> list[AuditEntry]:  # type: ignore[no-untyped-def]
    db.expire_all()
    return list(db.execute(select(AuditEntry).where(AuditEntry.action == action)).scalars())


@pytest.mark.parametrize("path", MODERATOR + ADMIN_ONLY + ["/admin/members/1"])
def test_signed_out_visitors_are_sent_to_the_login(anon, path) -> None:  # type: ignore[no-untyped-def]
    response = anon.get(path, follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == f"/login?next={path}"


@pytest.mark.parametrize("role", [Role.member, Role.expert])
def test_members_and_experts_get_404_on_every_staff_page(db, client, role) -> None:  # type: ignore[no-untyped-def]
    user = make_user(db, role=role)
    group = make_group(db, slug="grosskunden")
    board = make_category(db, slug="intern")
    sign_in(client, user)
    for path in [
        *MODERATOR,
        *ADMIN_ONLY,
        f"/admin/members/{user.id}",
        f"/admin/groups/{group.slug}",
        f"/admin/boards/{board.slug}",
    ]:
        assert client.get(path).status_code == 404, path
    assert 'href="/admin"' not in client.get("/").text


def test_moderators_see_their_tools_but_no_admin_only_page(db, client) -> None:  # type: ignore[no-untyped-def]
    mod = make_user(db, role=Role.moderator)
    sign_in(client, mod)
    home = client.get("/admin")
    assert home.status_code == 200
    assert 'href="/admin"' in home.text  # the header's link
    for tool in ("/moderation#reports", "/admin/members", "/admin/faq", "/admin/stats"):
        assert f'href="{tool}"' in home.text
    for tool in (
        "/admin/groups",
        "/admin/boards",
        "/admin/webhooks",
        "/admin/tokens",
        "/admin/ranks",
        "/admin/legal",
        "/admin/audit-log",
    ):
        assert f'href="{tool}"' not in home.text
    for path in ADMIN_ONLY:
        assert client.get(path).status_code == 404
    csrf = sign_in(client, mod)
    assert _post(client, "/admin/groups", csrf, slug="heimlich", name="Heimlich").status_code == 404


def test_the_home_counts_what_waits(db, client) -> None:  # type: ignore[no-untyped-def]
    admin = make_user(db, role=Role.admin)
    author = make_user(db)
    board = make_category(db)
    thread = make_thread(db, author=author, category=board)
    reply = make_reply(db, author=author, thread=thread)
    reporter = make_user(db)
    db.add(Report(post_id=reply.id, reporter_id=reporter.id, reason="spam"))
    db.commit()
    sign_in(client, admin)
    page = client.get("/admin").text
    assert 'href="/admin/groups"' in page and 'href="/admin/webhooks"' in page
    reports_card = page.split('href="/moderation#reports"')[1].split("</li>")[0]
    assert "<strong>1</strong>" in reports_card


def test_members_are_found_by_nickname_and_by_email(db, client) -> None:  # type: ignore[no-untyped-def]
    mod = make_user(db, role=Role.moderator)
    make_user(db, nickname="Sonnenschein", email="sonne@firma.example")
    make_user(db, nickname="Regenwolke", email="wolke@example.com")
    sign_in(client, mod)
    by_nick = client.get("/admin/members", params={"q": "sonnen"}).text
    assert "Sonnenschein" in by_nick and "Regenwolke" not in by_nick
    by_mail = client.get("/admin/members", params={"q": "firma.example"}).text
    assert "Sonnenschein" in by_mail and "sonne@firma.example" in by_mail
    assert "Regenwolke" not in by_mail


def test_a_members_record_shows_private_fields_groups_and_reports(db, client) -> None:  # type: ignore[no-untyped-def]
    mod = make_user(db, role=Role.moderator)
    member = make_user(db, nickname="Kundin", real_name="Karla Kunde", company="Kunde GmbH")
    make_group(db, slug="vip", members=[member])
    board = make_category(db)
    thread = make_thread(db, author=member, category=board, title="Frage zum Vertrag bitte")
    db.add(Report(post_id=thread.last_post_id, reporter_id=mod.id, reason="spam"))
    db.commit()
    sign_in(client, mod)
    page = client.get(f"/admin/members/{member.id}").text
    for shown in (
        "Karla Kunde",
        "Kunde GmbH",
        member.email,
        "Gruppe",
        "Frage zum Vertrag bitte",
        "Spam oder Werbung",
    ):
        assert shown in page
    # Role and erasure are the admins'; suspending is the moderators' too.
    assert f'action="/admin/members/{member.id}/role"' not in page
    assert f'action="/admin/members/{member.id}/suspend"' in page
    assert "/erase" not in page


def test_an_admin_changes_role_and_staff_flag_and_it_is_audited(db, client) -> None:  # type: ignore[no-untyped-def]
    admin = make_user(db, role=Role.admin)
    member = make_user(db, nickname="Bald_Experte")
    csrf = sign_in(client, admin)
    response = _post(
        client, f"/admin/members/{member.id}/role", csrf, role="expert", is_staff="true"
    )
    assert response.status_code == 303
    assert response.headers["location"] == f"/admin/members/{member.id}?done=role"
    db.refresh(member)
    assert member.role == "expert" and member.is_staff
    (entry,) = _audit(db, "user.update")
    assert entry.target_id == member.id and entry.after["role"] == "expert"
    assert (
        "Rolle und Team-Kennzeichen sind gespeichert."
        in client.get(response.headers["location"]).text
    )


def test_a_refused_role_keeps_the_form(db, client) -> None:  # type: ignore[no-untyped-def]
    admin = make_user(db, role=Role.admin)
    member = make_user(db)
    csrf = sign_in(client, admin)
    response = _post(client, f"/admin/members/{member.id}/role", csrf, role="kaiser")
    assert response.status_code == 422
    assert "Bitte wählen Sie eine Rolle." in response.text
    db.refresh(member)
    assert member.role == "member"


def test_an_admin_cannot_demote_themselves_or_erase_the_last_admin_account(db, client) -> None:  # type: ignore[no-untyped-def]
    admin = make_user(db, role=Role.admin, nickname="Einzige_Admin")
    csrf = sign_in(client, admin)
    demoted = _post(client, f"/admin/members/{admin.id}/role", csrf, role="member")
    assert demoted.status_code == 409
    assert "ändert ein anderes Admin-Mitglied" in demoted.text
    assert 'option value="member" selected' in demoted.text  # the form as it was sent
    # The team flag of one's own account is no risk
    flagged = _post(client, f"/admin/members/{admin.id}/role", csrf, role="admin", is_staff="true")
    assert flagged.status_code == 303
    erased = _post(client, "/settings/erase", csrf, password=PASSWORD, confirm="true")
    assert erased.status_code == 409
    assert "Sie sind das einzige Admin-Mitglied" in erased.text
    db.refresh(admin)
    assert admin.role == "admin" and admin.is_staff and admin.erased_at is None
    assert client.get("/admin/members").status_code == 200
    # With a second admin, either may leave: someone still reaches the console
    make_user(db, role=Role.admin)
    assert (
        _post(client, "/settings/erase", csrf, password=PASSWORD, confirm="true").status_code == 200
    )


def test_a_moderator_suspends_and_unsuspends_from_the_record(db, client) -> None:  # type: ignore[no-untyped-def]
    mod = make_user(db, role=Role.moderator)
    member = make_user(db)
    csrf = sign_in(client, mod)
    response = _post(
        client, f"/admin/members/{member.id}/suspend", csrf, days="3", reason="Werbung"
    )
    assert response.status_code == 303
    db.refresh(member)
    assert member.suspended_until is not None
    assert [e.reason for e in _audit(db, "user.suspend")] == ["Werbung"]
    assert _post(client, f"/admin/members/{member.id}/unsuspend", csrf).status_code == 303
    db.refresh(member)
    assert member.suspended_until is None and len(_audit(db, "user.unsuspend")) == 1


def test_a_refused_suspension_keeps_the_typed_reason(db, client) -> None:  # type: ignore[no-untyped-def]
    mod = make_user(db, role=Role.moderator)
    member = make_user(db)
    csrf = sign_in(client, mod)
    response = _post(
        client,
        f"/admin/members/{member.id}/suspend",
        csrf,
        days="99999",
        reason="Immer wieder Werbung",
    )
    assert response.status_code == 422
    assert 'value="Immer wieder Werbung"' in response.text
    db.refresh(member)
    assert member.suspended_until is None


def test_an_admin_creates_renames_and_fills_a_group(db, client) -> None:  # type: ignore[no-untyped-def]
    admin = make_user(db, role=Role.admin)
    anna = make_user(db, nickname="Anna")
    bernd = make_user(db, nickname="Bernd", email="bernd@firma.example")
    csrf = sign_in(client, admin)
    created = _post(client, "/admin/groups", csrf, slug="grosskunden", name="Großkunden")
    assert created.status_code == 303
    assert created.headers["location"] == "/admin/groups/grosskunden?done=created"
    renamed = _post(
        client,
        "/admin/groups/grosskunden",
        csrf,
        name="Großkunden Nord",
        description="Firmen ab 50 Anschlüssen",
    )
    assert renamed.status_code == 303
    added = _post(
        client, "/admin/groups/grosskunden/members", csrf, names="Anna\nbernd@firma.example\n"
    )
    assert added.status_code == 303
    page = client.get("/admin/groups/grosskunden").text
    assert "Großkunden Nord" in page and "Firmen ab 50 Anschlüssen" in page
    assert "Anna" in page and "Bernd" in page
    db.expire_all()
    members = db.execute(select(GroupMember.user_id)).scalars().all()
    assert set(members) >= {anna.id, bernd.id}
    assert len(_audit(db, "group.create")) == 1
    assert len(_audit(db, "group.update")) == 1
    assert len(_audit(db, "group.add_member")) == 2
    removed = _post(client, "/admin/groups/grosskunden/members/Anna/remove", csrf)
    assert removed.status_code == 303
    assert len(_audit(db, "group.remove_member")) == 1


def test_unknown_names_refuse_the_whole_list_and_keep_it(db, client) -> None:  # type: ignore[no-untyped-def]
    admin = make_user(db, role=Role.admin)
    make_user(db, nickname="Anna")
    group = make_group(db, slug="partner")
    csrf = sign_in(client, admin)
    response = _post(client, "/admin/groups/partner/members", csrf, names="Anna\nNiemand")
    assert response.status_code == 422
    assert "Niemand" in response.text.split('role="alert"')[1].split("</p>")[0]
    assert ">Anna\nNiemand</textarea>" in response.text
    db.expire_all()
    assert db.execute(select(GroupMember).where(GroupMember.group_id == group.id)).first() is None


def test_a_refused_group_keeps_what_was_typed(db, client) -> None:  # type: ignore[no-untyped-def]
    admin = make_user(db, role=Role.admin)
    csrf = sign_in(client, admin)
    response = _post(
        client,
        "/admin/groups",
        csrf,
        slug="Mit Leerzeichen",
        name="Partner",
        description="Für Partner",
    )
    assert response.status_code == 422
    assert 'value="Mit Leerzeichen"' in response.text and "Für Partner" in response.text


def test_a_taken_short_name_keeps_the_group_and_board_forms(db, client) -> None:  # type: ignore[no-untyped-def]
    admin = make_user(db, role=Role.admin)
    make_group(db, slug="partner")
    make_category(db, slug="technik", name="Technik")
    csrf = sign_in(client, admin)
    group = _post(
        client, "/admin/groups", csrf, slug="partner", name="Partner Nord", description="Im Norden"
    )
    assert group.status_code == 422
    assert "Diese Gruppe gibt es schon." in group.text
    assert 'value="Partner Nord"' in group.text and "Im Norden" in group.text
    umlaut = _post(client, "/admin/groups", csrf, slug="aerzte", name="Ärzte")
    assert umlaut.status_code == 303
    again = _post(client, "/admin/groups", csrf, slug="aerzte-2", name="ärzte")
    assert "Eine Gruppe mit diesem Namen gibt es schon." in again.text  # SQLite's lower() kept Ä
    taken = make_group(db, slug="vertraulich")
    same_name = _post(client, "/admin/groups", csrf, slug="vertraulich-2", name=taken.name.upper())
    assert same_name.status_code == 422
    assert "Eine Gruppe mit diesem Namen gibt es schon." in same_name.text
    assert 'value="vertraulich-2"' in same_name.text
    renamed = _post(client, "/admin/groups/partner", csrf, name=taken.name, description="")
    assert renamed.status_code == 422
    assert "Eine Gruppe mit diesem Namen gibt es schon." in renamed.text
    board = _post(
        client, "/admin/boards", csrf, slug="technik", name="Technik 2", description="Doppelt"
    )
    assert board.status_code == 422
    assert "Diesen Bereich gibt es schon." in board.text
    assert 'value="Technik 2"' in board.text and "Doppelt" in board.text


def test_an_admin_creates_a_board_and_closes_it_to_a_group(db, client) -> None:  # type: ignore[no-untyped-def]
    admin = make_user(db, role=Role.admin)
    make_group(db, slug="vip")
    csrf = sign_in(client, admin)
    created = _post(
        client,
        "/admin/boards",
        csrf,
        slug="vertrag",
        name="Vertrag",
        description="Fragen zum Vertrag",
        position="5",
    )
    assert created.status_code == 303
    saved = _post(
        client,
        "/admin/boards/vertrag",
        csrf,
        name="Verträge",
        description="Alles",
        position="2",
        unanswered_after_hours="12",
        premoderated="true",
        groups="vip",
    )
    assert saved.status_code == 303
    db.expire_all()
    board = db.execute(select(Category).where(Category.slug == "vertrag")).scalar_one()
    assert (board.name, board.position, board.unanswered_after_hours, board.premoderated) == (
        "Verträge",
        2,
        12,
        True,
    )
    assert db.execute(select(CategoryGroup).where(CategoryGroup.category_id == board.id)).first()
    assert {e.action for e in db.execute(select(AuditEntry)).scalars()} >= {
        "board.create",
        "board.update",
        "board.premoderation",
        "board.groups",
    }
    listed = client.get("/admin/boards").text
    assert "Verträge" in listed and "vip" in listed


def test_a_refused_board_keeps_what_was_typed(db, client) -> None:  # type: ignore[no-untyped-def]
    admin = make_user(db, role=Role.admin)
    make_category(db, slug="technik", name="Technik")
    csrf = sign_in(client, admin)
    response = _post(
        client, "/admin/boards/technik", csrf, name="Technik neu", unanswered_after_hours="viele"
    )
    assert response.status_code == 422
    assert 'value="Technik neu"' in response.text and 'value="viele"' in response.text
    assert "1 bis 8760 Stunden" in response.text
    db.expire_all()
    assert db.execute(select(Category.name).where(Category.slug == "technik")).scalar_one() == (
        "Technik"
    )


def test_forms_without_the_csrf_field_are_refused(db, client) -> None:  # type: ignore[no-untyped-def]
    admin = make_user(db, role=Role.admin)
    sign_in(client, admin)
    response = client.post(
        "/admin/groups", data={"slug": "x-gruppe", "name": "X Gruppe"}, follow_redirects=False
    )
    assert response.status_code == 403
    assert db.execute(select(User).where(User.nickname == "nobody")).first() is None


def _german_texts() -> set[str]:
    from babel.messages.pofile import read_po

    from tests.web.test_catalog import PO

    catalog = read_po(PO.open("rb"), locale="en")
    return {
        m.id
        for m in catalog
        if isinstance(m.id, str) and m.id and m.string and m.string != m.id and "%(" not in m.id
    }


class _Texts(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []

    def handle_data(self, data: str) -> None:
        if data.strip():
            self.found.append(data.strip())

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.found += [v for k, v in attrs if k in ("aria-label", "placeholder") and v]


def test_the_console_in_english_shows_no_german_text(db, client) -> None:  # type: ignore[no-untyped-def]
    admin = make_user(db, role=Role.admin, locale="en")
    member = make_user(db, nickname="Kundin", real_name="Karla Kunde")
    make_group(db, slug="partner", members=[member])
    make_category(db, slug="technik")
    csrf = sign_in(client, admin)
    german = _german_texts()
    refused = _post(client, "/admin/groups/partner/members", csrf, names="Niemand")
    pages = [
        client.get(p).text
        for p in (
            "/admin",
            "/admin/members",
            f"/admin/members/{member.id}",
            "/admin/groups",
            "/admin/groups/partner",
            "/admin/boards",
            "/admin/boards/technik",
        )
    ]
    for html in [*pages, refused.text]:
        parser = _Texts()
        parser.feed(html)
        leaked = [t for t in parser.found if t in german or t.rstrip(":") in german]
        assert leaked == []
    assert "These nicknames or addresses belong to no member:" in refused.text


def test_a_board_made_for_discussions_starts_new_threads_as_discussions(db, client) -> None:  # type: ignore[no-untyped-def]
    admin = make_user(db, role=Role.admin)
    make_category(db, slug="plaudern", name="Plaudern")
    csrf = sign_in(client, admin)
    assert 'value="question" checked' in client.get("/new?board=plaudern").text
    saved = _post(
        client,
        "/admin/boards/plaudern",
        csrf,
        name="Plaudern",
        position="1",
        default_kind="discussion",
    )
    assert saved.status_code == 303
    assert 'value="discussion" checked' in client.get("/new?board=plaudern").text
    # An explicit choice in the link still wins.
    assert 'value="question" checked' in client.get("/new?board=plaudern&kind=question").text
    refused = _post(client, "/admin/boards/plaudern", csrf, name="Plaudern", default_kind="umfrage")
    assert (
        refused.status_code == 422
        and "Bitte wählen Sie Frage, Diskussion oder Ideen." in refused.text
    )


def test_a_closed_boards_page_names_the_team_who_see_it_and_the_experts_following(
    db, client
) -> None:  # type: ignore[no-untyped-def]
    from community.notifications.models import CategoryWatch

    admin = make_user(db, role=Role.admin, nickname="Chefin")
    inside = make_user(db, role=Role.expert, nickname="Drinnen")
    outside = make_user(db, role=Role.expert, nickname="Draussen")
    group = make_group(db, slug="vip", members=[inside])
    board = make_category(db, slug="vip-bereich", groups=[group])
    db.add(CategoryWatch(user_id=inside.id, category_id=board.id))
    # Followed while the board was open; outside its groups now, so no longer reached.
    db.add(CategoryWatch(user_id=outside.id, category_id=board.id))
    db.commit()
    sign_in(client, admin)
    page = client.get("/admin/boards/vip-bereich").text
    seeing = page.split('id="seeing-h"')[1].split("</section>")[0]
    following = page.split('id="following-h"')[1].split("</section>")[0]
    assert "Drinnen" in seeing and "Chefin" in seeing and "Draussen" not in seeing
    assert "Drinnen" in following and "Draussen" not in following


def test_an_admin_downloads_a_members_data_for_a_request_and_it_is_audited(db, client) -> None:  # type: ignore[no-untyped-def]
    member = make_user(db, nickname="Kundin", email="kundin@example.com", real_name="Karla Kunde")
    moderator = make_user(db, nickname="Wache", role=Role.moderator)
    csrf = sign_in(client, moderator)
    assert _post(client, f"/admin/members/{member.id}/export", csrf).status_code == 404
    assert _audit(db, "user.export") == []

    admin = make_user(db, nickname="Chefin", role=Role.admin)
    csrf = sign_in(client, admin)
    page = client.get(f"/admin/members/{member.id}").text
    assert f'action="/admin/members/{member.id}/export"' in page
    response = _post(client, f"/admin/members/{member.id}/export", csrf)
    assert response.status_code == 200
    assert response.headers["content-disposition"].startswith("attachment;")
    assert response.headers["cache-control"] == "no-store"
    data = response.json()
    assert data["format"] == "community-personal-data"
    assert "kundin@example.com" in response.text and "Karla Kunde" in response.text
    [entry] = _audit(db, "user.export")
    assert entry.target_id == member.id and entry.actor == "Chefin"
    log = client.get("/admin/audit-log").text
    assert "hat die Daten von" in log and "für eine Auskunft heruntergeladen" in log


def test_an_erased_members_record_links_no_profile(db, client) -> None:  # type: ignore[no-untyped-def]
    """The pseudonym has no profile page: the record names it without a link to a 404."""
    from community.accounts.viewer import viewer_for
    from community.privacy import service as privacy

    admin = make_user(db, role=Role.admin)
    member = make_user(db, nickname="Bald_Weg")
    privacy.erase_by_admin(
        db, viewer_for(db, admin), "Bald_Weg", confirm_nickname="Bald_Weg", remove_posts=False
    )
    db.commit()
    sign_in(client, admin)
    record = client.get(f"/admin/members/{member.id}").text
    assert "gelöscht" in record and "Öffentliches Profil" not in record
