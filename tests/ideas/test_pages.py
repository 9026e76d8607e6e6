"""The ideas pages: the board list with counts and status badges, the vote button as a
plain form, the staff status and merge forms (keeping what was typed when refused), the
ask flow on an ideas board, and a closed board's ideas for an outsider."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from community.accounts.models import Role
from community.forum.models import ThreadKind
from community.ideas.models import Idea
from community.jobs.worker import Worker
from community.notifications.models import Notification
from tests.factories import make_category, make_group, make_thread, make_user, sign_in
from tests.ideas.helpers import make_idea, make_idea_board


def _token(client) -> str:  # type: ignore[no-untyped-def]
    return client.headers["X-CSRF-Token"]


def test_board_lists_ideas_with_votes_and_status_and_vote_works_without_js(db, make_client):
    board = make_idea_board(db)
    idea = make_idea(db, author=make_user(db), board=board, title="Rechnungen als CSV exportieren")
    browser = make_client()
    sign_in(browser, make_user(db))
    assert browser.get("/c/ideen", follow_redirects=False).headers["location"] == "/ideas/ideen"
    page = browser.get(f"/t/{idea.id}/{idea.slug}")
    assert "Für diese Idee stimmen" in page.text and "0 Stimmen" in page.text
    voted = browser.post(
        f"/ideas/{idea.id}/vote", data={"csrf_token": _token(browser)}, follow_redirects=True
    )
    assert voted.status_code == 200
    assert "Ihre Stimme für diese Idee ist gezählt." in voted.text
    assert "1 Stimme" in voted.text and "Stimme zurücknehmen" in voted.text
    listing = browser.get("/ideas/ideen?sort=votes")
    assert "Rechnungen als CSV exportieren" in listing.text
    assert re.search(r'class="badge idea-status status-new">neu<', listing.text)
    assert "Ihre Stimme" in listing.text
    browser.post(f"/ideas/{idea.id}/unvote", data={"csrf_token": _token(browser)})
    db.expire_all()
    assert db.get(Idea, idea.id).vote_count == 0  # type: ignore[union-attr]
    assert browser.get("/ideas/ideen?sort=sideways").status_code == 422


def test_staff_status_form_sets_status_and_note_and_the_author_is_told(db, make_client):
    board = make_idea_board(db)
    author = make_user(db)
    idea = make_idea(db, author=author, board=board, title="Rückrufservice online buchen")
    staff = make_client()
    sign_in(staff, make_user(db, staff=True))
    form = staff.get(f"/ideas/{idea.id}/status")
    assert form.status_code == 200 and 'name="note"' in form.text
    too_long = "x" * 2001
    refused = staff.post(
        f"/ideas/{idea.id}/status",
        data={"csrf_token": _token(staff), "status": "planned", "note": too_long},
    )
    assert refused.status_code == 422 and too_long in refused.text  # kept what was typed
    done = staff.post(
        f"/ideas/{idea.id}/status",
        data={"csrf_token": _token(staff), "status": "planned", "note": "Kommt im Mai."},
        follow_redirects=True,
    )
    assert "Der Status der Idee ist gespeichert." in done.text and "Kommt im Mai." in done.text
    proposer = make_client()
    sign_in(proposer, author)
    notices = proposer.get("/notifications")
    assert "hat einen neuen Status: geplant" in notices.text
    member = make_client()
    sign_in(member, make_user(db))
    assert member.get(f"/ideas/{idea.id}/status").status_code == 403
    assert "Status setzen" not in member.get(f"/t/{idea.id}/{idea.slug}").text


def test_merge_form_merges_and_refuses_a_bad_number_on_the_form(db, make_client):
    board = make_idea_board(db)
    author = make_user(db)
    target = make_idea(db, author=author, board=board, title="Mehrere Ansprechpartner")
    dup = make_idea(db, author=author, board=board, title="Zweiter Ansprechpartner")
    staff = make_client()
    sign_in(staff, make_user(db, role=Role.moderator))
    bad = staff.post(
        f"/ideas/{dup.id}/merge", data={"csrf_token": _token(staff), "into_thread_id": "abc"}
    )
    assert bad.status_code == 422 and "die bleiben soll" in bad.text and 'value="abc"' in bad.text
    merged = staff.post(
        f"/ideas/{dup.id}/merge",
        data={"csrf_token": _token(staff), "into_thread_id": str(target.id)},
        follow_redirects=True,
    )
    assert "Die Ideen sind zusammengeführt." in merged.text
    duplicate_page = staff.get(f"/t/{dup.id}/{dup.slug}")
    assert "ihre Stimmen zählen dort" in duplicate_page.text


def test_ask_flow_on_an_ideas_board_proposes_an_idea(db, make_client):
    make_idea_board(db)
    browser = make_client()
    sign_in(browser, make_user(db))
    form = browser.get("/new?board=ideen")
    assert "<h1>Idee vorschlagen</h1>" in form.text and 'name="kind" value="idea"' in form.text
    posted = browser.post(
        "/new",
        data={
            "csrf_token": _token(browser),
            "kind": "idea",
            "category": "ideen",
            "title": "Störungen per SMS abonnieren",
            "body": "Dann wüsste ich sofort Bescheid.",
        },
        follow_redirects=True,
    )
    assert posted.status_code == 200 and "Für diese Idee stimmen" not in posted.text  # own idea
    assert db.execute(select(Idea)).scalars().one().status == "new"


@pytest.mark.parametrize("who", ["anonymous", "outsider", "staff_outside"])
def test_closed_board_idea_pages_are_404_for_outsiders(db, make_client, who):
    insider = make_user(db)
    board = make_idea_board(db, slug="ideen-kunden", groups=[make_group(db, members=[insider])])
    idea = make_idea(db, author=insider, board=board, title="Vertrauliche Idee der Großkunden")
    browser = make_client()
    if who != "anonymous":
        sign_in(browser, make_user(db, staff=who == "staff_outside"))
    paths = ["/ideas/ideen-kunden", f"/t/{idea.id}"]
    if who != "anonymous":  # a visitor is sent to sign in first
        paths.append(f"/ideas/{idea.id}/status")
    for path in paths:
        page = browser.get(path)
        assert page.status_code == 404, path
        assert "Vertrauliche Idee" not in page.text
    if who != "anonymous":
        vote = browser.post(f"/ideas/{idea.id}/vote", data={"csrf_token": _token(browser)})
        assert vote.status_code == 404
    assert db.execute(select(Notification)).first() is None


def test_similar_ideas_list_ideas_only_while_similar_questions_list_both(db, make_client, engine):
    author = make_user(db)
    idea = make_idea(
        db, author=author, board=make_idea_board(db), title="Rechnung als PDF per Mail"
    )
    question = make_thread(
        db,
        author=author,
        category=make_category(db, slug="rechnung"),
        title="Rechnung als PDF per Mail?",
        kind=ThreadKind.question,
    )
    Worker(engine).run_until_empty()
    browser = make_client()
    sign_in(browser, make_user(db))
    words = "Rechnung als PDF"
    idea_link, question_link = f'href="/t/{idea.id}"', f'href="/t/{question.id}"'
    # while typing (htmx), without JavaScript, and when the title comes along in the URL
    typed = browser.get("/search/similar", params={"title": words, "kind": "idea"}).text
    sent = browser.post(
        "/new/similar",
        data={"csrf_token": _token(browser), "kind": "idea", "category": "ideen", "title": words},
    ).text
    carried = browser.get("/new", params={"board": "ideen", "title": words}).text
    for page in (typed, sent, carried):
        assert "Ähnliche Ideen" in page and idea_link in page and question_link not in page
    asking = browser.get("/search/similar", params={"title": words, "kind": "question"}).text
    assert idea_link in asking and question_link in asking
    api = browser.get("/api/v1/threads/similar", params={"title": words, "kind": "idea"}).json()
    assert [h["id"] for h in api["items"]] == [idea.id]


def test_the_notice_setting_for_ideas_names_status_changes_and_merges(db, make_client):
    member = make_user(db)
    browser = make_client()
    sign_in(browser, member)
    page = browser.get("/settings").text
    assert '<label for="notify-idea">Ihre und von Ihnen unterstützte Ideen: neuer Status, ' in page
    assert "Zusammenführung</label>" in page
    member.locale = "en"
    db.add(member)
    db.commit()
    english = browser.get("/settings").text
    assert "Your ideas and ideas you voted for: new status, merged</label>" in english


def test_an_ideas_board_can_be_followed_and_has_its_feed(db, make_client, anon):
    make_idea_board(db)
    member = make_client()
    sign_in(member, make_user(db))
    page = member.get("/ideas/ideen").text
    assert 'action="/c/ideen/watch"' in page and "Bereich folgen" in page
    assert 'href="/c/ideen/feed.atom"' in anon.get("/ideas/ideen").text
    assert "solved.atom" not in page  # ideas are not solved
    followed = member.post("/c/ideen/watch", data={"csrf_token": _token(member), "action": "watch"})
    assert followed.status_code == 200 and "Bereich nicht mehr folgen" in followed.text


def test_a_merge_into_a_number_that_is_no_idea_is_refused_on_the_form(db, make_client):
    board = make_idea_board(db)
    author = make_user(db)
    dup = make_idea(db, author=author, board=board, title="Zweiter Ansprechpartner")
    target = make_idea(db, author=author, board=board, title="Mehrere Ansprechpartner")
    gone = make_idea(db, author=author, board=board, title="Ansprechpartner je Standort")
    question = make_thread(db, author=author, category=make_category(db), title="Nur eine Frage")
    staff = make_client()
    sign_in(staff, make_user(db, role=Role.moderator))
    merged = staff.post(
        f"/ideas/{gone.id}/merge",
        data={"csrf_token": _token(staff), "into_thread_id": str(target.id)},
    )
    assert merged.status_code == 200
    for number, message in (
        ("99999", "Unter dieser Nummer gibt es keine Idee."),
        (str(question.id), "Unter dieser Nummer gibt es keine Idee."),
        (str(gone.id), "Diese Idee ist selbst schon zusammengeführt"),
    ):
        refused = staff.post(
            f"/ideas/{dup.id}/merge", data={"csrf_token": _token(staff), "into_thread_id": number}
        )
        assert refused.status_code == 422, number
        assert message in refused.text and f'value="{number}"' in refused.text
    in_english = make_client()
    sign_in(in_english, make_user(db, role=Role.moderator, locale="en"))
    status_page = in_english.get(f"/ideas/{dup.id}/status").text
    assert "“Zweiter Ansprechpartner”" in status_page  # English quotation marks
