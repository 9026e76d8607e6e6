"""Staff tools of issue 14 in plain HTML: a moderator's decisions on any post from the thread
page (no report needed), the list of hidden and deleted posts, the report form's labels, and
the audit log written for people. Every form is a POST with the CSRF field, as without
JavaScript; the pages refuse whom the API refuses."""

from __future__ import annotations

import html
import re
from datetime import timedelta

import pytest
from sqlmodel import select

from community.accounts.models import Role
from community.clock import utcnow
from community.forum.models import Post, Thread
from community.moderation.models import AuditEntry
from tests.factories import make_category, make_reply, make_thread, make_user, sign_in


def _post(client, url, **fields):  # type: ignore[no-untyped-def]
    fields["csrf_token"] = client.cookies.get("community_csrf")
    return client.post(url, data=fields, follow_redirects=False)


@pytest.fixture
def world(db):
    board = make_category(db, slug="technik", name="Technik")
    make_category(db, slug="mobilfunk", name="Mobilfunk")
    author = make_user(db, nickname="Schreiber")
    thread = make_thread(
        db, author=author, category=board, title="Router verliert nachts die Verbindung zum Netz"
    )
    reply = make_reply(db, author=author, thread=thread, body="Kauft Zauberpillen bei mir")
    mod = make_user(db, nickname="Sabine_vom_Team", role=Role.moderator)
    return board, author, thread, reply, mod


def _thread_url(thread: Thread) -> str:
    return f"/t/{thread.id}/{thread.slug}"


def test_moderator_sees_tools_on_every_post_without_a_report_others_do_not(db, client, world):
    _board, author, thread, reply, mod = world
    expert = make_user(db, nickname="Fachfrau", role=Role.expert)
    for who in (author, expert):
        sign_in(client, who)
        page = client.get(_thread_url(thread)).text
        assert f'action="/moderation/posts/{reply.id}/hide"' not in page
    sign_in(client, mod)
    page = client.get(_thread_url(thread)).text
    assert f'action="/moderation/posts/{reply.id}/hide"' in page
    assert f'action="/moderation/posts/{reply.id}/delete"' in page
    assert f'href="/moderation/posts/{reply.id}/edit"' in page
    # The thread's own tools sit on the opening post only.
    assert page.count(f'action="/moderation/threads/{thread.id}/lock"') == 1
    assert f'action="/moderation/threads/{thread.id}/move"' in page
    assert f'action="/moderation/threads/{thread.id}/duplicate"' in page


def test_member_and_expert_cannot_hide_a_post_from_its_form(db, client, world):
    _board, author, _thread, reply, _mod = world
    for who in (author, make_user(db, nickname="Fachmann", role=Role.expert)):
        sign_in(client, who)
        refused = _post(client, f"/moderation/posts/{reply.id}/hide", reason="Spam", back="/")
        assert refused.status_code == 403
        assert _post(client, "/moderation/hidden").status_code == 405
        assert client.get("/moderation/hidden").status_code == 403
    db.expire_all()
    assert not db.get(Post, reply.id).is_hidden


def test_hide_from_the_thread_page_greys_the_post_for_staff_and_offers_restore(
    db, client, anon, world
):
    _board, _author, thread, reply, mod = world
    sign_in(client, mod)
    back = f"{_thread_url(thread)}#post-{reply.id}"
    done = _post(client, f"/moderation/posts/{reply.id}/hide", reason="Spam", back=back)
    assert done.status_code == 303 and done.headers["location"] == back

    public = anon.get(_thread_url(thread)).text
    assert "Zauberpillen" not in public and "Grund: Spam" in public
    staff = client.get(_thread_url(thread)).text
    article = re.search(rf'<article class="([^"]*)" id="post-{reply.id}"', staff)
    assert article is not None and "is-hidden" in article.group(1)
    assert "Zauberpillen" in staff
    assert f'action="/moderation/posts/{reply.id}/restore"' in staff
    assert f'action="/moderation/posts/{reply.id}/hide"' not in staff

    restored = _post(client, f"/moderation/posts/{reply.id}/restore", back=back)
    assert restored.status_code == 303
    assert "Zauberpillen" in anon.get(_thread_url(thread)).text


def test_a_refused_hide_shows_the_thread_again_with_the_tools_open(db, client, world):
    _board, _author, thread, reply, mod = world
    sign_in(client, mod)
    back = f"{_thread_url(thread)}#post-{reply.id}"
    refused = _post(client, f"/moderation/posts/{reply.id}/hide", reason=" ", back=back)
    assert refused.status_code == 422
    assert "Bitte geben Sie einen Grund an." in refused.text
    assert '<details class="mod-tools" open>' in refused.text
    assert "Router verliert nachts" in refused.text  # the thread page, not the queue
    # The duplicate form keeps what was typed.
    bad = _post(
        client,
        f"/moderation/threads/{thread.id}/duplicate",
        original="kein Thema",
        back=_thread_url(thread),
    )
    assert bad.status_code == 422 and 'value="kein Thema"' in bad.text


