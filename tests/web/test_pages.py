"""The pages a customer uses: language, settings, editing, preview, leaderboard, search engines."""

from __future__ import annotations

import json
import re

from sqlmodel import Session

from community.forum.models import ThreadKind
from tests.factories import PASSWORD, make_category, make_group, make_reply, make_thread, make_user
from tests.web.test_sitemaps import sitemap_urls


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


def test_german_by_default_and_english_for_an_english_browser(anon, db: Session) -> None:
    make_category(db, slug="mobilfunk", name="Mobilfunk")
    german = anon.get("/")
    assert '<html lang="de">' in german.text
    assert "Was können wir für Sie tun?" in german.text
    english = anon.get("/", headers={"Accept-Language": "en-US,en;q=0.9,de;q=0.5"})
    assert '<html lang="en">' in english.text
    assert "How can we help you?" in english.text
    assert "Was können wir für Sie tun?" not in english.text
    assert "Legal notice" in english.text  # the footer too
    prefers_german = anon.get("/", headers={"Accept-Language": "de-CH, en;q=0.5"})
    assert '<html lang="de">' in prefers_german.text


def test_a_members_language_setting_wins_over_the_browser(client, db: Session) -> None:
    member = make_user(db, nickname="Englisch", locale="en")
    _web_login(client, member)
    page = client.get("/", headers={"Accept-Language": "de"})
    assert '<html lang="en">' in page.text
    assert "Ask a question" in page.text


def test_the_footer_switch_sets_the_language_for_a_visitor(anon, db: Session) -> None:
    response = _form_post(anon, "/language", locale="en", next="/leaderboard")
    assert response.status_code == 303
    assert response.headers["location"] == "/leaderboard"
    page = anon.get("/leaderboard")
    assert '<html lang="en">' in page.text and "<h1>Leaderboard</h1>" in page.text
    assert _form_post(anon, "/language", locale="xx").status_code == 422


def test_service_errors_and_dates_appear_in_the_pages_language(anon, db: Session) -> None:
    english = anon.get("/t/999999/nichts", headers={"Accept-Language": "en"})
    assert english.status_code == 404
    assert "This topic does not exist." in english.text
    assert "Impressum" not in english.text and "Legal notice" in english.text
    author = make_user(db, nickname="Datum")
    thread = make_thread(db, author=author, category=make_category(db))
    year = str(thread.created_at.year)
    german = anon.get(f"/t/{thread.id}/{thread.slug}").text
    assert re.search(rf"\d\d\.\d\d\.{year}, \d\d:\d\d", german)  # 27.11.2026, 15:02
    english_page = anon.get(f"/t/{thread.id}/{thread.slug}", headers={"Accept-Language": "en"})
    assert re.search(
        rf"[A-Z][a-z]{{2}} \d{{1,2}}, {year}, \d{{1,2}}:\d\d\s?[AP]M", english_page.text
    )


def test_settings_change_nickname_private_fields_and_language(client, anon, db: Session) -> None:
    member = make_user(db, nickname="Vorher", real_name="Erika Muster", company="Muster GmbH")
    _web_login(client, member)
    page = client.get("/settings").text
    assert "Erika Muster" in page and "Muster GmbH" in page  # the owner sees them
    response = _form_post(
        client, "/settings", nickname="Nachher", real_name="Erika M.", company="", locale="en"
    )
    assert response.status_code == 303
    # The confirmation is shown once, in the member's new language, then gone.
    assert "Your settings are saved." in client.get("/settings").text
    assert "Your settings are saved." not in client.get("/settings").text
    profile = anon.get("/u/Nachher")
    assert profile.status_code == 200
    assert "Erika" not in profile.text and "Muster" not in profile.text  # never public
    assert anon.get("/u/Vorher").status_code == 404


