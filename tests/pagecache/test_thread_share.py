"""What a member's thread page shares with every member, kept per process
(community/web/threadshare.py): the same page as read in full, every change on it at the
next request, a member's own waiting post and own hidden thread only for them, a thread
moved into a closed board gone for members outside it, and the moderation team's and
closed groups' pages read in full."""

from __future__ import annotations

from fastapi import FastAPI
from sqlalchemy import Engine
from sqlmodel import col, select

from community.accounts.models import Role
from community.forum.models import Post
from community.web.threadshare import KeptStore
from tests.factories import make_category, make_group, make_reply, make_thread, make_user
from tests.pagecache.conftest import Scene
from tests.pagecache.helpers import as_member, page_text


def _store(app: FastAPI) -> KeptStore:
    store: KeptStore = app.state.thread_share
    return store


def _bare_write(engine: Engine, sql: str) -> None:
    """A write past the session events (as a bare connection makes): no new version, so a
    page that still shows the old value took it from the store."""
    with engine.begin() as connection:
        connection.exec_driver_sql(sql)


def test_the_shared_rows_make_the_same_page(app, make_client, engine, scene: Scene) -> None:
    reader = as_member(make_client, scene.reader)
    _store(app).clear()
    app.state.post_fragments.clear()
    fresh = page_text(reader, scene.path)  # read in full, and kept
    assert len(_store(app)) == 2  # the thread, its first page
    kept = page_text(reader, scene.path)
    assert kept == fresh and "Wie stelle ich VoLTE ein" in kept
    # Another member's page from the same rows: the thread's title came from the store.
    _bare_write(engine, f"UPDATE threads SET title = 'Anders' WHERE id = {scene.thread.id}")
    other = page_text(as_member(make_client, scene.helper), scene.path)
    assert "Wie stelle ich VoLTE ein" in other and "Anders" not in other


def test_a_new_title_and_reply_are_on_the_next_page(app, make_client, db, scene) -> None:
    reader = as_member(make_client, scene.reader)
    page_text(reader, scene.path)
    author = as_member(make_client, scene.author)
    renamed = author.patch(f"/api/v1/threads/{scene.thread.id}", json={"title": "VoLTE am iPhone"})
    assert renamed.status_code == 200, renamed.text
    make_reply(db, author=scene.helper, thread=scene.thread, body="Und dann neu starten.")
    page = page_text(reader, scene.path)
    assert "VoLTE am iPhone" in page and "Und dann neu starten." in page
    assert "2 Antworten" in page


def test_an_edit_kudos_and_hide_are_on_the_next_page(app, make_client, scene: Scene) -> None:
    reader = as_member(make_client, scene.reader)
    page_text(reader, scene.path)
    helper = as_member(make_client, scene.helper)
    edited = helper.patch(f"/api/v1/posts/{scene.reply.id}", json={"body": "Unter WLAN-Call."})
    assert edited.status_code == 200, edited.text
    assert "Unter WLAN-Call." in page_text(reader, scene.path)
    author = as_member(make_client, scene.author)
    assert author.post(f"/api/v1/posts/{scene.reply.id}/kudos").status_code == 200
    assert "♡ Kudos 1" in page_text(reader, scene.path)
    moderator = as_member(make_client, scene.moderator)
    hide = f"/api/v1/moderation/posts/{scene.reply.id}/hide"
    assert moderator.post(hide, json={"reason": "Spam"}).status_code == 204
    page = page_text(reader, scene.path)
    assert "Unter WLAN-Call." not in page
    assert "Dieser Beitrag wurde von der Moderation ausgeblendet." in page
    # The hidden post's author still reads it, with the notice only they see.
    own = page_text(helper, scene.path)
    assert "Unter WLAN-Call." in own
    assert "nur für Sie und das Moderationsteam sichtbar" in own


