"""A member's thread page from the kept shell (web/thread_shell.py) equals the page
rendered in full, for many kinds of member and thread; no mark is ever left in a page."""

from __future__ import annotations

import re
from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlmodel import Session

from community.accounts.models import Role, User
from community.accounts.viewer import viewer_for
from community.forum import drafts
from community.reputation import service as reputation
from tests.factories import make_category, make_reply, make_thread, make_user
from tests.ideas.helpers import make_idea, make_idea_board
from tests.pagecache.conftest import Scene
from tests.pagecache.helpers import as_member


def _get(client: TestClient, path: str, **kw: Any) -> str:
    response = client.get(path, **kw)
    assert response.status_code == 200, response.text
    return response.text


def _shells(app: FastAPI) -> int:
    return sum(1 for key in list(app.state.post_fragments._entries) if key[0] == "shell")


def _full(app: FastAPI, client: TestClient, path: str, **kw: Any) -> str:
    stores = app.state.post_fragments, app.state.thread_share
    app.state.post_fragments = app.state.thread_share = None
    try:
        return _get(client, path, **kw)
    finally:
        app.state.post_fragments, app.state.thread_share = stores


def _compare(app: FastAPI, clients: dict[str, TestClient], path: str, **kw: Any) -> None:
    before = _shells(app)
    for _ in range(2):  # warm: posts kept, shell kept
        for client in clients.values():
            _get(client, path, **kw)
    for name, client in clients.items():
        shell = _get(client, path, **kw)
        full = _full(app, client, path, **kw)
        assert shell == full, (name, _diff(shell, full))
    assert _shells(app) > before


def _diff(a: str, b: str) -> str:
    import difflib

    return "\n".join(difflib.unified_diff(b.splitlines(), a.splitlines(), "full", "shell", n=1))


def test_solution_satisfaction_expert_english(app, make_client, db: Session, scene: Scene):
    expert = make_user(db, nickname="Expertin", role=Role.expert)
    english = make_user(db, nickname="English", locale="en")
    staff = make_user(db, nickname="Mitarbeiter", staff=True, real_name="Anna Beispiel")
    answer = make_reply(db, author=staff, thread=scene.thread, body="Die Lösung.")
    reputation.accept_solution(db, viewer_for(db, scene.author), scene.thread.id, answer.id)
    db.commit()
    drafts.save_draft(
        db,
        viewer_for(db, scene.reader),
        body="<b>{{ csrf_token }}</b> \x1e x \x1e & ' \"",
        thread_id=scene.thread.id,
    )
    db.commit()
    clients = {
        u.nickname: as_member(make_client, u)
        for u in (scene.author, scene.helper, scene.reader, expert, english)
    }
    _compare(app, clients, scene.path)
    page = _get(clients["Leserin"], scene.path)
    assert "&lt;b&gt;{{ csrf_token }}&lt;/b&gt;" in page
    assert "Hat Ihnen die Lösung geholfen?" in _get(clients["Fragerin"], scene.path)
    assert "Hat Ihnen die Lösung geholfen?" not in page
    assert 'href="/unanswered"' in _get(clients["Expertin"], scene.path)
    assert 'href="/unanswered"' not in page
    assert 'lang="en"' in _get(clients["English"], scene.path)


def test_query_string_here(app, make_client, db: Session, scene: Scene):
    clients = {"r": as_member(make_client, scene.reader), "h": as_member(make_client, scene.helper)}
    _compare(app, clients, scene.path, params={"page": "1", "x": '<"&>'})
    page = _get(clients["r"], scene.path, params={"page": "1", "x": "<b>"})
    assert 'name="next" value="/t/' in page and "x=%3Cb%3E" in page


def test_idea_votes(app, make_client, db: Session, scene: Scene):
    board = make_idea_board(db)
    idea = make_idea(db, author=scene.author, board=board, title="Dunkler Modus bitte")
    path = f"/t/{idea.id}/{idea.slug}"
    clients = {
        u.nickname: as_member(make_client, u) for u in (scene.author, scene.helper, scene.reader)
    }
    _compare(app, clients, path)
    token = _get(clients["Leserin"], path).split('name="csrf_token" value="')[1].split('"')[0]
    sent = clients["Leserin"].post(f"/ideas/{idea.id}/vote", data={"csrf_token": token})
    assert sent.status_code in (200, 303), sent.text
    _compare(app, clients, path)


