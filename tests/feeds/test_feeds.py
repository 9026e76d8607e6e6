"""Atom feeds: they parse as Atom, list the newest threads in order with nickname-only
authors and canonical links, answer 304 to a reader that has them, and leak nothing of
closed boards or hidden posts to an outsider or to a token holder who left the group."""

from __future__ import annotations

import re
from collections.abc import Callable

import feedparser
from fastapi.testclient import TestClient
from lxml import etree
from sqlmodel import Session, col, select

from community.accounts import service as accounts
from community.accounts.models import Role
from community.accounts.viewer import viewer_for
from community.feeds import service as feeds
from community.feeds.models import FeedToken
from community.forum.models import Post
from community.moderation import service as moderation
from community.privacy import service as privacy
from community.reputation import service as reputation
from tests.factories import make_category, make_group, make_reply, make_thread, make_user, sign_in

A = "{http://www.w3.org/2005/Atom}"


def atom(response_text: str) -> etree._Element:
    """The feed as XML, after checking the elements RFC 4287 requires."""
    root = etree.fromstring(response_text.encode())
    assert root.tag == f"{A}feed"
    for name in ("id", "title", "updated"):
        assert (root.findtext(f"{A}{name}") or "").strip(), name
    for entry in root.iter(f"{A}entry"):
        for name in ("id", "title", "updated"):
            assert (entry.findtext(f"{A}{name}") or "").strip(), name
        assert entry.find(f"{A}link").get("href")  # type: ignore[union-attr]
        assert (entry.findtext(f"{A}author/{A}name") or "").strip()
    parsed = feedparser.parse(response_text)
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert parsed.version == "atom10"
    return root


def titles(response_text: str) -> list[str]:
    return [e.findtext(f"{A}title") or "" for e in atom(response_text).iter(f"{A}entry")]


def test_a_board_feed_is_atom_with_its_newest_threads_first(anon: TestClient, db: Session) -> None:
    author = make_user(db, nickname="Fragerin", real_name="Erika Muster", email="erika@firma.de")
    board = make_category(db, slug="festnetz", name="Festnetz")
    other = make_category(db, slug="mobilfunk")
    first = make_thread(db, author=author, category=board, title="ISDN-Anlage abschalten")
    make_thread(db, author=author, category=other, title="Roaming in der Schweiz")
    last = make_thread(
        db,
        author=author,
        category=board,
        title="Fax über VoIP <b>geht nicht</b>",
        body="Seit der Umstellung <script>alert(1)</script> kommt kein Fax mehr an.",
    )
    response = anon.get("/c/festnetz/feed.atom")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/atom+xml")
    assert titles(response.text) == ["Fax über VoIP <b>geht nicht</b>", "ISDN-Anlage abschalten"]
    parsed = feedparser.parse(response.text)
    newest = parsed.entries[0]
    assert newest.link.endswith(f"/t/{last.id}/{last.slug}")
    assert newest.id == newest.link
    assert newest.author == "Fragerin"
    assert "kommt kein Fax mehr an" in newest.summary
    assert parsed.entries[1].link.endswith(f"/t/{first.id}/{first.slug}")
    # Nothing private, and no markup smuggled in through a title or a body.
    assert "Erika" not in response.text and "erika@" not in response.text
    assert "<script" not in response.text and "<b>" not in response.text
    # The board page offers its feeds to browsers and to people.
    page = anon.get("/c/festnetz").text
    assert re.search(
        r'<link rel="alternate" type="application/atom\+xml"[^>]*href="/c/festnetz/feed.atom"',
        page,
    )
    assert 'href="/c/festnetz/solved.atom"' in page
    assert 'href="/solved.atom"' in anon.get("/").text


def test_a_reader_that_has_the_feed_gets_304(anon: TestClient, db: Session) -> None:
    board = make_category(db, slug="router")
    thread = make_thread(db, author=make_user(db), category=board, title="WLAN bricht ab")
    first = anon.get("/c/router/feed.atom")
    etag, modified = first.headers["etag"], first.headers["last-modified"]
    assert first.headers["cache-control"].startswith("public")
    # Some readers ask with HEAD first.
    head = anon.head("/c/router/feed.atom")
    assert head.status_code == 200 and head.headers["etag"] == etag
    assert anon.get("/c/router/feed.atom", headers={"If-None-Match": etag}).status_code == 304
    assert (
        anon.get("/c/router/feed.atom", headers={"If-Modified-Since": modified}).status_code == 304
    )
    make_reply(db, author=make_user(db), thread=thread, body="Kanal 1, 6 oder 11 nehmen.")
    again = anon.get("/c/router/feed.atom", headers={"If-None-Match": etag})
    assert again.status_code == 200 and again.headers["etag"] != etag


def test_solved_feeds_list_the_newest_solutions(anon: TestClient, db: Session) -> None:
    asker, helper = make_user(db), make_user(db)
    board = make_category(db, slug="rechnung")
    older = make_thread(db, author=asker, category=board, title="Rechnung doppelt")
    newer = make_thread(db, author=asker, category=board, title="Rechnung als PDF")
    make_thread(db, author=asker, category=board, title="Ungelöste Frage")
    for thread in (older, newer):
        reply = make_reply(
            db, author=helper, thread=thread, body="Im Kundencenter unter Rechnungen."
        )
        reputation.accept_solution(db, viewer_for(db, asker), thread.id, reply.id)  # type: ignore[arg-type]
        db.commit()
    assert titles(anon.get("/solved.atom").text) == ["Rechnung als PDF", "Rechnung doppelt"]
    assert titles(anon.get("/c/rechnung/solved.atom").text) == [
        "Rechnung als PDF",
        "Rechnung doppelt",
    ]


