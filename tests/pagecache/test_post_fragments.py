"""The posts a member's thread page takes from the fragment store (community/web/fragments.py):
the same page as rendered afresh, every change on it at the next request, a member's own
hidden or waiting post only for them, a closed board's posts for no one outside it, and
the moderation team's pages rendered in full."""

from __future__ import annotations

import re

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlmodel import col, select

from community.accounts.models import Role
from community.forum.models import Post
from community.web.keptstore import KeptStore
from tests.factories import make_category, make_group, make_reply, make_thread, make_user
from tests.pagecache.conftest import ClosedThread, Scene
from tests.pagecache.helpers import as_member, page_text


def _store(app: FastAPI) -> KeptStore:
    store: KeptStore = app.state.post_fragments
    return store


def _kept_page(client: TestClient, app: FastAPI, path: str) -> str:
    """The page rendered with its posts kept, then the same page from the store."""
    first = page_text(client, path)
    assert len(_store(app)) > 0
    second = page_text(client, path)
    assert second == first
    return second


def test_the_kept_posts_make_the_same_page(app, make_client, engine, scene: Scene) -> None:
    reader = as_member(make_client, scene.reader)
    fresh = page_text(reader, scene.path)
    kept = _kept_page(reader, app, scene.path)
    assert kept == fresh and "Unter Einstellungen, Mobilfunk." in kept
    # Proof that the post came from the store: a write past the session events (as a bare
    # connection would make) is not on the page.
    with engine.begin() as connection:
        connection.exec_driver_sql(
            f"UPDATE posts SET body_html = '<p>Anders.</p>' WHERE id = {scene.reply.id}"
        )
    assert "Unter Einstellungen, Mobilfunk." in page_text(reader, scene.path)


def test_an_edit_is_on_the_next_page(app, make_client, scene: Scene) -> None:
    reader = as_member(make_client, scene.reader)
    _kept_page(reader, app, scene.path)
    helper = as_member(make_client, scene.helper)
    edited = helper.patch(f"/api/v1/posts/{scene.reply.id}", json={"body": "Unter WLAN-Call."})
    assert edited.status_code == 200, edited.text
    page = page_text(reader, scene.path)
    assert "Unter WLAN-Call." in page and "Unter Einstellungen" not in page


def test_kudos_are_on_the_next_page(app, make_client, scene: Scene) -> None:
    reader = as_member(make_client, scene.reader)
    assert "♡ Kudos 0" in _kept_page(reader, app, scene.path)
    author = as_member(make_client, scene.author)
    assert author.post(f"/api/v1/posts/{scene.reply.id}/kudos").status_code == 200
    assert "♡ Kudos 1" in page_text(reader, scene.path)


def test_a_hidden_reply_is_gone_on_the_next_page(app, make_client, scene: Scene) -> None:
    reader = as_member(make_client, scene.reader)
    assert "Unter Einstellungen" in _kept_page(reader, app, scene.path)
    moderator = as_member(make_client, scene.moderator)
    hide = f"/api/v1/moderation/posts/{scene.reply.id}/hide"
    assert moderator.post(hide, json={"reason": "Spam"}).status_code == 204
    page = page_text(reader, scene.path)
    assert "Unter Einstellungen" not in page
    assert "Dieser Beitrag wurde von der Moderation ausgeblendet." in page


def test_a_rank_change_is_on_the_next_page(app, make_client, db, scene: Scene) -> None:
    reader = as_member(make_client, scene.reader)
    assert "Profi-Helfer" not in _kept_page(reader, app, scene.path)
    admin = as_member(make_client, make_user(db, role=Role.admin, staff=True))
    ladder = admin.get("/api/v1/ranks").json()
    for step in ladder["steps"]:
        step["name_de"] = "Profi-Helfer"
    assert admin.put("/api/v1/admin/ranks", json=ladder).status_code == 200
    assert "Profi-Helfer" in page_text(reader, scene.path)
    # And a member's own rank, changed through any session.
    scene.helper.rank = "expert"
    scene.helper.points = 5000
    db.commit()
    assert 'rank rank-expert"' in page_text(reader, scene.path)