def test_settings_refuse_a_taken_nickname_keep_what_was_typed_and_save_nothing(
    client, db: Session
) -> None:
    make_user(db, nickname="Besetzt")
    member = make_user(db, nickname="Eigener", company="Alte Firma")
    _web_login(client, member)
    response = _form_post(
        client,
        "/settings",
        nickname="besetzt",
        real_name="Hans Neu",
        company="Neue Firma AG",
        locale="en",
    )
    assert response.status_code == 422
    assert "Dieser Spitzname ist schon vergeben." in response.text
    # The form shows what was typed, to be corrected rather than typed again
    for typed in ('value="besetzt"', 'value="Hans Neu"', 'value="Neue Firma AG"'):
        assert typed in response.text
    assert '<option value="en" lang="en" selected>' in response.text
    stored = client.get("/settings").text
    assert 'value="Eigener"' in stored and 'value="Alte Firma"' in stored
    assert "Hans Neu" not in stored


def test_password_change_from_the_settings_page(client, db: Session) -> None:
    member = make_user(db, nickname="Passwort")
    _web_login(client, member)
    wrong = _form_post(
        client, "/settings/password", current="falsch-falsch", new="neu-und-lang-genug-42"
    )
    assert wrong.status_code == 422 and "Das aktuelle Passwort stimmt nicht." in wrong.text
    ok = _form_post(client, "/settings/password", current=PASSWORD, new="neu-und-lang-genug-42")
    assert ok.status_code == 303
    assert client.get("/settings").status_code == 200  # still signed in with the new cookie


def test_only_the_author_gets_an_edit_link_and_the_edit_is_saved(client, anon, db: Session) -> None:
    author = make_user(db, nickname="Autorin")
    other = make_user(db, nickname="Andere")
    thread = make_thread(db, author=author, category=make_category(db))
    reply = make_reply(db, author=other, thread=thread, body="Erste Fassung der Antwort.")
    _web_login(client, other)
    page = client.get(f"/t/{thread.id}/{thread.slug}").text
    assert page.count("/edit") == 1 and f"/p/{reply.id}/edit" in page
    form = client.get(f"/p/{reply.id}/edit")
    assert "Erste Fassung der Antwort." in form.text
    saved = _form_post(client, f"/p/{reply.id}/edit", body="Zweite, **bessere** Fassung.")
    assert saved.status_code == 303
    page = anon.get(f"/t/{thread.id}/{thread.slug}").text
    assert "<strong>bessere</strong>" in page and "bearbeitet" in page
    opening_id = re.search(r'id="post-(\d+)"', page).group(1)  # type: ignore[union-attr]
    assert client.get(f"/p/{opening_id}/edit").status_code == 403


def test_preview_renders_markdown_with_and_without_javascript(client, db: Session) -> None:
    member = make_user(db)
    category = make_category(db, slug="festnetz")
    _web_login(client, member)
    fragment = _form_post(client, "/preview", body="**fett** und <script>x()</script>")
    assert "<strong>fett</strong>" in fragment.text and "<script>x()" not in fragment.text
    assert "<html" not in fragment.text  # only the fragment for htmx
    full = _form_post(
        client,
        "/new",
        category=category.slug,
        kind="question",
        title="Eine Frage mit Vorschau",
        body="*kursiv*",
        action="preview",
    )
    assert full.status_code == 200
    assert "<em>kursiv</em>" in full.text and 'value="Eine Frage mit Vorschau"' in full.text
    assert client.get("/c/festnetz").text.count("Eine Frage mit Vorschau") == 0  # not published


def test_ask_page_offers_only_boards_the_member_may_post_in(client, db: Session) -> None:
    member = make_user(db)
    make_category(db, slug="offen", name="Offener Bereich")
    make_category(db, slug="geheim", name="Geheimer Bereich", groups=[make_group(db)])
    _web_login(client, member)
    page = client.get("/new?kind=discussion").text
    assert "Offener Bereich" in page and "Geheimer Bereich" not in page
    assert 'value="discussion" checked' in page


