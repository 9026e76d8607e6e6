"""The moderation in the browser's plain HTML: the report form on every post, the queue
page and its decisions, the edit with a visible note, duplicates, and the audit log page.
Every form is a plain POST with the CSRF field, as without JavaScript."""

from __future__ import annotations

import html
import re

import pytest
from sqlmodel import select

from community.accounts.models import Role
from community.forum.models import Post, Thread
from community.jobs.worker import Worker
from community.moderation.models import Report
from tests.factories import (
    PASSWORD,
    make_category,
    make_group,
    make_reply,
    make_thread,
    make_user,
    sign_in,
)


def _csrf(client) -> str:  # type: ignore[no-untyped-def]
    if not client.cookies.get("community_csrf"):
        client.get("/")
    return client.cookies.get("community_csrf")


def _form_post(client, url, **fields):  # type: ignore[no-untyped-def]
    fields["csrf_token"] = _csrf(client)
    return client.post(url, data=fields, follow_redirects=False)


def _web_login(client, user) -> None:  # type: ignore[no-untyped-def]
    response = _form_post(client, "/login", email=user.email, password=PASSWORD)
    assert response.status_code == 303, response.text


@pytest.fixture
def world(db):
    board = make_category(db, slug="technik", name="Technik")
    author = make_user(db, nickname="Schreiber")
    thread = make_thread(db, author=author, category=board, title="Router verliert Verbindung")
    reply = make_reply(db, author=author, thread=thread, body="Kauft Zauberpillen bei mir")
    mod = make_user(db, nickname="Wache", role=Role.moderator)
    return board, author, thread, reply, mod


def test_every_post_has_a_report_link_but_not_for_its_own_author(db, client, anon, world):
    _board, author, thread, reply, _mod = world
    page = anon.get(f"/t/{thread.id}/{thread.slug}").text
    assert f'href="/p/{reply.id}/report"' in page
    _web_login(client, author)
    own = client.get(f"/t/{thread.id}/{thread.slug}").text
    assert f'href="/p/{reply.id}/report"' not in own


def test_visitor_reports_unlawful_content_by_form_and_it_reaches_the_queue_page(
    db, client, anon, world
):
    _board, _author, thread, reply, mod = world
    form = anon.get(f"/p/{reply.id}/report").text
    # A visitor is offered unlawful content only, and must leave an address.
    assert 'value="unlawful"' in form and 'value="spam"' not in form
    assert 'name="contact_email"' in form

    missing = _form_post(anon, f"/p/{reply.id}/report", reason="unlawful", comment="Betrug")
    assert missing.status_code == 422
    assert "E-Mail-Adresse" in missing.text
    refused = _form_post(
        anon, f"/p/{reply.id}/report", reason="spam", contact_email="zeugin@example.com"
    )
    assert refused.status_code == 403
    assert "nur rechtswidrige Inhalte" in refused.text

    sent = _form_post(
        anon,
        f"/p/{reply.id}/report",
        reason="unlawful",
        comment="Betrug mit Zauberpillen",
        contact_email="Zeugin@Example.com",
    )
    assert sent.status_code == 200, sent.text
    assert "Vielen Dank für Ihre Meldung" in sent.text

    _web_login(client, mod)
    queue = client.get("/moderation")
    assert queue.status_code == 200
    item = queue.text.split(f'id="q-{reply.id}"', 1)[1]
    assert "Router verliert Verbindung" in item and "Kauft Zauberpillen" in item
    assert "Rechtswidriger Inhalt" in item and "Betrug mit Zauberpillen" in item
    assert "Besucher (Kontaktadresse hinterlegt)" in item
    assert "zeugin@example.com" not in queue.text.lower()
    assert f'href="/t/{thread.id}/{thread.slug}#post-{reply.id}"' in item


def test_member_report_form_offers_every_reason_and_refuses_a_second_report(db, client, world):
    reply = world[3]
    _web_login(client, make_user(db, nickname="Melder"))
    form = client.get(f"/p/{reply.id}/report").text
    for value in ("spam", "insult", "unlawful", "off_topic", "other"):
        assert f'value="{value}"' in form
    assert "Beleidigung" in form and 'name="contact_email"' not in form
    assert _form_post(client, f"/p/{reply.id}/report", reason="insult").status_code == 200
    again = _form_post(client, f"/p/{reply.id}/report", reason="spam", comment="Noch einmal")
    assert again.status_code == 409 and "bereits gemeldet" in again.text
    # On the form, with the way back to the post (a bare error page had only the start page)
    assert "Noch einmal" in again.text and f"#post-{reply.id}" in again.text
    assert len(db.exec(select(Report).where(Report.post_id == reply.id)).all()) == 1