def test_the_kudos_a_member_gave_are_theirs_alone(app, make_client, db, scene) -> None:
    """Read with the member's own parts (threadshare.member_reads): pressed on the posts of
    this thread they thanked, not on the same post for another member, not from another
    thread; the same page as read in full."""
    other = make_thread(db, author=scene.helper, category=scene.board, title="Anderes Thema")
    elsewhere = make_reply(db, author=scene.author, thread=other, body="Woanders bedankt.")
    reader = as_member(make_client, scene.reader)
    page_text(reader, scene.path)  # the shared rows kept before the kudos
    for post in (scene.reply, elsewhere):
        assert reader.post(f"/api/v1/posts/{post.id}/kudos").status_code == 200
    author = as_member(make_client, scene.author)
    page = page_text(reader, scene.path)
    assert page.count('class="kudos given"') == 1 and "♥ Kudos 1" in page
    assert 'class="kudos given"' not in page_text(author, scene.path)
    assert page_text(reader, f"/t/{other.id}/{other.slug}").count('class="kudos given"') == 1
    stores = app.state.post_fragments, app.state.thread_share
    app.state.post_fragments = app.state.thread_share = None
    try:
        full = page_text(reader, scene.path)
    finally:
        app.state.post_fragments, app.state.thread_share = stores
    assert page_text(reader, scene.path) == full
    taken = reader.delete(f"/api/v1/posts/{scene.reply.id}/kudos")
    assert taken.status_code == 200, taken.text
    assert 'class="kudos given"' not in page_text(reader, scene.path)


def test_an_accepted_answer_is_on_the_next_page(app, make_client, scene: Scene) -> None:
    reader = as_member(make_client, scene.reader)
    assert "Im Gesprächsverlauf ansehen" not in page_text(reader, scene.path)
    author = as_member(make_client, scene.author)
    solution = {"post_id": scene.reply.id}
    accepted = author.put(f"/api/v1/threads/{scene.thread.id}/solution", json=solution)
    assert accepted.status_code == 200, accepted.text
    assert "Im Gesprächsverlauf ansehen" in page_text(reader, scene.path)


def test_a_new_nickname_and_rank_are_on_the_next_page(app, make_client, db, scene) -> None:
    reader = as_member(make_client, scene.reader)
    assert "Helferlein" in page_text(reader, scene.path)
    helper = as_member(make_client, scene.helper)
    assert helper.patch("/api/v1/me", json={"nickname": "Netzwerkerin"}).status_code == 200
    page = page_text(reader, scene.path)
    assert "Netzwerkerin" in page and "Helferlein" not in page
    scene.helper.rank = "expert"
    scene.helper.points = 5000
    db.commit()
    assert 'rank rank-expert"' in page_text(reader, scene.path)


def test_a_thread_moved_into_a_closed_board_is_gone_for_members_outside(
    app, make_client, db, scene: Scene
) -> None:
    reader = as_member(make_client, scene.reader)
    insider = make_user(db, nickname="Insiderin")
    make_category(db, slug="grosskunden", groups=[make_group(db, members=[insider])])
    assert "Unter Einstellungen" in page_text(reader, scene.path)
    moderator = as_member(make_client, scene.moderator)
    move = f"/api/v1/moderation/threads/{scene.thread.id}/move"
    assert moderator.post(move, json={"category": "grosskunden"}).status_code == 204
    for _ in range(2):
        response = reader.get(scene.path)
        assert response.status_code == 404
        assert "Unter Einstellungen" not in response.text and "VoLTE" not in response.text
    assert "Unter Einstellungen" in page_text(as_member(make_client, insider), scene.path)


def test_own_waiting_post_shows_only_to_its_author(app, make_client, db, scene) -> None:
    waiting = make_reply(db, author=scene.reader, thread=scene.thread, body="Noch nicht frei.")
    waiting.is_pending = waiting.is_hidden = True
    db.commit()
    reader = as_member(make_client, scene.reader)
    helper = as_member(make_client, scene.helper)
    for first, second in ((helper, reader), (reader, helper)):  # either one keeps the rows
        _store(app).clear()
        page_text(first, scene.path)
        other = page_text(helper, scene.path)
        assert "Noch nicht frei." not in other and "Wartet auf Freigabe" not in other
        own = page_text(reader, scene.path)
        assert "Noch nicht frei." in own and "Wartet auf Freigabe durch die Moderation" in own
        assert page_text(second, scene.path)


