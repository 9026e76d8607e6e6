"""Kudos and accepted answers through the pages' forms (no JavaScript needed)."""

from __future__ import annotations

from tests.factories import make_category, make_reply, make_thread, make_user, sign_in


def _form_post(client, url, **fields):
    fields["csrf_token"] = client.cookies.get("community_csrf")
    return client.post(url, data=fields, follow_redirects=False)


def test_asker_thanks_and_accepts_on_the_thread_page(db, client, anon):
    board = make_category(db, slug="mobilfunk", name="Mobilfunk")
    asker = make_user(db, nickname="Fragerin")
    helper = make_user(db, nickname="Helferlein")
    thread = make_thread(
        db, author=asker, category=board, title="eSIM für zwanzig Handys einrichten"
    )
    answer = make_reply(
        db, author=helper, thread=thread, body="Im Kundencenter unter *SIM-Karten*."
    )
    sign_in(client, asker)
    page = client.get(f"/t/{thread.id}/{thread.slug}")
    assert "Als Lösung akzeptieren" in page.text
    assert "Kudos 0" in page.text

    assert _form_post(client, f"/p/{answer.id}/kudos").status_code == 303
    assert _form_post(client, f"/t/{thread.id}/solution", post_id=str(answer.id)).status_code == 303

    page = client.get(f"/t/{thread.id}/{thread.slug}").text
    assert "Akzeptierte Lösung" in page
    assert "Kudos 1" in page
    assert "Lösung zurücknehmen" in page
    # Visitors see the solved mark and the solution too, but no buttons.
    public = anon.get(f"/t/{thread.id}/{thread.slug}").text
    assert "Akzeptierte Lösung" in public
    assert "Als Lösung akzeptieren" not in public
    assert "Gelöst" in anon.get("/c/mobilfunk").text
    assert "Gelöst" in anon.get("/c/mobilfunk?solved=solved").text
    assert thread.title not in anon.get("/c/mobilfunk?solved=unsolved").text
    profile = anon.get("/u/Helferlein").text
    assert "Mitglied" in profile  # the rank beside the nickname
    assert "<dt>Punkte</dt><dd>20</dd>" in profile  # a reply 1, the solution 15, kudos 4


def test_a_form_without_the_csrf_token_changes_nothing(db, client):
    board = make_category(db)
    asker, helper = make_user(db), make_user(db)
    thread = make_thread(db, author=asker, category=board)
    answer = make_reply(db, author=helper, thread=thread)
    sign_in(client, asker)
    response = client.post(f"/p/{answer.id}/kudos", data={}, follow_redirects=False)
    assert response.status_code == 403
    assert client.get(f"/api/v1/posts/{answer.id}").json()["kudos_count"] == 0