def test_queue_page_is_for_moderators_and_linked_in_their_header(db, client, world):
    mod = world[4]
    assert client.get("/moderation", follow_redirects=False).status_code == 303
    _web_login(client, make_user(db, nickname="Niemand"))
    assert 'href="/moderation"' not in client.get("/").text
    assert client.get("/moderation").status_code == 403
    _web_login(client, mod)
    assert 'href="/moderation"' in client.get("/").text


def test_queue_page_shows_the_authors_history_and_earlier_decisions(db, client, anon, world):
    _board, author, thread, reply, mod = world
    earlier = make_reply(db, author=author, thread=thread, body="Alter Werbetext")
    sign_in(client, mod)
    client.post(f"/api/v1/moderation/posts/{earlier.id}/hide", json={"reason": "Werbung alt"})
    _form_post(anon, f"/p/{reply.id}/report", reason="unlawful", contact_email="zeuge@example.com")
    _web_login(client, mod)
    item = client.get("/moderation").text.split(f'id="q-{reply.id}"', 1)[1]
    assert "3 Beiträge, davon 1 ausgeblendet" in item
    assert "post.hide" in item and "Werbung alt" in item


def test_hide_from_the_queue_page_takes_the_text_off_the_thread_page(db, client, anon, world):
    _board, _author, thread, reply, mod = world
    _form_post(anon, f"/p/{reply.id}/report", reason="unlawful", contact_email="zeuge@example.com")
    _web_login(client, mod)
    refused = _form_post(client, f"/moderation/posts/{reply.id}/hide", reason="  ")
    assert refused.status_code == 422 and "Grund" in refused.text
    done = _form_post(client, f"/moderation/posts/{reply.id}/hide", reason="Werbung")
    assert done.status_code == 303 and done.headers["location"] == "/moderation?done=hide"
    after = client.get(done.headers["location"]).text
    assert "Der Beitrag ist ausgeblendet." in after and "Keine offenen Meldungen." in after
    page = anon.get(f"/t/{thread.id}/{thread.slug}").text
    assert "Zauberpillen" not in page and "Grund: Werbung" in page


def test_queue_forms_lock_move_suspend_and_refuse_without_csrf(db, client, world):
    _board, author, thread, _reply, mod = world
    make_category(db, slug="mobilfunk", name="Mobilfunk")
    _web_login(client, mod)
    no_csrf = client.post(f"/moderation/threads/{thread.id}/lock", data={}, follow_redirects=False)
    assert no_csrf.status_code == 403
    assert _form_post(client, f"/moderation/threads/{thread.id}/lock").status_code == 303
    moved = _form_post(client, f"/moderation/threads/{thread.id}/move", category="mobilfunk")
    assert moved.status_code == 303
    suspended = _form_post(
        client, "/moderation/users/Schreiber/suspend", days="3", reason="Werbung"
    )
    assert suspended.status_code == 303
    db.expire_all()
    stored = db.get(Thread, thread.id)
    assert stored.is_locked and stored.category_id != world[0].id
    db.refresh(author)
    assert author.suspended_until is not None


def test_a_refused_decision_in_the_queue_keeps_its_form_open_with_the_text(db, client, world):
    """It answered with the message on top, every field empty, the section folded."""
    _board, _author, thread, reply, mod = world
    reporter = make_user(db)
    db.add(Report(post_id=reply.id, reporter_id=reporter.id, reason="spam"))
    db.commit()
    _web_login(client, mod)
    refused = _form_post(
        client,
        f"/moderation/threads/{thread.id}/duplicate",
        original="kein-thema-xyz",
        reason="Gibt es schon",
    )
    assert refused.status_code == 422
    text = html.unescape(refused.text)
    duplicate_form = text.split(f'action="/moderation/threads/{thread.id}/duplicate"')[1]
    duplicate_form = duplicate_form.split("</form>")[0]
    assert "Bitte geben Sie die Nummer oder den Link des Original-Themas an." in duplicate_form
    assert 'value="kein-thema-xyz"' in duplicate_form
    assert '<details class="mod-more" open>' in text
    # A post's decision: its reason back in its own form.
    hidden = _form_post(client, f"/moderation/posts/{reply.id}/hide", reason="  ")
    hide_form = html.unescape(hidden.text).split(f'action="/moderation/posts/{reply.id}/hide"')[1]
    assert "Bitte geben Sie einen Grund an." in hide_form.split("</form>")[0]
    # On a long queue the message on top leads to the form it is about.
    assert f'<a href="#q-{reply.id}">Zum Formular</a>' in html.unescape(hidden.text)


