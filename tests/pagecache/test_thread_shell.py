"""A member's thread page assembled from its kept shell (community/web/thread_shell.py): the
same page as rendered in full, each member's own header, token, draft, watch box and unread
mark, every change around the posts on the next request, and a closed board's page for no
one outside it."""

from __future__ import annotations

import re

from fastapi import FastAPI

from community.accounts.viewer import viewer_for
from community.forum import drafts, reading
from tests.factories import make_category, make_group, make_reply, make_thread, make_user
from tests.pagecache.conftest import ClosedThread, Scene
from tests.pagecache.helpers import as_member, page_text


def _shells(app: FastAPI) -> int:
    return sum(1 for key in app.state.post_fragments._entries if key[0] == "shell")


def _tokens(page: str) -> set[str]:
    return set(re.findall(r'name="csrf_token" value="([^"]*)"', page))


def test_the_kept_shell_makes_the_same_page(app, make_client, engine, scene: Scene) -> None:
    reader = as_member(make_client, scene.reader)
    fresh = page_text(reader, scene.path)  # in full: the posts are kept
    assert page_text(reader, scene.path) == fresh  # the shell rendered and kept
    assert _shells(app) == 1
    assert page_text(reader, scene.path) == fresh  # from the shell
    # The same bytes as with no store at all.
    store, app.state.post_fragments = app.state.post_fragments, None
    try:
        assert page_text(reader, scene.path) == fresh
    finally:
        app.state.post_fragments = store
    # Proof that the page came from the shell: a write past the session events (as a bare
    # connection would make) is not on it.
    with engine.begin() as connection:
        connection.exec_driver_sql(
            f"UPDATE threads SET title = 'Anders' WHERE id = {scene.thread.id}"
        )
    assert "<h1>Wie stelle ich VoLTE ein</h1>" in page_text(reader, scene.path)


def test_each_member_gets_their_own_header_and_forms(app, make_client, db, scene) -> None:
    """One shell for both members; the nickname, bell, CSRF token and the reply begun
    earlier are each member's own."""
    reader, helper = as_member(make_client, scene.reader), as_member(make_client, scene.helper)
    # A notice for the helper (kudos for the reply), a draft for the reader.
    assert reader.post(f"/api/v1/posts/{scene.reply.id}/kudos").status_code == 200
    drafts.save_draft(
        db, viewer_for(db, scene.reader), body="Mein <Entwurf>", thread_id=scene.thread.id
    )
    db.commit()
    # Both watch the thread (the helper since the reply): one shell for both.
    token = next(iter(_tokens(page_text(reader, scene.path))))
    watch = {"csrf_token": token, "action": "watch"}
    assert reader.post(f"/t/{scene.thread.id}/watch", data=watch).status_code == 200
    for _ in range(3):  # in full, then the shell kept, then from it: each in turn
        read, helped = page_text(reader, scene.path), page_text(helper, scene.path)
        assert 'class="me">Leserin</a>' in read and 'class="me">Helferlein</a>' in helped
        assert "has-unread" in helped and "has-unread" not in read
        assert "Mein &lt;Entwurf&gt;</textarea>" in read and "Entwurf&gt;" not in helped
        assert len(_tokens(read)) == len(_tokens(helped)) == 1
        assert _tokens(read) != _tokens(helped)
    assert _shells(app) == 1


def test_each_member_sees_whether_they_watch(app, make_client, scene: Scene) -> None:
    reader, helper = as_member(make_client, scene.reader), as_member(make_client, scene.helper)
    # The helper watches since the reply; the reader starts to, then stops.
    for action, shown in (("watch", "Nicht mehr beobachten"), ("unwatch", "Thema beobachten")):
        token = next(iter(_tokens(page_text(reader, scene.path))))
        watch = {"csrf_token": token, "action": action}
        assert reader.post(f"/t/{scene.thread.id}/watch", data=watch).status_code == 200
        for _ in range(3):
            assert shown in page_text(reader, scene.path)
            assert "Nicht mehr beobachten" in page_text(helper, scene.path)