def test_board_sorts_by_activity_and_pages_with_a_cursor(anon, db: Session) -> None:
    author = make_user(db)
    category = make_category(db, slug="viel")
    quiet = make_thread(db, author=author, category=category, title="Ruhige Frage ohne Antworten")
    busy = make_thread(db, author=author, category=category, title="Belebte Frage mit Antworten")
    for _ in range(3):
        make_reply(db, author=author, thread=busy)
    make_thread(db, author=author, category=category, title="Jüngste Frage im Bereich")
    newest = anon.get("/c/viel?sort=latest").text
    assert newest.index("Jüngste Frage") < newest.index("Belebte Frage")
    active = anon.get("/c/viel?sort=active").text
    assert active.index("Belebte Frage") < active.index("Jüngste Frage")
    assert quiet.title in active
    for i in range(30):
        make_thread(db, author=author, category=category, title=f"Weitere Frage Nummer {i:02d}")
    first = anon.get("/c/viel?sort=active").text
    cursor = re.search(r"cursor=([\w-]+)", first).group(1)  # type: ignore[union-attr]
    second = anon.get(f"/c/viel?sort=active&cursor={cursor}").text
    pattern = r'class="thread-title" href="[^"]+" dir="auto"><bdi>([^<]+)<'
    titles = lambda html: set(re.findall(pattern, html))  # noqa: E731
    assert titles(first) and titles(second) and not titles(first) & titles(second)
    assert len(titles(first) | titles(second)) == 33


def test_start_page_shows_boards_counts_newest_and_recently_solved(anon, db: Session) -> None:
    author = make_user(db)
    category = make_category(db, slug="router", name="Router & WLAN")
    make_thread(db, author=author, category=category, title="Wie stelle ich das WLAN um?")
    page = anon.get("/").text
    assert "Router &amp; WLAN" in page and "1 Thema" in page and "1 Beitrag" in page
    assert "Wie stelle ich das WLAN um?" in page
    assert "Kürzlich gelöst" in page


def test_leaderboard_filters_by_period_and_board(anon, db: Session) -> None:
    asker = make_user(db, nickname="Fragerin")
    helper = make_user(db, nickname="Helferin")
    category = make_category(db, slug="hilfe")
    make_category(db, slug="anderes")
    thread = make_thread(db, author=asker, category=category)
    answer = make_reply(db, author=helper, thread=thread)
    from community.accounts.viewer import viewer_for
    from community.reputation import service as reputation

    reputation.accept_solution(db, viewer_for(db, asker), thread.id, answer.id)  # type: ignore[arg-type]
    db.commit()
    assert "Helferin" in anon.get("/leaderboard?period=week").text
    assert "Helferin" in anon.get("/leaderboard?board=hilfe").text
    assert "Helferin" not in anon.get("/leaderboard?board=anderes").text
    assert anon.get("/leaderboard?period=century").status_code == 422


def test_question_carries_qapage_json_ld_with_the_accepted_answer(anon, db: Session) -> None:
    asker = make_user(db, nickname="Frager", real_name="Geheim Name")
    helper = make_user(db, nickname="Loeser")
    thread = make_thread(
        db, author=asker, category=make_category(db), title="Warum </script> hier?"
    )
    answer = make_reply(db, author=helper, thread=thread, body="So geht das </script><b>x</b>")
    from community.accounts.viewer import viewer_for
    from community.reputation import service as reputation

    reputation.accept_solution(db, viewer_for(db, asker), thread.id, answer.id)  # type: ignore[arg-type]
    db.commit()
    page = anon.get(f"/t/{thread.id}/{thread.slug}").text
    block = re.search(r'<script type="application/ld\+json">(.*?)</script>', page, re.S)
    assert block, "no JSON-LD block"
    data = json.loads(block.group(1))
    assert data["@type"] == "QAPage"
    assert data["mainEntity"]["name"] == "Warum </script> hier?"
    assert data["mainEntity"]["acceptedAnswer"]["author"]["name"] == "Loeser"
    assert "Geheim" not in block.group(1)
    assert f'<link rel="canonical" href="http://testserver/t/{thread.id}/{thread.slug}">' in page


def test_discussion_carries_discussion_forum_posting(anon, db: Session) -> None:
    author = make_user(db)
    thread = make_thread(db, author=author, category=make_category(db), kind=ThreadKind.discussion)
    page = anon.get(f"/t/{thread.id}/{thread.slug}").text
    block = re.search(r'<script type="application/ld\+json">(.*?)</script>', page, re.S)
    assert block and json.loads(block.group(1))["@type"] == "DiscussionForumPosting"