def test_moderator_edit_shows_a_visible_note_keeps_the_old_text_and_tells_reporters(
    db, engine, client, make_client, anon, mailbox, world
):
    _board, _author, thread, reply, mod = world
    reporter = make_user(db, nickname="Melderin", email="melderin@example.com")
    member = make_client()
    sign_in(member, reporter)
    assert (
        member.post(f"/api/v1/posts/{reply.id}/reports", json={"reason": "insult"}).status_code
        == 201
    )
    _web_login(client, mod)
    form = client.get(f"/moderation/posts/{reply.id}/edit")
    assert form.status_code == 200 and "Kauft Zauberpillen" in form.text
    saved = _form_post(
        client,
        f"/moderation/posts/{reply.id}/edit",
        body="Bitte keine Werbung hier.",
        reason="Werbelink entfernt",
    )
    assert saved.status_code == 303, saved.text

    page = anon.get(f"/t/{thread.id}/{thread.slug}").text
    assert "Zauberpillen" not in page and "Bitte keine Werbung hier." in page
    assert "Bearbeitet von der Moderation: Werbelink entfernt" in page
    shown = anon.get(f"/api/v1/posts/{reply.id}").json()
    assert shown["moderation_note"] == "Werbelink entfernt"
    sign_in(client, mod)
    revisions = client.get(f"/api/v1/posts/{reply.id}/revisions").json()
    assert [r["body"] for r in revisions] == ["Kauft Zauberpillen bei mir"]
    assert client.get("/api/v1/moderation/queue").json()["items"] == []
    Worker(engine).run_until_empty()
    [mail] = mailbox.to("melderin@example.com")
    assert "bearbeitet" in mail.text

    sign_in(client, make_user(db, nickname="Chefin", role=Role.admin))
    [entry] = client.get("/api/v1/admin/audit-log").json()["items"]
    assert entry["action"] == "post.edit" and entry["reason"] == "Werbelink entfernt"
    assert entry["before"]["body"] == "Kauft Zauberpillen bei mir"
    assert entry["after"]["body"] == "Bitte keine Werbung hier."


def test_a_duplicate_shows_a_banner_to_the_original_and_refuses_replies(
    db, client, make_client, anon, world
):
    board, _author, original, _reply, mod = world
    asker = make_user(db, nickname="Nochmal")
    again = make_thread(db, author=asker, category=board, title="Router trennt ständig die Leitung")
    _web_login(client, mod)
    marked = _form_post(
        client,
        f"/moderation/threads/{again.id}/duplicate",
        original=f"http://testserver/t/{original.id}/{original.slug}",
        reason="Schon beantwortet",
    )
    assert marked.status_code == 303, marked.text

    page = anon.get(f"/t/{again.id}/{again.slug}").text
    assert "als Duplikat geschlossen" in page
    assert f'href="/t/{original.id}/{original.slug}"' in page
    assert "Router verliert Verbindung" in page
    assert anon.get(f"/api/v1/threads/{again.id}").json()["duplicate_of_thread_id"] == original.id

    member = make_client()
    sign_in(member, asker)
    refused = member.post(f"/api/v1/threads/{again.id}/posts", json={"body": "Immer noch?"})
    assert refused.status_code == 403 and refused.json()["error"] == "thread_duplicate"
    assert 'name="body"' not in member.get(f"/t/{again.id}/{again.slug}").text
    # The original stays as it was, open for answers.
    assert anon.get(f"/api/v1/threads/{original.id}").json()["is_locked"] is False
    answered = member.post(f"/api/v1/threads/{original.id}/posts", json={"body": "Danke!"})
    assert answered.status_code == 201

    itself = _form_post(
        client, f"/moderation/threads/{original.id}/duplicate", original=f"#{original.id}"
    )
    assert itself.status_code == 422
    sign_in(client, make_user(db, nickname="Chefin", role=Role.admin))
    [entry] = client.get("/api/v1/admin/audit-log").json()["items"]
    assert entry["action"] == "thread.duplicate"
    assert entry["before"] == {"duplicate_of_thread_id": None, "is_locked": False}
    assert entry["after"] == {"duplicate_of_thread_id": original.id, "is_locked": True}
    # Opened again by a moderator, it is still a duplicate: no form whose replies all fail.
    _web_login(client, mod)
    assert _form_post(client, f"/moderation/threads/{again.id}/unlock").status_code == 303
    assert 'name="body"' not in member.get(f"/t/{again.id}/{again.slug}").text