def test_own_hidden_thread_counts_only_for_its_author(app, make_client, db, scene) -> None:
    """The count beside a post: a member counts the posts in their own hidden thread,
    every other member does not, whoever's view was kept first."""
    hidden = make_thread(db, author=scene.reader, category=scene.board, title="Meine private Frage")
    make_reply(db, author=scene.helper, thread=hidden, body="Im versteckten Thema.")
    opening = db.exec(select(Post).where(Post.thread_id == hidden.id, col(Post.is_opening))).one()
    moderator = as_member(make_client, scene.moderator)
    hide = f"/api/v1/moderation/posts/{opening.id}/hide"  # its opening post: the thread
    assert moderator.post(hide, json={"reason": "Werbung"}).status_code == 204
    reader = as_member(make_client, scene.reader)
    other = as_member(make_client, scene.author)
    for first in (other, reader):
        _store(app).clear()
        page_text(first, scene.path)
        for _ in range(2):
            assert "2 Beiträge" in page_text(reader, scene.path)
            page = page_text(other, scene.path)
            assert "2 Beiträge" not in page and "1 Beitrag" in page


def test_an_escalation_is_on_the_next_page(app, make_client, db, scene: Scene) -> None:
    reader = as_member(make_client, scene.reader)
    assert "An den Support übergeben" not in page_text(reader, scene.path)
    staff = as_member(
        make_client, make_user(db, nickname="Supporterin", role=Role.admin, staff=True)
    )
    escalate = f"/api/v1/threads/{scene.thread.id}/escalation"
    assert staff.post(escalate, json={"note": "Bitte anrufen"}).status_code == 201
    assert "An den Support übergeben" in page_text(reader, scene.path)


def test_moderators_and_closed_groups_read_in_full(app, make_client, db, scene) -> None:
    insider = make_user(db, nickname="Insiderin")
    make_group(db, members=[insider])
    _store(app).clear()
    for user in (scene.moderator, insider):
        client = as_member(make_client, user)
        for _ in range(2):
            page_text(client, scene.path)
    assert len(_store(app)) == 0


def test_pages_of_a_long_thread(app, make_client, db, scene: Scene) -> None:
    """The pages counted from the kept post ids: a member opens the thread at their first
    unread post, and every page holds its own posts."""
    for n in range(60):
        make_reply(db, author=scene.helper, thread=scene.thread, body=f"Schritt {n:02d}.")
    reader = as_member(make_client, scene.reader)
    first = page_text(reader, f"/t/{scene.thread.id}/{scene.thread.slug}?page=1")
    assert "Schritt 00." in first and "Schritt 59." not in first
    second = page_text(reader, f"/t/{scene.thread.id}/{scene.thread.slug}?page=2")
    assert "Schritt 59." in second and "Schritt 00." not in second
    make_reply(db, author=scene.author, thread=scene.thread, body="Danke, geht!")
    # Unread since the second page: the thread opens on it, the new post there.
    page = page_text(reader, scene.path)
    assert "Danke, geht!" in page and "Schritt 59." in page


def test_with_the_page_cache_off_every_page_is_read_anew(
    app, make_client, engine, scene: Scene
) -> None:
    """COMMUNITY_PAGE_CACHE=false: no store, so even a write that gives the pages no new
    version (a bare connection) is on the next page."""
    stores = app.state.thread_share, app.state.post_fragments
    app.state.thread_share = app.state.post_fragments = None  # as create_app leaves them
    try:
        reader = as_member(make_client, scene.reader)
        assert "Wie stelle ich VoLTE ein" in page_text(reader, scene.path)
        title = f"UPDATE threads SET title = 'Anders gefragt' WHERE id = {scene.thread.id}"
        _bare_write(engine, title)
        assert "Anders gefragt" in page_text(reader, scene.path)
    finally:
        app.state.thread_share, app.state.post_fragments = stores


def test_the_store_is_bounded_by_its_bytes() -> None:
    store = KeptStore(max_bytes=2_000, max_age=60)
    for n in range(50):
        store.put(("v", n), object(), 300)
    assert store.used <= 2_000 and 0 < len(store) < 50
    assert store.get(("v", 49)) is not None and store.get(("v", 0)) is None