def test_the_unread_divider_is_each_members_own(app, make_client, db, scene: Scene) -> None:
    reader = as_member(make_client, scene.reader)
    page_text(reader, scene.path)  # read up to the reply
    make_reply(db, author=scene.helper, thread=scene.thread, body="Neu eins.")
    make_reply(db, author=scene.helper, thread=scene.thread, body="Neu zwei.")
    newcomer = as_member(make_client, make_user(db, nickname="Neuling"))
    # From the first post on everything is new to the newcomer: no divider (in full, then
    # with the shell kept); the reader's page from that shell has theirs above the new.
    for _ in range(2):
        assert 'id="unread"' not in page_text(newcomer, scene.path)
    divider = re.compile(r'id="unread">Ungelesene Beiträge</p>\s*<article[^>]*>.*?Neu eins', re.S)
    assert divider.search(page_text(reader, scene.path))
    assert 'id="unread"' not in page_text(newcomer, scene.path)
    assert _shells(app) == 1


def test_changes_around_the_posts_are_on_the_next_page(app, make_client, db, scene) -> None:
    """The thread's header and the pager belong to the shell: a reply changes both."""
    reader = as_member(make_client, scene.reader)
    for _ in range(3):
        page = page_text(reader, scene.path)
    assert "1 Antwort" in page and 'class="pager"' not in page
    for n in range(reading.POSTS_PER_PAGE - 1):  # one more post opens a second page
        make_reply(db, author=scene.helper, thread=scene.thread, body=f"Antwort {n}.")
    page = page_text(reader, f"{scene.path}?page=1")
    replies = reading.POSTS_PER_PAGE
    assert f"{replies} Antworten" in page and '<nav class="pager"' in page and "?page=2" in page


def test_a_confirmation_shows_once(app, make_client, scene: Scene) -> None:
    reader = as_member(make_client, scene.reader)
    for _ in range(3):
        token = next(iter(_tokens(page_text(reader, scene.path))))
    watch = {"csrf_token": token, "action": "watch"}
    sent = reader.post(f"/t/{scene.thread.id}/watch", data=watch, follow_redirects=False)
    assert sent.status_code == 303
    assert "Sie folgen jetzt diesem Thema." in page_text(reader, scene.path)
    assert "Sie folgen jetzt diesem Thema." not in page_text(reader, scene.path)


def test_an_unverified_member_is_asked_to_verify(app, make_client, db, scene) -> None:
    unverified = make_user(db, nickname="Unbestaetigt")
    unverified.email_verified_at = None
    db.commit()
    newcomer, reader = as_member(make_client, unverified), as_member(make_client, scene.reader)
    notice = "Bitte bestätigen Sie Ihre E-Mail-Adresse"
    for _ in range(3):
        assert notice in page_text(newcomer, scene.path)
        assert notice not in page_text(reader, scene.path)


def test_a_closed_boards_shell_reaches_no_one_outside_it(
    app, make_client, closed_thread: ClosedThread
) -> None:
    colleague, outsider, path = closed_thread.colleague, closed_thread.outsider, closed_thread.path
    member = as_member(make_client, colleague)
    for _ in range(3):
        assert "Rahmenvertrag 2027" in page_text(member, path)
    assert _shells(app) == 1
    other = as_member(make_client, outsider)
    for _ in range(2):
        response = other.get(path)
        assert response.status_code == 404
        assert "Preisliste" not in response.text and "Rahmenvertrag" not in response.text


def test_the_moderation_team_gets_no_shell(app, make_client, scene: Scene) -> None:
    moderator = as_member(make_client, scene.moderator)
    for _ in range(3):
        assert "Mit Hinweis bearbeiten" in page_text(moderator, scene.path)
    assert _shells(app) == 0


def test_a_closed_boards_original_is_named_only_inside_it(app, make_client, db, scene) -> None:
    """A public question closed as a duplicate of one on a closed board: the link to the
    original on the kept page of a member of that board is never shown to another member."""
    insider = make_user(db, nickname="Insiderin")
    closed = make_category(db, slug="intern", groups=[make_group(db, members=[insider])])
    original = make_thread(db, author=insider, category=closed, title="Interne Anleitung VoLTE")
    scene.thread.duplicate_of_thread_id = original.id
    db.commit()
    inside, reader = as_member(make_client, insider), as_member(make_client, scene.reader)
    for _ in range(3):
        assert "Interne Anleitung VoLTE" in page_text(inside, scene.path)
        page = page_text(reader, scene.path)
        assert "Diese Frage wurde als Duplikat geschlossen" in page
        assert "Interne Anleitung" not in page and f"/t/{original.id}/" not in page