def test_own_hidden_post_shows_its_notice_only_to_its_author(
    app, make_client, scene: Scene
) -> None:
    moderator = as_member(make_client, scene.moderator)
    hide = f"/api/v1/moderation/posts/{scene.reply.id}/hide"
    assert moderator.post(hide, json={"reason": "Spam"}).status_code == 204
    reader = as_member(make_client, scene.reader)
    helper = as_member(make_client, scene.helper)
    notice = "Von der Moderation ausgeblendet; nur für Sie und das Moderationsteam sichtbar."
    for _ in range(2):  # each page in turn after the other's posts were kept
        own = page_text(helper, scene.path)
        assert notice in own and "Unter Einstellungen, Mobilfunk." in own
        other = page_text(reader, scene.path)
        assert notice not in other and "Unter Einstellungen" not in other
        assert "Dieser Beitrag wurde von der Moderation ausgeblendet." in other


def test_own_waiting_post_shows_only_to_its_author(app, make_client, db, scene) -> None:
    waiting = make_reply(db, author=scene.reader, thread=scene.thread, body="Noch nicht frei.")
    waiting.is_pending = waiting.is_hidden = True
    db.commit()
    reader = as_member(make_client, scene.reader)
    helper = as_member(make_client, scene.helper)
    for _ in range(2):
        own = page_text(reader, scene.path)
        assert "Wartet auf Freigabe durch die Moderation" in own and "Noch nicht frei." in own
        other = page_text(helper, scene.path)
        assert "Wartet auf Freigabe" not in other and "Noch nicht frei." not in other


def test_a_closed_boards_posts_reach_no_one_outside_it(
    app, make_client, closed_thread: ClosedThread
) -> None:
    colleague, outsider, path = closed_thread.colleague, closed_thread.outsider, closed_thread.path
    # A member of the group has the posts kept; one outside it still finds nothing.
    assert "Preisliste vertraulich." in _kept_page(as_member(make_client, colleague), app, path)
    other = as_member(make_client, outsider)
    for _ in range(2):
        response = other.get(path)
        assert response.status_code == 404
        assert "Preisliste" not in response.text and "Rahmenvertrag" not in response.text


def test_each_member_sees_the_post_count_they_may_count(app, make_client, db, scene) -> None:
    """The count beside a post counts only the boards the viewer sees: a kept post of one
    member never shows another member the count of a board they cannot see."""
    insider = make_user(db, nickname="Insiderin")
    group = make_group(db, members=[insider, scene.helper])
    closed = make_category(db, slug="grosskunden", groups=[group])
    secret = make_thread(db, author=insider, category=closed, title="Rahmenvertrag 2027")
    make_reply(db, author=scene.helper, thread=secret, body="Intern.")
    counted = page_text(as_member(make_client, insider), scene.path)
    assert "2 Beiträge" in counted
    reader = as_member(make_client, scene.reader)
    for _ in range(2):
        page = page_text(reader, scene.path)
        assert "2 Beiträge" not in page and "1 Beitrag" in page


def test_the_moderation_team_sees_its_tools(app, make_client, scene: Scene) -> None:
    _kept_page(as_member(make_client, scene.reader), app, scene.path)
    kept = len(_store(app))
    moderator = as_member(make_client, scene.moderator)
    for _ in range(2):
        page = page_text(moderator, scene.path)
        assert "Mit Hinweis bearbeiten" in page and 'class="mod-tools' in page
    assert len(_store(app)) == kept


def test_the_store_is_bounded_by_its_bytes() -> None:
    from markupsafe import escape

    store = KeptStore(max_bytes=2_000, max_age=60)
    for n in range(50):
        store.put(("v", n), escape("x" * 300))
    assert store.used <= 2_000 and 0 < len(store) < 50
    assert store.get(("v", 49)) is not None and store.get(("v", 0)) is None


def test_a_members_own_post_and_new_nickname(app, make_client, scene: Scene) -> None:
    """The member's own posts are kept too (under a key of their own): a new nickname is on
    them, and in the JSON-LD, at the next request."""
    helper = as_member(make_client, scene.helper)
    assert "Helferlein" in _kept_page(helper, app, scene.path)
    assert helper.patch("/api/v1/me", json={"nickname": "Netzwerkerin"}).status_code == 200
    page = page_text(helper, scene.path)
    assert "Netzwerkerin" in page and "Helferlein" not in page


def _tokens(page: str) -> set[str]:
    return set(re.findall(r'name="csrf_token" value="([^"]*)"', page))