def test_own_pending_and_unverified(app, make_client, db: Session, scene: Scene):
    unverified = make_user(db, nickname="Neu", verified=False)
    waiting = make_reply(db, author=scene.reader, thread=scene.thread, body="Wartet noch.")
    waiting.is_pending = waiting.is_hidden = True
    db.commit()
    clients = {
        u.nickname: as_member(make_client, u) for u in (scene.author, scene.reader, unverified)
    }
    _compare(app, clients, scene.path)
    assert "Wartet noch." not in _get(clients["Fragerin"], scene.path)


def test_closed_board_members(app, make_client, db: Session, scene: Scene):
    from tests.factories import make_group

    a, b = make_user(db, nickname="A"), make_user(db, nickname="B")
    board = make_category(db, slug="geheim", groups=[make_group(db, members=[a, b])])
    thread = make_thread(db, author=a, category=board, title="Vertraulich")
    make_reply(db, author=b, thread=thread, body="Antwort.")
    clients = {"A": as_member(make_client, a), "B": as_member(make_client, b)}
    _compare(app, clients, f"/t/{thread.id}/{thread.slug}")


def test_long_locked_hidden_hx(app, make_client, db: Session, scene: Scene):
    from community.forum import reading

    hidden = make_reply(db, author=scene.reader, thread=scene.thread, body="Versteckt.")
    hidden.is_hidden = True
    hidden.hidden_reason = "<Spam>"
    db.commit()
    clients = {
        u.nickname: as_member(make_client, u) for u in (scene.author, scene.helper, scene.reader)
    }
    _compare(app, clients, scene.path)
    for n in range(reading.POSTS_PER_PAGE + 3):
        make_reply(db, author=scene.helper, thread=scene.thread, body=f"Antwort {n}.")
    _compare(app, clients, scene.path, params={"page": "2"})
    _compare(app, clients, scene.path, params={"page": "1"}, headers={"HX-Request": "true"})
    scene.thread.is_locked = True
    db.commit()
    _compare(app, clients, scene.path, params={"page": "2"})


def test_duplicate_public_original(app, make_client, db: Session, scene: Scene):
    other = make_thread(db, author=scene.helper, category=scene.board, title="Original <VoLTE>")
    scene.thread.duplicate_of_thread_id = other.id
    db.commit()
    clients = {
        u.nickname: as_member(make_client, u) for u in (scene.author, scene.helper, scene.reader)
    }
    _compare(app, clients, scene.path)


def test_staff_real_name_change_reaches_the_next_page(app, make_client, db: Session, scene):
    """The staff name beside a post ("Anna B.") is made of the real name: its change gives
    a new version of the pages."""
    staff = make_user(db, nickname="Teamler", staff=True, real_name="Anna Beispiel")
    make_reply(db, author=staff, thread=scene.thread, body="Vom Team.")
    reader = as_member(make_client, scene.reader)
    for _ in range(3):
        assert "Anna B." in _get(reader, scene.path)
    staff.real_name = "Berta Anders"
    db.commit()
    assert "Berta A." in _full(app, reader, scene.path)
    assert "Berta A." in _get(reader, scene.path)


def test_staff_real_name_change_member_without_share(app, make_client, db: Session, scene):
    staff = make_user(db, nickname="Teamler", staff=True, real_name="Anna Beispiel")
    make_reply(db, author=staff, thread=scene.thread, body="Vom Team.")
    reader = as_member(make_client, scene.reader)
    share, app.state.thread_share = app.state.thread_share, None
    try:
        for _ in range(3):
            assert "Anna B." in _get(reader, scene.path)
        staff.real_name = "Berta Anders"
        db.commit()
        assert "Berta A." in _get(reader, scene.path)
    finally:
        app.state.thread_share = share


def test_staff_real_name_change_anonymous(app, make_client, db: Session, scene):
    staff = make_user(db, nickname="Teamler", staff=True, real_name="Anna Beispiel")
    make_reply(db, author=staff, thread=scene.thread, body="Vom Team.")
    anon = make_client()
    for _ in range(3):
        assert "Anna B." in _get(anon, scene.path)
    staff.real_name = "Berta Anders"
    db.commit()
    assert "Berta A." in _get(anon, scene.path)


