"""The writing experience (issue 15): the board chosen on purpose, drafts kept on the server,
the no-JS preview of a reply, field errors, the confirmation after an action, and an
unconfirmed member who keeps the text."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from sqlalchemy import Engine, select
from sqlmodel import Session, col

from community.accounts.mail import MAIL_JOB
from community.forum.models import Draft, Post, Thread
from community.jobs.models import Job
from community.jobs.worker import Worker
from tests.factories import make_category, make_reply, make_thread, make_user, sign_in


def _post(client: TestClient, url: str, **fields: object) -> object:
    fields["csrf_token"] = client.cookies.get("community_csrf")
    return client.post(url, data=fields, follow_redirects=False)


def _selected_board(page: str) -> str | None:
    select_html = page[page.index('<select id="category"') : page.index("</select>")]
    match = re.search(r'<option value="([^"]*)" selected>', select_html)
    return match.group(1) if match else None


def test_the_board_is_chosen_on_purpose_and_a_refusal_keeps_the_text(
    client: TestClient, db: Session
) -> None:
    member = make_user(db)
    make_category(db, slug="festnetz", name="Festnetz")
    vpn = make_category(db, slug="vpn", name="VPN & Sicherheit")
    sign_in(client, member)
    # From the start page's box: the title comes along, no board is preselected.
    form = client.get(
        "/new", params={"title": "VPN-Verbindung bricht nachts ab", "kind": "question"}
    )
    assert _selected_board(form.text) == ""
    assert "Bitte wählen" in form.text
    assert 'value="VPN-Verbindung bricht nachts ab"' in form.text
    refused = _post(
        client,
        "/new",
        kind="question",
        category="",
        title="VPN-Verbindung bricht nachts ab",
        body="Jede Nacht um 3 Uhr ist die **VPN** weg.",
    )
    assert refused.status_code == 422  # type: ignore[attr-defined]
    page = refused.text  # type: ignore[attr-defined]
    # The error sits at the board field, everything typed is still there.
    assert 'id="category-error"' in page and "Bitte wählen Sie einen Bereich." in page
    assert 'aria-describedby="category-error"' in page
    assert "Jede Nacht um 3 Uhr ist die **VPN** weg." in page
    assert 'value="VPN-Verbindung bricht nachts ab"' in page
    assert db.execute(select(Thread)).first() is None
    # A too short title: the message at the title field.
    short = _post(client, "/new", kind="question", category="vpn", title="VPN?", body="Text")
    assert short.status_code == 422  # type: ignore[attr-defined]
    assert 'id="title-error"' in short.text  # type: ignore[attr-defined]
    # Everything wrong at once (a browser's own checks bypassed): every field is marked in
    # one answer, not one per try.
    all_wrong = _post(client, "/new", kind="question", category="", title="VPN?", body=" ")
    page = all_wrong.text  # type: ignore[attr-defined]
    assert "Bitte prüfen Sie die markierten Angaben." in page
    for field in ("title", "category", "body"):
        assert f'id="{field}-error"' in page, field
    assert "Bitte wählen Sie einen Bereich." in page and "Der Beitrag ist leer." in page
    posted = _post(
        client,
        "/new",
        kind="question",
        category="vpn",
        title="VPN-Verbindung bricht nachts ab",
        body="Jede Nacht um 3 Uhr ist die VPN weg.",
    )
    assert posted.status_code == 303  # type: ignore[attr-defined]
    thread = db.execute(select(Thread)).scalar_one()
    assert thread.category_id == vpn.id
    page = client.get(posted.headers["location"]).text  # type: ignore[attr-defined]
    assert 'class="flash" role="status">Ihr Thema ist veröffentlicht.' in page
    # Shown once: the next page has no confirmation.
    assert 'class="flash"' not in client.get(posted.headers["location"]).text  # type: ignore[attr-defined]


def test_the_similar_questions_suggest_a_board_with_a_visible_note(
    client: TestClient, db: Session, engine: Engine
) -> None:
    member = make_user(db)
    make_category(db, slug="festnetz", name="Festnetz")
    vpn = make_category(db, slug="vpn", name="VPN & Sicherheit")
    tunnel = make_thread(db, author=member, category=vpn, title="VPN-Tunnel bricht jede Nacht ab")
    make_thread(db, author=member, category=vpn, title="VPN-Client verliert die Verbindung")
    Worker(engine).run_until_empty()
    sign_in(client, member)
    # A title carried over from the start page: the similar questions at once, and their board.
    page = client.get("/new", params={"title": "VPN Verbindung bricht ab"}).text
    assert f'href="/t/{tunnel.id}"' in page
    assert _selected_board(page) == "vpn"
    assert "Vorgeschlagen, weil ähnliche Fragen dort stehen: VPN &amp; Sicherheit." in page
    # While typing (htmx): the board field comes out of band, but only while the writer has
    # not chosen a board of their own.
    fragment = client.get(
        "/search/similar",
        params={"title": "VPN bricht ab", "category": ""},
        headers={"HX-Request": "true"},
    ).text
    assert 'id="board-field" class="field" hx-swap-oob="true"' in fragment
    assert _selected_board(fragment) == "vpn"
    own_choice = client.get(
        "/search/similar", params={"title": "VPN bricht ab", "category": "festnetz"}
    ).text
    assert "hx-swap-oob" not in own_choice
    still_suggested = client.get(
        "/search/similar",
        params={"title": "VPN bricht ab", "category": "festnetz", "board_suggested": "festnetz"},
    ).text
    assert _selected_board(still_suggested) == "vpn"
    # Sent without a board: the field asks for one and preselects none (it showed the
    # suggested board beside "Bitte wählen Sie einen Bereich.").
    refused = client.post(
        "/new",
        data={
            "csrf_token": client.cookies["community_csrf"],
            "kind": "question",
            "category": "",
            "title": "VPN Verbindung bricht ab",
            "body": "Seit gestern.",
        },
    ).text
    assert "Bitte wählen Sie einen Bereich." in refused
    assert _selected_board(refused) == ""


def test_drafts_survive_a_reload_and_another_device_and_go_when_posted(
    client: TestClient, db: Session, make_client
) -> None:
    member = make_user(db, nickname="Schreiberin")
    other = make_user(db)
    board = make_category(db, slug="internet")
    thread = make_thread(db, author=other, category=board, title="Router startet ständig neu")
    seen = thread.last_post_id
    sign_in(client, member)
    saved = _post(client, f"/t/{thread.id}/draft", body="Haben Sie schon die Firmware", seen=seen)
    assert saved.status_code == 200 and "Entwurf gespeichert" in saved.text  # type: ignore[attr-defined]
    assert "neue Antwort" not in saved.text  # type: ignore[attr-defined]
    # Someone else answers meanwhile: the next save says so.
    make_reply(db, author=other, thread=thread, body="Nachtrag: auch nach dem Reset.")
    again = _post(
        client, f"/t/{thread.id}/draft", body="Haben Sie schon die Firmware 7.5", seen=seen
    )
    assert "Inzwischen gibt es 1 neue Antwort." in again.text  # type: ignore[attr-defined]
    # A new question begun, then the page reloaded, and another device signed in.
    _post(
        client,
        "/new/draft",
        title="Wie teile ich das WLAN?",
        body="Gäste sollen ins Netz",
        category="internet",
    )
    laptop = make_client()
    sign_in(laptop, member)
    page = laptop.get(f"/t/{thread.id}/{thread.slug}").text
    assert ">Haben Sie schon die Firmware 7.5</textarea>" in page
    ask = laptop.get("/new").text
    assert 'value="Wie teile ich das WLAN?"' in ask and ">Gäste sollen ins Netz</textarea>" in ask
    assert _selected_board(ask) == "internet"
    # Posting the reply deletes its draft; the question's draft stays until it is posted.
    posted = _post(
        laptop,
        f"/t/{thread.id}/reply",
        body="Haben Sie schon die Firmware 7.5 probiert?",
        seen=seen,
    )
    assert posted.status_code == 303  # type: ignore[attr-defined]
    drafts = db.execute(select(Draft).where(col(Draft.user_id) == member.id)).scalars().all()
    assert [d.scope for d in drafts] == ["new"]
    follow = laptop.get(posted.headers["location"]).text  # type: ignore[attr-defined]
    # Someone replied while this one was written: the confirmation says so (without JS too).
    assert "Während Sie schrieben, kamen weitere Antworten hinzu" in follow
    assert ">Haben Sie schon die Firmware 7.5</textarea>" not in follow
    # Without JavaScript: "Entwurf speichern" posts the form and comes back to it.
    kept = _post(
        laptop,
        "/new",
        kind="discussion",
        category="",
        title="Ohne Skript",
        body="Erst halb",
        action="draft",
    )
    assert kept.status_code == 303 and kept.headers["location"] == "/new"  # type: ignore[attr-defined]
    again_page = laptop.get("/new").text
    assert "Ihr Entwurf ist gespeichert." in again_page and ">Erst halb</textarea>" in again_page
    assert 'value="discussion" checked' in again_page
    # In English, the editor speaks English.
    english_client = make_client()
    sign_in(english_client, make_user(db, locale="en"))
    english = english_client.get("/new").text
    for text in ("Please choose", "Save draft", 'aria-label="Bold"', "Preview"):
        assert text in english, text
    # Nothing typed: the draft is removed rather than kept empty.
    _post(laptop, "/new/draft", title="", body="  ")
    assert db.execute(select(Draft).where(col(Draft.user_id) == member.id)).first() is None


def test_without_javascript_a_reply_is_previewed_and_saved_as_draft(
    client: TestClient, db: Session
) -> None:
    member = make_user(db)
    thread = make_thread(db, author=make_user(db), category=make_category(db))
    sign_in(client, member)
    preview = _post(
        client,
        f"/t/{thread.id}/reply",
        body="Mit **Fettem** <script>x()</script>",
        action="preview",
    )
    assert preview.status_code == 200  # type: ignore[attr-defined]
    assert "<strong>Fettem</strong>" in preview.text and "<script>x()" not in preview.text  # type: ignore[attr-defined]
    assert "Mit **Fettem** &lt;script&gt;x()&lt;/script&gt;</textarea>" in preview.text  # type: ignore[attr-defined]
    draft = _post(client, f"/t/{thread.id}/reply", body="Erst morgen fertig.", action="draft")
    assert draft.status_code == 303  # type: ignore[attr-defined]
    page = client.get(draft.headers["location"]).text  # type: ignore[attr-defined]
    assert "Ihr Entwurf ist gespeichert." in page and ">Erst morgen fertig.</textarea>" in page
    assert db.execute(select(Post).where(col(Post.thread_id) == thread.id)).all() == [
        (db.get(Post, thread.last_post_id),)
    ]  # nothing posted: only the question


def test_an_unconfirmed_member_keeps_the_text_and_can_ask_for_a_new_mail(
    client: TestClient, db: Session
) -> None:
    member = make_user(db, verified=False)
    thread = make_thread(db, author=make_user(db), category=make_category(db, slug="mobil"))
    sign_in(client, member)
    refused = _post(
        client, f"/t/{thread.id}/reply", body="Meine lange Antwort, bitte nicht verlieren."
    )
    assert refused.status_code == 403  # type: ignore[attr-defined]
    page = refused.text  # type: ignore[attr-defined]
    assert "Bitte bestätigen Sie zuerst Ihre E-Mail-Adresse." in page
    assert "Meine lange Antwort, bitte nicht verlieren.</textarea>" in page
    assert 'formaction="/verify-email/resend"' in page
    # The text waits as a draft, for the thread page after confirming.
    assert (
        ">Meine lange Antwort, bitte nicht verlieren.</textarea>"
        in client.get(f"/t/{thread.id}/{thread.slug}").text
    )
    asked = _post(
        client,
        "/new",
        kind="question",
        category="mobil",
        title="Eine Frage ohne Bestätigung",
        body="Mein Fragetext.",
    )
    assert asked.status_code == 403 and "Mein Fragetext.</textarea>" in asked.text  # type: ignore[attr-defined]
    mails_before = db.execute(select(Job).where(col(Job.type) == MAIL_JOB)).all()
    resent = _post(client, "/verify-email/resend", next=f"/t/{thread.id}/{thread.slug}#reply")
    assert resent.status_code == 303  # type: ignore[attr-defined]
    assert resent.headers["location"] == f"/t/{thread.id}/{thread.slug}#reply"  # type: ignore[attr-defined]
    assert (
        len(db.execute(select(Job).where(col(Job.type) == MAIL_JOB)).all()) == len(mails_before) + 1
    )
    assert "Wir haben Ihnen eine neue Bestätigungsmail geschickt." in client.get("/").text
    # Somewhere else than this site: back to the start page instead.
    elsewhere = _post(client, "/verify-email/resend", next="//evil.example/")
    assert elsewhere.headers["location"] == "/"  # type: ignore[attr-defined]


def test_kudos_accepting_and_editing_confirm_themselves(client: TestClient, db: Session) -> None:
    asker = make_user(db)
    helper = make_user(db)
    thread = make_thread(db, author=asker, category=make_category(db))
    opening = db.execute(
        select(Post).where(col(Post.thread_id) == thread.id, col(Post.is_opening))
    ).scalar_one()
    answer = make_reply(db, author=helper, thread=thread, body="So geht es: Menü, Einstellungen.")
    sign_in(client, asker)
    for url, fields, text in (
        (f"/p/{answer.id}/kudos", {}, "Danke gesagt: Kudos vergeben."),
        (
            f"/t/{thread.id}/solution",
            {"post_id": answer.id},
            "Die Antwort ist als Lösung markiert.",
        ),
        (f"/t/{thread.id}/solution", {}, "Die Lösung ist zurückgenommen."),
        (f"/t/{thread.id}/watch", {"action": "unwatch"}, "Sie folgen diesem Thema nicht mehr."),
        (
            f"/p/{opening.id}/edit",
            {"body": "Neue Fassung der Frage."},
            "Ihre Änderung ist gespeichert.",
        ),
    ):
        response = _post(client, url, **fields)
        assert response.status_code == 303, (url, response.text)  # type: ignore[attr-defined]
        assert f'role="status">{text}' in client.get(response.headers["location"]).text  # type: ignore[attr-defined]