def test_delete_lock_move_and_duplicate_from_the_thread_page(db, client, world):
    board, author, thread, reply, mod = world
    original = make_thread(db, author=author, category=board, title="Das Original zum Router")
    sign_in(client, mod)
    back = _thread_url(thread)
    assert _post(client, f"/moderation/posts/{reply.id}/delete", reason="Werbung", back=back)
    for action, fields in (
        ("lock", {}),
        ("move", {"category": "mobilfunk"}),
        ("duplicate", {"original": f"/t/{original.id}/{original.slug}"}),
    ):
        answer = _post(client, f"/moderation/threads/{thread.id}/{action}", back=back, **fields)
        assert answer.status_code == 303 and answer.headers["location"] == back
    # Back on the thread, the page says what was done (it said nothing)
    assert "Das Thema ist als Duplikat geschlossen." in client.get(back).text
    db.expire_all()
    stored = db.get(Thread, thread.id)
    assert stored.is_locked and stored.duplicate_of_thread_id == original.id
    assert stored.category_id != board.id
    assert db.get(Post, reply.id).is_deleted
    page = client.get(back).text
    assert "Gelöscht; nur für das Moderationsteam sichtbar." in page
    assert f'action="/moderation/threads/{thread.id}/unlock"' in page
    assert f'action="/moderation/threads/{thread.id}/not-duplicate"' in page


def test_a_back_address_elsewhere_is_not_followed(db, client, world):
    reply, mod = world[3], world[4]
    sign_in(client, mod)
    done = _post(
        client, f"/moderation/posts/{reply.id}/hide", reason="Spam", back="//evil.example/x"
    )
    assert done.status_code == 303 and done.headers["location"] == "/"


def test_hidden_list_shows_hidden_and_deleted_posts_and_restores_them(db, client, world):
    _board, author, thread, reply, mod = world
    other = make_reply(db, author=author, thread=thread, body="Noch mehr Zauberpillen")
    sign_in(client, mod)
    assert "Keine ausgeblendeten" in client.get("/moderation/hidden").text
    _post(client, f"/moderation/posts/{reply.id}/hide", reason="Spam", back="/")
    _post(client, f"/moderation/posts/{other.id}/delete", reason="Werbung", back="/")

    page = client.get("/moderation/hidden").text
    assert f'href="{_thread_url(thread)}#post-{reply.id}"' in page
    assert "Grund: Spam" in page and "gelöscht" in page and 'href="/c/technik"' in page
    assert page.index(f"h-{other.id}") < page.index(f"h-{reply.id}")  # newest first
    assert 'href="/moderation/hidden"' in client.get("/moderation").text

    restored = _post(
        client, f"/moderation/posts/{other.id}/restore", back="/moderation/hidden?done=restore"
    )
    assert restored.status_code == 303
    after = client.get(restored.headers["location"]).text
    assert "Der Beitrag ist wiederhergestellt." in after and f"h-{other.id}" not in after
    db.expire_all()
    assert not db.get(Post, other.id).is_deleted


def test_report_form_puts_each_radio_inside_its_own_label(db, client, world):
    reply = world[3]
    sign_in(client, make_user(db, nickname="Leserin"))
    form = client.get(f"/p/{reply.id}/report").text
    labels = re.findall(
        r'<label class="reason-choice" for="reason-(\w+)">(.*?)</label>', form, re.S
    )
    assert [value for value, _ in labels] == ["spam", "insult", "unlawful", "off_topic", "other"]
    for value, inner in labels:
        assert f'id="reason-{value}"' in inner  # the button sits in the label naming it


def test_audit_log_tells_each_entry_as_a_sentence_with_links(db, client, world):
    _board, _author, thread, reply, mod = world
    sign_in(client, mod)
    _post(client, f"/moderation/posts/{reply.id}/hide", reason="Spam", back="/")
    _post(client, f"/moderation/threads/{thread.id}/move", category="mobilfunk", back="/")
    sign_in(client, make_user(db, nickname="Chefin", role=Role.admin))
    page = client.get("/admin/audit-log").text
    sentence = (
        '<a href="/u/Sabine_vom_Team">Sabine_vom_Team</a> hat den Beitrag '
        f'<a href="/t/{thread.id}/{thread.slug}#post-{reply.id}">#{reply.id}</a> in '
        f'„<a href="/t/{thread.id}/{thread.slug}">Router verliert nachts die Verbindung z…</a>“ '
        "ausgeblendet: Spam"
    )
    assert sentence in page, re.findall(r"audit-sentence\">(.*?)</p>", page)
    assert 'von <a href="/c/technik">Technik</a> nach <a href="/c/mobilfunk">Mobilfunk</a>' in page
    # Before and after as a list; the stored JSON only inside a <details>, umlauts as they are.
    assert "<strong>Beitrag ausgeblendet:</strong> nein → ja" in page
    raw = html.unescape(page[page.index('<details class="audit-raw">') :])
    assert '"hidden_reason": "Spam"' in raw

    sign_in(client, make_user(db, nickname="Boss", role=Role.admin, locale="en"))
    english = client.get("/admin/audit-log").text
    assert "hid post" in english and "<strong>Post hidden:</strong> no → yes" in english


