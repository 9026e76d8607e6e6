"""The search page as a member finds things with it: filters folded, results linked to
their canonical address, "Meinten Sie …?" from public words only, and "Frage stellen"
with the words carried over when nothing was found."""

from __future__ import annotations

import re
from collections.abc import Callable
from html import unescape

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import Session

from community.forum import searching
from community.forum.models import CategoryGroup
from community.jobs.worker import Worker
from tests.factories import make_category, make_group, make_thread, make_user, sign_in


@pytest.fixture
def run_jobs(engine: Engine) -> Callable[[], int]:
    return lambda: Worker(engine).run_until_empty()


def suggestion(page: str) -> str | None:
    found = re.search(r'class="did-you-mean">.*?<a href="([^"]+)"[^>]*><bdi>([^<]+)</bdi>', page)
    return unescape(found.group(2)) if found else None


def test_results_link_to_the_canonical_address_and_filters_are_folded(
    anon: TestClient, db: Session, run_jobs: Callable[[], int]
) -> None:
    board = make_category(db, slug="netz")
    thread = make_thread(db, author=make_user(db), category=board, title="Glasfaser im Altbau")
    run_jobs()
    page = anon.get("/search", params={"q": "Glasfaser"}).text
    assert f'href="/t/{thread.id}/{thread.slug}"' in page
    assert f'href="/t/{thread.id}"' not in page
    # The filters sit inside one <details>, closed; the words and the button outside it.
    details = page.split('<details class="search-filters">')[1].split("</details>")[0]
    assert 'name="board"' in details and 'name="solved"' in details and 'name="kind"' in details
    assert 'name="q"' not in details
    # Its feed is offered.
    assert '<link rel="alternate" type="application/atom+xml"' in page
    assert 'href="/search.atom?q=Glasfaser"' in page


def test_did_you_mean_offers_a_known_word_that_finds_more(
    anon: TestClient, db: Session, run_jobs: Callable[[], int]
) -> None:
    board = make_category(db, slug="buero")
    author = make_user(db)
    make_thread(db, author=author, category=board, title="Drucker druckt nur leere Seiten")
    make_thread(db, author=author, category=board, title="Welcher Drucker für das Büro?")
    run_jobs()
    page = anon.get("/search", params={"q": "Drucekr", "board": "buero"}).text
    assert "0 Treffer" in page
    assert suggestion(page) == "Drucker"
    assert 'href="/search?q=Drucker&amp;board=buero' in page
    assert "2 Treffer" in anon.get("/search", params={"q": "Drucker"}).text
    # A word the engine already finds (one typo) gets no suggestion: it would find no more.
    assert suggestion(anon.get("/search", params={"q": "Druckre"}).text) is None
    # Nor does a word that is spelt right.
    assert suggestion(anon.get("/search", params={"q": "Drucker"}).text) is None


def test_did_you_mean_never_reveals_a_word_of_a_closed_board(
    client: TestClient, anon: TestClient, db: Session, run_jobs: Callable[[], int]
) -> None:
    member = make_user(db)
    group = make_group(db, members=[member])
    closed = make_category(db, slug="grosskunden", groups=[group])
    public = make_category(db, slug="offen")
    make_thread(db, author=member, category=closed, title="Quartalsbonus für Rahmenverträge")
    make_thread(db, author=member, category=public, title="Rahmenverträge kündigen")
    run_jobs()
    # Three typos: an outsider finds nothing, and is offered no word of the closed board.
    typed = "Quatralsbnous"
    for browser in (anon, client):
        page = browser.get("/search", params={"q": typed}).text
        assert "0 Treffer" in page
        assert suggestion(page) is None and "Quartalsbonus" not in page
    sign_in(client, member)
    page = client.get("/search", params={"q": typed}).text
    assert suggestion(page) is None
    assert "quartalsbonus" not in searching.public_vocabulary(db)


def test_nothing_found_offers_to_ask_with_the_words_carried_over(
    client: TestClient, anon: TestClient, db: Session, run_jobs: Callable[[], int]
) -> None:
    make_category(db, slug="vpn")
    run_jobs()
    ask = re.compile(r'<a class="button" href="([^"]+)">Frage stellen</a>')
    params = {"q": "VPN Tunnel bricht ab", "board": "vpn"}
    sign_in(client, make_user(db))
    page = client.get("/search", params=params).text
    assert "0 Treffer" in page
    link = unescape(ask.search(page).group(1))  # type: ignore[union-attr]
    assert link == "/new?title=VPN+Tunnel+bricht+ab&board=vpn"
    assert 'value="VPN Tunnel bricht ab"' in client.get(link).text
    # A visitor signs in first, and comes back to the form with the words.
    link = unescape(ask.search(anon.get("/search", params=params).text).group(1))  # type: ignore[union-attr]
    assert link == "/login?next=/new%3Ftitle%3DVPN%2BTunnel%2Bbricht%2Bab%26board%3Dvpn"
    login = anon.get(link).text
    assert 'value="/new?title=VPN+Tunnel+bricht+ab&amp;board=vpn"' in login


def test_a_board_closed_later_takes_its_words_out_of_the_suggestions_at_once(
    anon: TestClient, db: Session, run_jobs: Callable[[], int]
) -> None:
    board = make_category(db, slug="bald-geschlossen")
    make_thread(db, author=make_user(db), category=board, title="Quartalsbonus für Rahmenverträge")
    run_jobs()
    assert "quartalsbonus" in searching.public_vocabulary(db)
    group = make_group(db)
    assert board.id is not None and group.id is not None
    db.add(CategoryGroup(category_id=board.id, group_id=group.id))
    db.commit()
    assert "quartalsbonus" not in searching.public_vocabulary(db)
    assert suggestion(anon.get("/search", params={"q": "Quatralsbnous"}).text) is None


def test_a_visitor_sent_to_the_ask_form_keeps_the_words_through_the_login(
    anon: TestClient,
) -> None:
    # The start page box and the header send visitors to /new with the title typed.
    answer = anon.get("/new?title=Fax%20am%20IP-Anschluss&board=festnetz", follow_redirects=False)
    assert answer.status_code == 303
    assert (
        answer.headers["location"]
        == "/login?next=/new%3Ftitle%3DFax%2520am%2520IP-Anschluss%26board%3Dfestnetz"
    )
    login = anon.get(answer.headers["location"]).text
    assert 'value="/new?title=Fax%20am%20IP-Anschluss&amp;board=festnetz"' in login