def test_sitemap_lists_public_threads_only_and_closed_boards_are_noindex(
    client, anon, db: Session
) -> None:
    member = make_user(db)
    closed = make_category(db, slug="intern", groups=[make_group(db, members=[member])])
    public = make_thread(
        db, author=member, category=make_category(db), title="Öffentliche Frage hier"
    )
    secret = make_thread(db, author=member, category=closed, title="Interne Frage im Kreis")
    urls = sitemap_urls(anon)
    assert f"http://testserver/t/{public.id}/{public.slug}" in urls
    assert not [url for url in urls if f"/t/{secret.id}/" in url]
    assert anon.get(f"/t/{secret.id}/{secret.slug}").status_code == 404
    _web_login(client, member)
    inside = client.get(f"/t/{secret.id}/{secret.slug}").text
    assert '<meta name="robots" content="noindex, nofollow">' in inside
    assert "application/ld+json" not in inside
    assert 'content="noindex' in client.get("/c/intern").text
    assert "noindex" not in anon.get(f"/t/{public.id}/{public.slug}").text
    assert "Sitemap: http://testserver/sitemap.xml" in anon.get("/robots.txt").text


def test_profile_lists_recent_posts_only_from_boards_the_viewer_sees(
    client, anon, db: Session
) -> None:
    member = make_user(db, nickname="Vielschreiber")
    closed = make_category(db, groups=[make_group(db, members=[member])])
    make_thread(db, author=member, category=make_category(db), title="Frage im offenen Bereich")
    make_thread(db, author=member, category=closed, title="Frage im geschlossenen Kreis")
    public = anon.get("/u/Vielschreiber").text
    assert "Frage im offenen Bereich" in public and "geschlossenen Kreis" not in public
    _web_login(client, member)
    assert "Frage im geschlossenen Kreis" in client.get("/u/Vielschreiber").text


def test_every_page_has_one_h1_labelled_fields_and_the_footer(client, anon, db: Session) -> None:
    member = make_user(db, nickname="Pruefer")
    category = make_category(db, slug="pruefung")
    thread = make_thread(db, author=member, category=category)
    post_id = make_reply(db, author=member, thread=thread).id
    public = [
        "/",
        "/c/pruefung",
        f"/t/{thread.id}/{thread.slug}",
        "/u/Pruefer",
        "/leaderboard",
        "/login",
        "/register",
        "/forgot-password",
        "/reset-password?token=x",
        "/impressum",
        "/gibt-es-nicht",
    ]
    own = ["/new", "/settings", f"/p/{post_id}/edit"]
    _web_login(client, member)
    for browser, paths in ((anon, public), (client, own + public[:3])):
        for path in paths:
            html = browser.get(path).text
            assert html.count("<h1") == 1, path
            assert 'href="/impressum"' in html and 'href="/datenschutz"' in html, path
            assert 'href="/netiquette"' in html, path
            for field in re.findall(r"<(?:input|textarea|select)\b[^>]*>", html):
                if 'type="hidden"' in field or " hidden" in field:
                    continue
                ident = re.search(r'id="([^"]+)"', field)
                assert ident and f'for="{ident.group(1)}"' in html, (path, field)
            assert "<script>" not in html and " style=" not in html, path