def test_audit_log_filters_by_actor_action_object_and_date_and_pages(db, client, world):
    _board, _author, thread, reply, mod = world
    sign_in(client, mod)
    _post(client, f"/moderation/posts/{reply.id}/hide", reason="Spam", back="/")
    _post(client, f"/moderation/threads/{thread.id}/lock", back="/")
    sign_in(client, make_user(db, nickname="Chefin", role=Role.admin))

    def actions(query: str) -> list[str]:
        page = client.get(f"/admin/audit-log?{query}").text
        return re.findall(r"<code>([a-z_.-]+)</code>", page)

    assert actions("actor=sabine_vom_team") == ["thread.lock", "post.hide"]
    assert actions("actor=Chefin") == []
    assert actions("action=post.hide") == ["post.hide"]
    assert actions("target_type=thread") == ["thread.lock"]
    today = utcnow().date()
    assert actions(f"since={today}&until={today}") == ["thread.lock", "post.hide"]
    assert actions(f"until={today - timedelta(days=1)}") == []
    bad = client.get("/admin/audit-log?since=gestern")
    assert bad.status_code == 422 and 'value="gestern"' in bad.text
    assert "JJJJ-MM-TT" in bad.text

    # Paging: 50 to a page, the link keeps the filter.
    entry = db.exec(select(AuditEntry)).first()
    for _ in range(55):
        db.add(
            AuditEntry(
                actor="Sabine_vom_Team",
                actor_id=mod.id,
                action="thread.lock",
                target_type="thread",
                target_id=thread.id,
                before=entry.before,
                after=entry.after,
            )
        )
    db.commit()
    first = client.get("/admin/audit-log?action=thread.lock").text
    older = re.search(r'href="(/admin/audit-log\?action=thread.lock&amp;before_id=\d+)"', first)
    assert older is not None
    rest = client.get(older.group(1).replace("&amp;", "&")).text
    assert len(re.findall(r"<code>thread.lock</code>", rest)) == 6


def test_audit_log_is_for_admins_only(db, client, world):
    mod = world[4]
    sign_in(client, mod)
    assert client.get("/admin/audit-log").status_code == 403
    sign_in(client, make_user(db, nickname="Fachmann", role=Role.expert))
    assert client.get("/admin/audit-log").status_code == 403
    client.cookies.clear()
    assert client.get("/admin/audit-log", follow_redirects=False).status_code == 303


def test_statistics_table_scrolls_by_keyboard_and_every_chart_has_a_title(db, client, world):
    sign_in(client, make_user(db, nickname="Chefin", role=Role.admin))
    page = client.get("/admin/stats").text
    assert '<div class="table-scroll" tabindex="0" role="region" aria-labelledby=' in page
    assert page.count('<figcaption class="chart-title">') == 2
    assert '<figcaption class="chart-title">Zeit bis zur ersten Antwort</figcaption>' in page


def test_the_staff_tools_in_english_show_no_german_text(db, client, world) -> None:  # type: ignore[no-untyped-def]
    from tests.faq.test_faq import entry_of, solved
    from tests.web.test_admin_pages import _german_texts, _Texts

    _board, _author, thread, reply, _mod = world
    admin = make_user(db, nickname="Admina", role=Role.admin, locale="en")
    entry = entry_of(db, solved(db, board=make_category(db, slug="router", name="Router")))
    sign_in(client, admin)
    _post(client, f"/moderation/posts/{reply.id}/hide", reason="Spam", back="/")
    refused = _post(client, f"/moderation/posts/{reply.id}/restore", back="/")
    german = _german_texts()
    pages = [
        client.get(p).text
        for p in (
            _thread_url(thread),
            f"/p/{reply.id}/report",
            "/moderation",
            "/moderation/hidden",
            "/admin/audit-log",
            "/admin/faq",
            f"/admin/faq/{entry.id}",
            "/admin/stats",
            "/admin/webhooks",
            "/admin/tokens",
            "/admin/ranks",
            "/admin/legal",
        )
    ]
    leaked = []
    for html_text in [*pages, refused.text]:
        parser = _Texts()
        parser.feed(html_text)
        leaked += [t for t in parser.found if t in german or t.rstrip(":") in german]
    assert leaked == [], "\n".join(leaked)