def test_hidden_solution_author_vs_others(app, make_client, db: Session, scene: Scene):
    reputation.accept_solution(db, viewer_for(db, scene.author), scene.thread.id, scene.reply.id)
    db.commit()
    scene.reply.is_hidden = True
    db.commit()
    clients = {
        u.nickname: as_member(make_client, u) for u in (scene.author, scene.helper, scene.reader)
    }
    _compare(app, clients, scene.path)
    assert "Unter Einstellungen" in _get(clients["Helferlein"], scene.path)
    assert "Unter Einstellungen" not in _get(clients["Leserin"], scene.path)


def test_a_slot_mark_in_a_title_is_text(app, make_client, db: Session, scene):
    """A thread's title written as a slot's mark stays text: the marks' secret is made anew
    for each rendering of the shell, after every text on the page was written (with one
    secret per process, a title holding it was filled with the reader's draft)."""
    scene.thread.title = "Frage \x1e0123456789abcdef:v:reply_body\x1e zum Router"
    db.commit()
    drafts.save_draft(
        db, viewer_for(db, scene.reader), body="Mein geheimer Entwurf", thread_id=scene.thread.id
    )
    db.commit()
    reader = as_member(make_client, scene.reader)
    for _ in range(3):
        page = _get(reader, scene.path)
    assert page.count("Mein geheimer Entwurf") == 1  # in the reply form only
    assert "0123456789abcdef:v:reply_body" in page
    assert page == _full(app, reader, scene.path)
    assert _shells(app) == 1


def test_the_header_follows_the_members_bell_name_and_role(app, make_client, db: Session, scene):
    """The header's links are kept per process by what they print (thread_shell._nav_of):
    a new notice, a new nickname or role is on the member's next page."""
    client = as_member(make_client, scene.author)
    _compare(app, {"author": client}, scene.path)
    bell = re.compile(r"Benachrichtigungen: (\d+) ungelesen")
    before = int(bell.findall(_get(client, scene.path))[0])
    make_reply(db, author=scene.helper, thread=scene.thread)  # the author is told
    db.commit()
    _compare(app, {"author": client}, scene.path)
    assert int(bell.findall(_get(client, scene.path))[0]) == before + 1
    user = db.get(User, scene.author.id)
    assert user is not None
    user.nickname, user.role = "Umbenannt", Role.expert
    db.add(user)
    db.commit()
    _compare(app, {"author": client}, scene.path)
    page = _get(client, scene.path)
    assert 'class="me">Umbenannt</a>' in page and 'href="/admin/faq"' in page


def test_a_hand_over_to_support_is_on_every_members_next_page(app, make_client, db, scene):
    """The CRM box is part of the kept shell, its facts in the shell's key."""
    clients = {"r": as_member(make_client, scene.reader), "a": as_member(make_client, scene.author)}
    _compare(app, clients, scene.path)
    staff = as_member(
        make_client, make_user(db, nickname="Supporterin", role=Role.admin, staff=True)
    )
    escalate = f"/api/v1/threads/{scene.thread.id}/escalation"
    assert staff.post(escalate, json={"note": "Bitte anrufen"}).status_code == 201
    _compare(app, clients, scene.path)
    for client in clients.values():
        assert "An den Support übergeben (" in _get(client, scene.path)


def test_the_unread_divider_in_each_language(app, make_client, db: Session, scene):
    """The divider is filled into the kept shell once per language (thread_shell._divider)."""
    readers, newcomers = (
        {
            locale: as_member(
                make_client, make_user(db, nickname=f"{kind}-{locale}", locale=locale)
            )
            for locale in ("de", "en")
        }
        for kind in ("Leser", "Neu")
    )
    for client in readers.values():
        _get(client, scene.path)  # read up to the reply
    make_reply(db, author=scene.helper, thread=scene.thread, body="Neu.")
    db.commit()
    for newcomer in newcomers.values():  # the new version's posts and shells kept
        for _ in range(2):
            assert 'id="unread"' not in _get(newcomer, scene.path)
    shells = _shells(app)
    pages = {locale: _get(client, scene.path) for locale, client in readers.items()}
    assert _shells(app) == shells  # both from the kept shells
    assert 'id="unread">Ungelesene Beiträge</p>' in pages["de"]
    assert 'id="unread">Unread posts</p>' in pages["en"]