def test_closed_boards_and_hidden_threads_stay_out_of_feeds_for_outsiders(
    anon: TestClient, db: Session, run_jobs: Callable[[], int]
) -> None:
    member, moderator = make_user(db), make_user(db, role=Role.moderator)
    group = make_group(db, members=[member])
    closed = make_category(db, slug="grosskunden", groups=[group])
    public = make_category(db, slug="allgemein")
    secret = make_thread(db, author=member, category=closed, title="Rahmenvertrag Quartalsbonus")
    reply = make_reply(db, author=member, thread=secret, body="Bonus kommt.")
    reputation.accept_solution(db, viewer_for(db, member), secret.id, reply.id)  # type: ignore[arg-type]
    shown = make_thread(db, author=member, category=public, title="Offene Frage zum Tarif")
    hidden = make_thread(db, author=member, category=public, title="Spam Quartalsbonus kaufen")
    opening = db.exec(select(Post).where(Post.thread_id == hidden.id, col(Post.is_opening))).one()
    moderation.hide_post(db, viewer_for(db, moderator), opening.id, "Werbung")  # type: ignore[arg-type]
    db.commit()
    run_jobs()
    assert anon.get("/c/grosskunden/feed.atom").status_code == 404
    assert anon.get("/c/grosskunden/solved.atom").status_code == 404
    assert titles(anon.get("/c/allgemein/feed.atom").text) == [shown.title]
    assert titles(anon.get("/solved.atom").text) == []
    searched = anon.get("/search.atom", params={"q": "Quartalsbonus"})
    assert searched.status_code == 200 and titles(searched.text) == []
    assert "Rahmenvertrag" not in searched.text and "Spam" not in searched.text
    # Feeds carry published content only, even through a moderator's own token.
    mod_token = feeds.issue_token(db, viewer_for(db, moderator))
    db.commit()
    personal = anon.get("/c/allgemein/feed.atom", params={"token": mod_token})
    assert titles(personal.text) == [shown.title]
    # A signed-in member's cookie does not open a feed: feed addresses get copied around.
    with TestClient(anon.app) as browser:
        sign_in(browser, member)
        assert browser.get("/c/grosskunden/feed.atom").status_code == 404


def test_a_members_token_reads_the_closed_board_until_they_leave_the_group(
    client: TestClient, anon: TestClient, db: Session, run_jobs: Callable[[], int]
) -> None:
    member = make_user(db)
    group = make_group(db, members=[member])
    closed = make_category(db, slug="grosskunden", name="Großkunden", groups=[group])
    thread = make_thread(db, author=member, category=closed, title="Sammelrechnung Standorte")
    run_jobs()
    sign_in(client, member)
    assert "/settings/feeds" in client.get("/c/grosskunden").text
    page = client.post("/settings/feeds", data={"csrf_token": client.headers["X-CSRF-Token"]})
    assert page.status_code == 200
    token = re.search(r"/c/grosskunden/feed\.atom\?token=([\w-]+)", page.text).group(1)  # type: ignore[union-attr]
    stored = db.get(FeedToken, member.id)
    assert stored is not None and token not in stored.token_hash  # kept hashed
    # Only shown once: the page does not know it afterwards.
    assert token not in client.get("/settings/feeds").text

    personal = anon.get("/c/grosskunden/feed.atom", params={"token": token})
    assert personal.status_code == 200 and titles(personal.text) == [thread.title]
    assert personal.headers["cache-control"].startswith("private")
    assert token not in personal.text  # neither in the id nor in the self link
    found = anon.get("/search.atom", params={"q": "Sammelrechnung", "token": token})
    assert titles(found.text) == [thread.title]

    accounts.remove_member(db, group, member)
    db.commit()
    assert anon.get("/c/grosskunden/feed.atom", params={"token": token}).status_code == 404
    found = anon.get("/search.atom", params={"q": "Sammelrechnung", "token": token})
    assert titles(found.text) == []

    # A new address replaces the old one; a bad token is a 404 even on a public board.
    accounts.add_member(db, group, member)
    db.commit()
    client.post("/settings/feeds", data={"csrf_token": client.headers["X-CSRF-Token"]})
    assert anon.get("/c/grosskunden/feed.atom", params={"token": token}).status_code == 404
    make_category(db, slug="offen")
    assert anon.get("/c/offen/feed.atom", params={"token": token}).status_code == 404
    assert anon.get("/c/offen/feed.atom", params={"token": "x" * 40}).status_code == 404


def test_a_banned_or_erased_members_token_opens_nothing(anon: TestClient, db: Session) -> None:
    admin = make_user(db, role=Role.admin)
    banned, erased = make_user(db), make_user(db)
    group = make_group(db, members=[banned, erased])
    make_category(db, slug="intern", groups=[group])
    tokens = {u.id: feeds.issue_token(db, viewer_for(db, u)) for u in (banned, erased)}
    db.commit()
    for token in tokens.values():
        assert anon.get("/c/intern/feed.atom", params={"token": token}).status_code == 200
    banned.is_active = False
    db.add(banned)
    privacy.erase_by_admin(
        db,
        viewer_for(db, admin),
        erased.nickname,
        confirm_nickname=erased.nickname,
        remove_posts=False,
    )
    db.commit()
    for token in tokens.values():
        assert anon.get("/c/intern/feed.atom", params={"token": token}).status_code == 404
    assert db.get(FeedToken, erased.id) is None  # the erasure removed it
