"""The index follows the forum through the outbox, and a closed board's threads are never
found, suggested or counted for anyone outside its groups."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import select
from sqlmodel import Session

from community.accounts import service as accounts
from community.accounts.models import Role
from community.accounts.viewer import ANONYMOUS, Viewer, viewer_for
from community.forum import boards
from community.forum import service as forum
from community.indexing import service as indexing
from community.indexing.service import SearchQuery
from community.jobs.models import Job
from community.reputation import service as reputation
from tests.factories import make_category, make_group, make_reply, make_thread, make_user


def found(db: Session, viewer: Viewer, q: str) -> list[int]:
    return [h.id for h in indexing.search(db, viewer, SearchQuery(q=q)).hits]


def test_a_new_thread_is_findable_once_the_worker_ran(
    db: Session, run_jobs: Callable[[], int]
) -> None:
    author = make_user(db)
    board = make_category(db)
    thread = make_thread(
        db, author=author, category=board, title="Faxgerät nach IP-Umstellung stumm"
    )
    jobs = db.execute(select(Job).where(Job.type == indexing.SYNC_THREAD)).scalars().all()  # type: ignore[arg-type]
    assert [j.payload for j in jobs] == [{"thread_id": thread.id}]
    assert found(db, ANONYMOUS, "Faxgerät") == []  # not before the job ran
    run_jobs()
    assert found(db, ANONYMOUS, "Faxgerät") == [thread.id]


def test_replies_edits_solutions_and_deletion_reach_the_index(
    db: Session, run_jobs: Callable[[], int]
) -> None:
    asker, helper = make_user(db), make_user(db)
    board = make_category(db)
    thread = make_thread(
        db, author=asker, category=board, title="Drucker im Netzwerk nicht sichtbar"
    )
    reply = make_reply(
        db, author=helper, thread=thread, body="Prüfen Sie die Multicast-Einstellung am Switch."
    )
    run_jobs()
    assert found(db, ANONYMOUS, "Multicast") == [thread.id]

    forum.edit_post(db, viewer_for(db, helper), reply.id, "Schalten Sie IGMP-Snooping aus.")  # type: ignore[arg-type]
    db.commit()
    run_jobs()
    assert found(db, ANONYMOUS, "Multicast") == []
    assert found(db, ANONYMOUS, "IGMP") == [thread.id]

    reputation.accept_solution(db, viewer_for(db, asker), thread.id, reply.id)  # type: ignore[arg-type]
    db.commit()
    run_jobs()
    [hit] = indexing.search(db, ANONYMOUS, SearchQuery(q="IGMP", solved=True)).hits
    assert hit.id == thread.id and hit.solved

    opening = forum.opening_post(db, thread)
    moderator = make_user(db, role=Role.moderator)
    forum.delete_post(db, viewer_for(db, moderator), opening.id)  # type: ignore[arg-type]
    db.commit()
    run_jobs()
    assert found(db, viewer_for(db, moderator), "Drucker") == []


def test_closed_board_threads_are_never_found_suggested_or_counted_outside(
    db: Session, run_jobs: Callable[[], int]
) -> None:
    member, outsider = make_user(db), make_user(db)
    group = make_group(db, members=[member])
    closed = make_category(db, groups=[group])
    public = make_category(db)
    secret = make_thread(
        db, author=member, category=closed, title="Sammelrechnung für alle Standorte"
    )
    open_ = make_thread(db, author=outsider, category=public, title="Rechnung als PDF per E-Mail")
    run_jobs()
    for viewer in (ANONYMOUS, viewer_for(db, outsider)):
        result = indexing.search(db, viewer, SearchQuery(q="Sammelrechnung"))
        assert result.total == 0 and result.hits == []
        everything = indexing.search(db, viewer, SearchQuery(q=""))
        assert [h.id for h in everything.hits] == [open_.id] and everything.total == 1
        assert indexing.similar(db, viewer, "Sammelrechnung Standorte") == []
        # Filtering on the closed board by name gives nothing either.
        assert indexing.search(db, viewer, SearchQuery(q="", board=closed.slug)).total == 0
    assert found(db, viewer_for(db, member), "Sammelrechnung") == [secret.id]
    assert [h.id for h in indexing.similar(db, viewer_for(db, member), "Sammelrechnung")] == [
        secret.id
    ]

    # Leaving the group hides it on the next search; no reindex is needed.
    accounts.remove_member(db, group, member)
    db.commit()
    assert found(db, viewer_for(db, member), "Sammelrechnung") == []


def test_closing_a_board_reindexes_its_threads(db: Session, run_jobs: Callable[[], int]) -> None:
    admin = make_user(db, role=Role.admin)
    author = make_user(db)
    board = make_category(db)
    thread = make_thread(
        db, author=author, category=board, title="Eskalationsweg bei Standortausfall"
    )
    group = make_group(db)
    run_jobs()
    assert found(db, ANONYMOUS, "Eskalationsweg") == [thread.id]
    boards.set_category_groups(db, viewer_for(db, admin), board, [group.slug])
    db.commit()
    run_jobs()
    assert found(db, ANONYMOUS, "Eskalationsweg") == []
    boards.set_category_groups(db, viewer_for(db, admin), board, [])
    db.commit()
    run_jobs()
    assert found(db, ANONYMOUS, "Eskalationsweg") == [thread.id]


def test_before_the_worker_follows_a_move_or_a_closing_nothing_shows_outside(
    db: Session, run_jobs: Callable[[], int], anon, client
) -> None:  # type: ignore[no-untyped-def]
    """The index's visibility keys follow a change only once the worker ran (a second
    later, or never while it is down): until then the database decides, on the API (also
    a visitor's search on the event loop), the search page, its feed and the suggestions."""
    from community.moderation import service as moderation
    from tests.factories import sign_in

    admin = make_user(db, role=Role.admin)
    insider, outsider = make_user(db), make_user(db)
    group = make_group(db, members=[insider])
    public = make_category(db, slug="technik")
    closed = make_category(db, slug="vertraulich", groups=[group])
    moved = make_thread(db, author=insider, category=public, title="Okapi verschoben Router")
    closing = make_thread(db, author=insider, category=public, title="Okapi geschlossen Fax")
    run_jobs()
    for _ in range(2):  # the second time from what is kept for this version of the pages
        assert anon.get("/api/v1/search", params={"q": "Okapi"}).json()["total"] == 2

    moderation.move_thread(db, viewer_for(db, admin), moved.id, closed.slug)  # type: ignore[arg-type]
    db.commit()
    later = make_category(db, slug="spaeter")
    closing_board = db.get(type(later), closing.category_id)
    assert closing_board is not None
    boards.set_category_groups(db, viewer_for(db, admin), closing_board, [group.slug])
    db.commit()  # and the worker has not run

    sign_in(client, outsider)
    for browser in (anon, client):
        for _ in range(2):
            answer = browser.get("/api/v1/search", params={"q": "Okapi"}).json()
            assert answer["items"] == [] and answer["total"] == 0
        for path in ("/search", "/search.atom"):
            text = browser.get(path, params={"q": "Okapi"}).text
            assert "verschoben" not in text and "geschlossen Fax" not in text, path
        similar = browser.get("/api/v1/threads/similar", params={"title": "Okapi Router Fax"})
        assert similar.json()["items"] == []
    assert found(db, viewer_for(db, outsider), "Okapi") == []
    # The group sees both, the moderators too.
    assert sorted(found(db, viewer_for(db, insider), "Okapi")) == sorted([moved.id, closing.id])
    assert len(found(db, viewer_for(db, admin), "Okapi")) == 2


def test_a_question_folded_under_a_hit_is_not_named_once_it_moved_into_a_closed_board(
    db: Session, run_jobs: Callable[[], int], anon
) -> None:  # type: ignore[no-untyped-def]
    from community.moderation import service as moderation

    admin, insider = make_user(db, role=Role.admin), make_user(db)
    public = make_category(db, slug="technik")
    closed = make_category(db, slug="vertraulich", groups=[make_group(db, members=[insider])])
    copies = [
        make_thread(db, author=insider, category=public, title=f"Router verliert nachts die Verbindung{v}")
        for v in ("", " im Büro", " (Filiale Köln)")
    ]  # fmt: skip
    run_jobs()

    def folded() -> list[int]:
        answer = anon.get("/api/v1/search", params={"q": "Router Verbindung"}).json()
        [item] = answer["items"]
        assert item["similar_count"] == len(item["similar_ids"])
        return sorted([item["id"], *item["similar_ids"]])

    assert folded() == sorted(t.id for t in copies)
    shown = anon.get("/api/v1/search", params={"q": "Router Verbindung"}).json()["items"][0]
    moved = next(t for t in copies if t.id in shown["similar_ids"])
    moderation.move_thread(db, viewer_for(db, admin), moved.id, closed.slug)  # type: ignore[arg-type]
    db.commit()  # and the worker has not run
    for _ in range(2):  # the second time from what is kept
        assert moved.id not in folded()


def test_nothing_but_nicknames_reaches_the_index(
    db: Session, run_jobs: Callable[[], int], search_backend
) -> None:  # type: ignore[no-untyped-def]
    author = make_user(
        db, real_name="Erika Mustermann", company="Mustermann GmbH", email="erika@firma.example"
    )
    thread = make_thread(
        db, author=author, category=make_category(db), title="Frage ohne persönliche Daten"
    )
    run_jobs()
    from community.indexing.documents import build_documents

    [document] = build_documents(db, [thread])
    text = str(document.to_dict())
    for private in ("Erika", "Mustermann", "erika@firma.example"):
        assert private not in text
    assert indexing.search(db, ANONYMOUS, SearchQuery(q="Mustermann")).total == 0