def test_a_question_is_not_closed_as_duplicate_of_an_original_its_readers_cannot_see(
    db, client, world
):
    """Visitors would find the question closed with no way on."""
    board, _author, _original, _reply, mod = world
    insider = make_user(db, nickname="Insiderin")
    group, other_group = make_group(db, members=[insider]), make_group(db)
    closed = make_category(db, slug="intern", groups=[group, other_group])
    narrower = make_category(db, slug="intern-a", groups=[group])
    original = make_thread(db, author=insider, category=closed, title="Interne Anleitung VoLTE")
    public = make_thread(db, author=make_user(db), category=board, title="VoLTE einrichten bitte")
    inside = make_thread(db, author=insider, category=narrower, title="VoLTE im Team einrichten")
    _web_login(client, mod)

    refused = _form_post(
        client, f"/moderation/threads/{public.id}/duplicate", original=f"#{original.id}"
    )
    assert refused.status_code == 422
    assert "Das Original liegt in einem geschlossenen Bereich" in html.unescape(refused.text)
    db.refresh(public)
    assert public.duplicate_of_thread_id is None and not public.is_locked
    # Everyone who reads the narrower board's question can read the original: allowed.
    marked = _form_post(
        client, f"/moderation/threads/{inside.id}/duplicate", original=f"#{original.id}"
    )
    assert marked.status_code == 303


def test_the_api_names_a_closed_boards_original_only_to_who_may_see_it(db, anon, make_client):
    insider = make_user(db, nickname="Insiderin")
    closed = make_category(db, slug="intern", groups=[make_group(db, members=[insider])])
    original = make_thread(db, author=insider, category=closed, title="Interne Anleitung VoLTE")
    public = make_category(db, slug="offen")
    again = make_thread(db, author=make_user(db), category=public, title="VoLTE einrichten bitte")
    again.duplicate_of_thread_id = original.id
    db.add(again)
    db.commit()
    inside = make_client()
    sign_in(inside, insider)
    outside = make_client()
    sign_in(outside, make_user(db, nickname="Aussen"))

    for reader in (anon, outside):
        detail = reader.get(f"/api/v1/threads/{again.id}").json()
        assert detail["duplicate_of_thread_id"] is None
        [listed] = reader.get("/api/v1/categories/offen/threads").json()["items"]
        assert listed["duplicate_of_thread_id"] is None
    assert inside.get(f"/api/v1/threads/{again.id}").json()["duplicate_of_thread_id"] == (
        original.id
    )


def test_audit_log_page_is_read_only_and_for_admins(db, client, world):
    reply, mod = world[3], world[4]
    sign_in(client, mod)
    client.post(f"/api/v1/moderation/posts/{reply.id}/hide", json={"reason": "Werbung"})
    _web_login(client, mod)
    assert client.get("/admin/audit-log").status_code == 403
    _web_login(client, make_user(db, nickname="Chefin", role=Role.admin))
    page = client.get("/admin/audit-log").text
    assert "post.hide" in page and "Werbung" in page and "Wache" in page
    # Its only form is the filter, a GET: nothing on the page can change an entry.
    assert not re.search(r"<form[^>]*method=\"post\"[^>]*action=\"/admin/audit-log", page)
    assert _form_post(client, "/admin/audit-log").status_code == 405
    db.expire_all()
    assert db.get(Post, reply.id).is_hidden