def test_each_member_gets_their_own_buttons(app, make_client, db, scene: Scene) -> None:
    """The kept buttons beside a post: kudos given or not, accept offered to the asker only,
    edit to the post's author only, and each with the viewer's own CSRF token."""
    author = as_member(make_client, scene.author)
    assert author.post(f"/api/v1/posts/{scene.reply.id}/kudos").status_code == 200
    helper = as_member(make_client, scene.helper)
    reader = as_member(make_client, scene.reader)
    # The question: the helper thanked for it, the reader did not (else alike to it).
    opening = db.exec(
        select(Post).where(Post.thread_id == scene.thread.id, col(Post.is_opening))
    ).one()
    assert helper.post(f"/api/v1/posts/{opening.id}/kudos").status_code == 200
    given = re.compile(rf'action="/p/{opening.id}/kudos".*?<button class="kudos given"', re.S)
    seen_tokens: list[set[str]] = []
    for _ in range(2):  # each page in turn after the others' buttons were kept
        asked = page_text(author, scene.path)
        assert "♥ Kudos 1" in asked and "Kudos zurücknehmen" in asked
        assert "Als Lösung akzeptieren" in asked
        read = page_text(reader, scene.path)
        assert "♡ Kudos 1" in read and "Kudos zurücknehmen" not in read
        assert "Als Lösung akzeptieren" not in read and "Bearbeiten</a>" not in read
        own = page_text(helper, scene.path)
        assert f'href="/p/{scene.reply.id}/edit"' in own and "Als Lösung akzeptieren" not in own
        assert given.search(own) and not given.search(read)
        assert f'action="/p/{scene.reply.id}/kudos"' not in own  # no kudos for oneself
        tokens = [_tokens(asked), _tokens(read), _tokens(own)]
        assert all(len(t) == 1 for t in tokens)
        assert len(set.union(*tokens)) == 3
        seen_tokens.append(set.union(*tokens))
    assert seen_tokens[0] == seen_tokens[1]
    # Kudos taken back: the button as the next request shows it.
    assert author.delete(f"/api/v1/posts/{scene.reply.id}/kudos").status_code == 200
    asked = page_text(author, scene.path)
    assert "♡ Kudos 0" in asked and "Kudos zurücknehmen" not in asked


def test_an_accepted_answer_changes_the_buttons_on_the_next_page(
    app, make_client, scene: Scene
) -> None:
    author = as_member(make_client, scene.author)
    assert "Als Lösung akzeptieren" in _kept_page(author, app, scene.path)
    solution = {"post_id": scene.reply.id}
    accepted = author.put(f"/api/v1/threads/{scene.thread.id}/solution", json=solution)
    assert accepted.status_code == 200, accepted.text
    page = page_text(author, scene.path)
    assert "Lösung zurücknehmen" in page and "Als Lösung akzeptieren" not in page


def test_a_changed_setting_is_on_the_next_page(app, make_client, db, engine, scene) -> None:
    """The site settings a page reads are kept per process under the version of the pages
    (site/service.py): a footer link set by an admin is on the next page of a member and of
    a visitor, and the settings are read afresh once the version changes."""
    reader = as_member(make_client, scene.reader)
    anon = make_client()
    for client in (reader, anon):
        assert 'href="/datenschutz"' in page_text(client, scene.path)
    admin = as_member(make_client, make_user(db, role=Role.admin, staff=True))
    external = {"url": "https://konzern.example/datenschutz"}
    assert admin.put("/api/v1/admin/legal/datenschutz", json=external).status_code == 200
    for client in (reader, anon):
        page = page_text(client, scene.path)
        assert 'href="https://konzern.example/datenschutz"' in page
        assert 'href="/datenschutz"' not in page
    # Kept: a write past the session events (a bare connection) is not read again ...
    with engine.begin() as connection:
        connection.exec_driver_sql("DELETE FROM site_settings WHERE key = 'legal.datenschutz'")
    assert 'href="https://konzern.example/datenschutz"' in page_text(reader, scene.path)
    # ... until the pages' version changes (here by a reply).
    make_reply(db, author=scene.helper, thread=scene.thread, body="Noch ein Hinweis.")
    db.commit()
    assert 'href="/datenschutz"' in page_text(reader, scene.path)


def test_a_post_quoting_a_token_keeps_its_text(app, make_client, db, scene: Scene) -> None:
    """Only the kept buttons take the viewer's CSRF token: a post whose text happens to hold
    the token of the member whose page kept it shows that text to everyone."""
    helper = as_member(make_client, scene.helper)
    (token,) = _tokens(page_text(helper, scene.path))
    make_reply(db, author=scene.reader, thread=scene.thread, body=f"Sein Code: {token}")
    db.commit()
    other = as_member(make_client, make_user(db, nickname="Mitleserin"))
    for client in (helper, other, helper, other):
        # In the post and in the page's JSON-LD: the same text.
        assert set(re.findall(r"Sein Code: (\w+)", page_text(client, scene.path))) == {token}