def test_an_unexpected_error_is_a_500_page_in_the_sites_look(app, db: Session, monkeypatch) -> None:
    from fastapi.testclient import TestClient

    from community.forum import boards

    def broken(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise RuntimeError("boom")

    monkeypatch.setattr(boards, "list_categories", broken)
    with TestClient(app, raise_server_exceptions=False) as browser:
        page = browser.get("/", headers={"Accept-Language": "en"})
    assert page.status_code == 500
    assert "<h1>An error occurred</h1>" in page.text
    assert 'href="/impressum"' in page.text and "/static/site.css" in page.text
    assert "boom" not in page.text


def test_a_locked_thread_says_so_and_offers_no_reply_form(client, anon, db: Session) -> None:
    from community.accounts.models import Role
    from community.accounts.viewer import viewer_for
    from community.forum import service as forum

    member = make_user(db, nickname="Schreiberin")
    moderator = make_user(db, role=Role.moderator)
    category = make_category(db, slug="zu")
    thread = make_thread(db, author=member, category=category, title="Ein erledigtes Thema hier")
    make_reply(db, author=make_user(db, nickname="Letzte"), thread=thread)
    forum.set_locked(db, viewer_for(db, moderator), thread.id, True)  # type: ignore[arg-type]
    db.commit()
    _web_login(client, member)
    page = client.get(f"/t/{thread.id}/{thread.slug}").text
    assert "Dieses Thema ist geschlossen." in page
    assert f'action="/t/{thread.id}/reply"' not in page and "Ihre Antwort" not in page
    assert "/edit" not in page  # a locked thread is not edited by its members
    board = anon.get("/c/zu").text
    assert "geschlossen" in board and "von Letzte" in board and "Frage" in board


def test_pages_without_a_route_of_their_own_speak_the_members_language(client, db: Session) -> None:
    """An address no route matched, and the sign-in pages, ran no dependency that said who is
    asking: they were German and signed out for a member who chose English."""
    member = make_user(db, nickname="Englisch_Lesende", locale="en")
    _web_login(client, member)
    german_browser = {"Accept-Language": "de"}
    for path in ("/gibt-es-nicht", "/login", "/register", "/forgot-password"):
        page = client.get(path, headers=german_browser)
        assert '<html lang="en"' in page.text, path
        assert "Englisch_Lesende" in page.text, path  # the header of a signed-in member
    missing = client.get("/gibt-es-nicht", headers=german_browser)
    assert missing.status_code == 404 and "Page not found" in missing.text


def test_a_members_404_stays_a_404_when_the_database_fails_meanwhile(
    client, db: Session, monkeypatch
) -> None:
    """The page of an address no route matches reads the member and the bell in a thread;
    a fault there leaves the page a visitor gets, never a 500 (or a read on the event loop)."""
    from sqlalchemy.exc import OperationalError

    from community.notifications import service as notifications

    member = make_user(db, nickname="Pech_Vogel")
    _web_login(client, member)

    def fails(*_args, **_kwargs):  # type: ignore[no-untyped-def]
        raise OperationalError("SELECT", {}, Exception("server closed the connection"))

    monkeypatch.setattr(notifications, "unread_count", fails)
    page = client.get("/gibt-es-nicht")
    assert page.status_code == 404
    assert "Seite nicht gefunden" in page.text and "Pech_Vogel" not in page.text


def test_empty_fields_come_back_on_the_form_without_javascript(client, db: Session) -> None:
    """A draft of the title alone, a preview before writing, a reply sent empty: each was a
    bare 422 page ("Die Eingabe ist ungültig") that lost what was typed."""
    board = make_category(db, slug="technik")
    member = make_user(db, nickname="Ohne_Skript")
    thread = make_thread(db, author=member, category=board, title="Router verliert Verbindung")
    _web_login(client, member)
    title = "Nur der Titel bisher, der Rest folgt"
    draft = _form_post(
        client, "/new", kind="question", category="technik", title=title, action="draft"
    )
    assert draft.status_code == 303
    assert f'value="{title}"' in client.get("/new").text  # the draft keeps the title
    preview = _form_post(client, "/new", kind="question", title=title, action="preview")
    assert preview.status_code == 200 and f'value="{title}"' in preview.text
    published = _form_post(client, "/new", kind="question", category="technik", title=title)
    assert published.status_code == 422 and "Der Beitrag ist leer." in published.text
    assert f'value="{title}"' in published.text
    reply = _form_post(client, f"/t/{thread.id}/reply")
    assert reply.status_code == 422 and "Der Beitrag ist leer." in reply.text
    edit = _form_post(client, f"/p/{thread.last_post_id}/edit", action="preview")
    assert edit.status_code == 200


def test_marking_read_says_so(client, db: Session) -> None:
    board = make_category(db, slug="technik")
    member = make_user(db, nickname="Leserin")
    make_thread(db, author=make_user(db), category=board)
    _web_login(client, member)
    board_read = _form_post(client, "/c/technik/read")
    assert board_read.status_code == 303
    assert "Alle Themen dieses Bereichs sind als gelesen markiert." in client.get("/c/technik").text
    all_read = _form_post(client, "/notifications/read")
    assert all_read.status_code == 303
    assert "Ihre Benachrichtigungen sind als gelesen markiert." in client.get("/notifications").text
