"""FAQ curation in plain HTML (/admin/faq): drafts per board with their source thread, edit
with a preview of the public entry, publish under the four-eyes rule (the page says why the
button is disabled), withdraw; a curator sees only drafts of boards they may see."""

from __future__ import annotations

import re

import pytest
from sqlmodel import Session

from community.accounts.models import Role
from community.faq.models import FaqEntry, FaqStatus
from tests.factories import make_category, make_group, make_user, sign_in
from tests.faq.test_faq import entry_of, solved


def _post(client, url, **fields):  # type: ignore[no-untyped-def]
    fields["csrf_token"] = client.cookies.get("community_csrf")
    return client.post(url, data=fields, follow_redirects=False)


def entry_of_id(db: Session, faq_id: int) -> FaqEntry:
    db.expire_all()
    entry = db.get(FaqEntry, faq_id)
    assert entry is not None
    return entry


@pytest.fixture
def people(db: Session):  # type: ignore[no-untyped-def]
    return (
        make_user(db, nickname="Expertin", role=Role.expert, staff=True),
        make_user(db, nickname="Moderator", role=Role.moderator, staff=True),
    )


def test_drafts_are_listed_per_board_with_their_thread_for_curators_only(db, client, people):
    expert, _mod = people
    thread = solved(db, board=make_category(db, slug="router", name="Router"))
    entry = entry_of(db, thread)
    sign_in(client, make_user(db, nickname="Mitglied"))
    assert client.get("/admin/faq").status_code == 403
    assert client.get(f"/admin/faq/{entry.id}").status_code == 403
    assert _post(client, f"/admin/faq/{entry.id}/publish").status_code == 403

    sign_in(client, expert)
    page = client.get("/admin/faq").text
    assert 'href="/c/router"' in page and ">Router</a>" in page
    assert f'href="/admin/faq/{entry.id}"' in page and "WLAN bricht ab" in page
    assert f'href="/t/{thread.id}/{thread.slug}"' in page
    assert "Vier-Augen-Prinzip" in page


def test_a_curator_outside_a_closed_board_sees_neither_its_drafts_nor_the_entry(db, client, people):
    expert, mod = people
    asker, helper = make_user(db, nickname="Fragerin"), make_user(db, nickname="Helfer")
    insiders = make_group(db, slug="grosskunden", members=[asker, helper])
    closed = make_category(db, slug="intern", name="Intern", groups=[insiders])
    entry = entry_of(db, solved(db, board=closed, asker=asker, helper=helper))
    sign_in(client, expert)
    assert "WLAN bricht ab" not in client.get("/admin/faq").text
    assert client.get(f"/admin/faq/{entry.id}").status_code == 404
    assert _post(client, f"/admin/faq/{entry.id}/withdraw").status_code == 404
    sign_in(client, mod)
    assert "WLAN bricht ab" in client.get("/admin/faq").text


def test_edit_preview_and_four_eyes_publish(db, client, people):
    expert, mod = people
    entry = entry_of(db, solved(db))
    sign_in(client, expert)
    fields = {
        "question_title": "WLAN bricht regelmäßig ab",
        "question_text": "Seit dem Update bricht **das WLAN** ab.",
        "answer_text": "Kanal 36 fest einstellen.",
    }
    preview = _post(client, f"/admin/faq/{entry.id}", action="preview", **fields)
    assert preview.status_code == 200
    assert "<strong>das WLAN</strong>" in preview.text and "nicht gespeichert" in preview.text
    assert entry_of_id(db, entry.id).question_title == "WLAN bricht ab"  # not saved

    refused = _post(client, f"/admin/faq/{entry.id}", **{**fields, "answer_text": "  "})
    assert refused.status_code == 422
    assert "Die Antwort muss 1 bis 20.000 Zeichen lang sein." in refused.text
    assert 'value="WLAN bricht regelmäßig ab"' in refused.text  # what was typed stays

    saved = _post(client, f"/admin/faq/{entry.id}", **fields)
    assert saved.status_code == 303
    page = client.get(saved.headers["location"]).text
    assert "Der Entwurf ist gespeichert." in page
    # The editor may not publish: the button is disabled and the page says why.
    button = re.search(r'<button class="button"( disabled[^>]*)?>Veröffentlichen', page)
    assert button is not None and button.group(1)
    assert "Wer den Eintrag zuletzt bearbeitet hat" in page
    assert _post(client, f"/admin/faq/{entry.id}/publish").status_code == 403

    sign_in(client, mod)
    page = client.get(f"/admin/faq/{entry.id}").text
    assert '<button class="button">Veröffentlichen' in page
    published = _post(client, f"/admin/faq/{entry.id}/publish")
    assert published.status_code == 303
    assert "Der Eintrag ist veröffentlicht." in client.get(published.headers["location"]).text
    stored = entry_of_id(db, entry.id)
    assert stored.status == FaqStatus.published.value
    assert stored.published_title == "WLAN bricht regelmäßig ab"
    # The entry's history names both steps, in order.
    history = client.get(f"/admin/faq/{entry.id}").text.split("Verlauf des Eintrags", 1)[1]
    assert "Expertin" in history and "Moderator" in history
    assert history.index("Expertin") < history.index("Moderator")


def test_withdraw_takes_the_entry_out_and_is_audited(db, client, people):
    expert, mod = people
    entry = entry_of(db, solved(db))
    sign_in(client, mod)
    _post(client, f"/admin/faq/{entry.id}/publish")
    assert "WLAN bricht ab" in client.get("/admin/faq").text  # under published entries
    sign_in(client, expert)
    withdrawn = _post(client, f"/admin/faq/{entry.id}/withdraw")
    assert withdrawn.status_code == 303
    assert "Der Eintrag ist zurückgezogen." in client.get(withdrawn.headers["location"]).text
    stored = entry_of_id(db, entry.id)
    assert stored.status == FaqStatus.withdrawn.value and not stored.live
    sign_in(client, make_user(db, nickname="Chefin", role=Role.admin))
    log = client.get("/admin/audit-log?action=faq.withdraw").text
    assert "Expertin</a> hat den FAQ-Eintrag zu „" in log and "zurückgezogen" in log


def test_an_expert_finds_the_faq_curation_in_the_header_and_a_member_does_not(db, client, people):
    expert, _mod = people
    sign_in(client, make_user(db, nickname="Mitglied"))
    assert 'href="/admin/faq"' not in client.get("/").text
    sign_in(client, expert)
    assert 'href="/admin/faq"' in client.get("/").text


def test_a_board_links_its_faq_and_the_faq_page_speaks_english(db, client) -> None:  # type: ignore[no-untyped-def]
    make_category(db, slug="router", name="Router")
    board = client.get("/c/router", headers={"Accept-Language": "en"}).text
    assert 'href="/c/router/faq"' in board and "Frequently asked questions" in board
    faq = client.get("/c/router/faq", headers={"Accept-Language": "en"}).text
    assert "Frequently asked questions: Router" in faq
    assert "There are no FAQ entries for this board yet." in faq
    assert "Häufige Fragen" not in faq
