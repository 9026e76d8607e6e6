"""A member's thread page from the shared store (web/threadshare.py) shows each change on
the next request: a staff member's real name, a board closed in place, group and role
changes, a lock, a rename, deletions."""

from __future__ import annotations

from tests.factories import make_reply, make_user
from tests.pagecache.conftest import Scene
from tests.pagecache.helpers import as_member, page_text


def test_staff_real_name_change_is_on_the_members_next_page(
    app, make_client, db, scene: Scene
) -> None:
    """A staff member changes (or removes) their real name: the "Anna K." beside their posts
    must follow on a member's next page (main reads staff_names on every member's view)."""
    staff = make_user(db, nickname="anna_support", staff=True, real_name="Anna Krause")
    make_reply(db, author=staff, thread=scene.thread, body="Vom Support: bitte neu starten.")
    reader = as_member(make_client, scene.reader)
    first = page_text(reader, scene.path)
    assert '<span class="staff-name">Anna K.</span>' in first
    me = as_member(make_client, staff)
    changed = me.patch("/api/v1/me", json={"real_name": "Berta Meier"})
    assert changed.status_code == 200, changed.text
    page = page_text(reader, scene.path)
    assert "Anna K." not in page, "stale staff real name on the member's page"
    assert '<span class="staff-name">Berta M.</span>' in page


def test_staff_real_name_change_is_on_a_visitors_next_page(
    app, make_client, db, scene: Scene
) -> None:
    """The same for the anonymous page cache (pre-existing on main: pageversion's
    UNSHOWN_COLUMNS lists users.real_name, which staff pages show as "Anna K.")."""
    staff = make_user(db, nickname="anna_support", staff=True, real_name="Anna Krause")
    make_reply(db, author=staff, thread=scene.thread, body="Vom Support: bitte neu starten.")
    anon = make_client()
    assert '<span class="staff-name">Anna K.</span>' in page_text(anon, scene.path)
    me = as_member(make_client, staff)
    assert me.patch("/api/v1/me", json={"real_name": "Berta Meier"}).status_code == 200
    page = page_text(make_client(), scene.path)
    assert "Anna K." not in page, "stale staff real name on the visitor's page"


from community.accounts import service as accounts  # noqa: E402
from community.accounts.models import Role  # noqa: E402
from community.forum.models import CategoryGroup  # noqa: E402
from tests.factories import make_category, make_group, make_thread  # noqa: E402


def test_board_closed_in_place_is_gone_for_members_outside(
    app, make_client, db, scene: Scene
) -> None:
    reader = as_member(make_client, scene.reader)
    page_text(reader, scene.path)
    page_text(reader, scene.path)
    group = make_group(db)
    db.add(CategoryGroup(category_id=scene.board.id, group_id=group.id))
    db.commit()
    for _ in range(2):
        assert reader.get(scene.path).status_code == 404


def test_group_and_role_changes(app, make_client, db, scene: Scene) -> None:
    insider = make_user(db, nickname="Insiderin")
    group = make_group(db, members=[insider])
    secret_board = make_category(db, slug="intern", groups=[group])
    secret = make_thread(
        db, author=insider, category=secret_board, title="Internes Thema der Gruppe"
    )
    # Insider posts in the public thread; has 1 post in the closed board too.
    make_reply(db, author=insider, thread=scene.thread, body="Öffentlich von Insiderin.")
    client = as_member(make_client, scene.reader)
    page = page_text(client, scene.path)
    assert "1 Beitrag" in page  # reader (outside) counts only the public post of Insiderin
    # Reader joins the group: closed counts show (2 posts) and the secret thread opens.
    accounts.add_member(db, group, scene.reader)
    db.commit()
    page = page_text(client, scene.path)
    assert "2 Beiträge" in page, "group member should count closed-board posts"
    assert client.get(f"/t/{secret.id}/{secret.slug}").status_code == 200
    # Removed again: back to the shared page, 1 post, secret 404.
    accounts.remove_member(db, group, scene.reader)
    db.commit()
    page = page_text(client, scene.path)
    assert "2 Beiträge" not in page
    assert client.get(f"/t/{secret.id}/{secret.slug}").status_code == 404
    # Promoted to moderator: moderation tools on the next page; demoted: gone.
    scene.reader.role = Role.moderator.value
    db.commit()
    page = page_text(client, scene.path)
    assert "mod-tools" in page or "Ausblenden" in page, "moderator tools expected"
    scene.reader.role = Role.member.value
    db.commit()
    page = page_text(client, scene.path)
    assert "mod-tools" not in page and "Ausblenden" not in page


def test_lock_rename_delete(app, make_client, db, scene: Scene) -> None:
    client = as_member(make_client, scene.reader)
    assert 'id="reply"' in page_text(client, scene.path)
    scene.thread.is_locked = True
    db.commit()
    assert 'id="reply"' not in page_text(client, scene.path)
    scene.board.name = "Festnetz"
    db.commit()
    assert ">Festnetz</a>" in page_text(client, scene.path)
    scene.reply.is_deleted = True
    db.commit()
    assert "Unter Einstellungen" not in page_text(client, scene.path)
    scene.thread.is_deleted = True
    db.commit()
    assert client.get(scene.path).status_code == 404
