"""GET /api/v1/search, /api/v1/threads/similar, the search page, the header box and the
similar questions on the ask page; and posting while Meilisearch is down."""

from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import insert, select, update
from sqlmodel import Session

from community.api import search as search_api
from community.blog.models import Article, ArticleStatus
from community.clock import utcnow
from community.forum.models import Category, Thread
from community.indexing import service as indexing
from community.jobs.models import Job, JobStatus
from search import embedded
from search.documents import ThreadDocument
from search.embedded import EmbeddedBackend
from search.meili import MeiliBackend
from tests.factories import make_category, make_group, make_thread, make_user, sign_in
from tests.search.conftest import MeiliServer


def test_search_api_returns_hits_counts_and_marks(
    anon: TestClient, db: Session, run_jobs: Callable[[], int]
) -> None:
    board = make_category(db, slug="internet", name="Internet")
    author = make_user(db, nickname="DSL-Doktor")
    thread = make_thread(
        db,
        author=author,
        category=board,
        title="Router verliert nachts die Verbindung",
        body="Der Router <script>alert(1)</script> trennt jede Nacht.",
    )
    run_jobs()
    response = anon.get("/api/v1/search", params={"q": "Rooter"})
    assert response.status_code == 200
    data = response.json()
    assert data["total"] == 1 and data["pages"] == 1
    [item] = data["items"]
    assert item["id"] == thread.id and item["url"] == f"/t/{thread.id}"
    assert item["title_html"].startswith("<mark>Router</mark>")
    assert "<script>" not in item["snippet_html"]
    assert item["board"] == "internet" and item["board_name"] == "Internet"
    assert "DSL-Doktor" not in response.text  # no author in search results at all
    assert (
        anon.get("/api/v1/search", params={"q": "Router", "board": "andere"}).json()["total"] == 0
    )
    assert (
        anon.get("/api/v1/search", params={"q": "Router", "solved": "solved"}).json()["total"] == 0
    )


def test_similar_api_is_not_taken_for_a_thread_id(
    anon: TestClient, db: Session, run_jobs: Callable[[], int]
) -> None:
    thread = make_thread(
        db,
        author=make_user(db),
        category=make_category(db),
        title="Rufumleitung auf das Handy bei Abwesenheit",
    )
    run_jobs()
    response = anon.get(
        "/api/v1/threads/similar", params={"title": "Wie geht eine Rufumleitung aufs Handy?"}
    )
    assert response.status_code == 200
    assert [i["id"] for i in response.json()["items"]] == [thread.id]
    assert anon.get("/api/v1/threads/similar", params={"title": "ab"}).json()["items"] == []


def test_bad_search_input_is_a_clear_error(anon: TestClient) -> None:
    for params in (
        {"page": 0},
        {"page": "x"},
        {"q": "x" * 201},
        {"solved": "vielleicht"},
        {"kind": "umfrage"},
    ):
        response = anon.get("/api/v1/search", params=params)
        assert response.status_code == 422, params
        assert response.json()["error"] == "invalid_input"
    assert anon.get("/search", params={"page": 0}).status_code == 422
    assert anon.get("/api/v1/threads/similar", params={"title": "x" * 201}).status_code == 422


def test_search_page_with_filters_counts_and_safe_snippets(
    anon: TestClient, db: Session, run_jobs: Callable[[], int]
) -> None:
    board = make_category(db, slug="tk-anlagen", name="TK-Anlagen")
    make_thread(
        db,
        author=make_user(db),
        category=board,
        title="Telefonanlage für zehn Arbeitsplätze",
        body="Welche <img src=x onerror=alert(1)> Telefonanlage empfehlt ihr?",
    )
    run_jobs()
    page = anon.get("/search", params={"q": "Telefonanlagen", "board": "tk-anlagen"})
    assert page.status_code == 200
    assert "1 Treffer" in page.text
    assert "<mark>Telefonanlage</mark> für zehn" in page.text
    assert "<img" not in page.text.split("search-results")[1]
    assert 'value="tk-anlagen" selected' in page.text
    assert anon.get("/search", params={"q": "Kaffeemaschine"}).text.count("0 Treffer") == 1
    # The header of every page has the search box.
    assert 'action="/search"' in anon.get("/").text


def test_closed_board_is_not_offered_or_found_on_the_search_page(
    anon: TestClient, db: Session, run_jobs: Callable[[], int]
) -> None:
    member = make_user(db)
    group = make_group(db, members=[member])
    closed = make_category(db, slug="grosskunden", name="Großkunden", groups=[group])
    make_thread(db, author=member, category=closed, title="Sammelrechnung für alle Standorte")
    run_jobs()
    page = anon.get("/search", params={"q": "Sammelrechnung"})
    assert "0 Treffer" in page.text and "Großkunden" not in page.text
    assert anon.get("/search/similar", params={"title": "Sammelrechnung"}).text.strip() == ""


def test_ask_page_shows_similar_questions_with_and_without_js(
    client: TestClient, db: Session, run_jobs: Callable[[], int]
) -> None:
    user = make_user(db)
    board = make_category(db)
    thread = make_thread(
        db, author=user, category=board, title="eSIM für zwanzig Firmenhandys einrichten"
    )
    run_jobs()
    csrf = sign_in(client, user)
    form = client.get("/new").text
    assert 'hx-get="/search/similar"' in form and "Ähnliche Fragen suchen" in form
    fragment = client.get("/search/similar", params={"title": "eSIM einrichten"})
    assert f'href="/t/{thread.id}"' in fragment.text and "<mark>eSIM</mark>" in fragment.text
    # Without JS: the button posts the form and gets it back, filled in, with the list.
    page = client.post(
        "/new/similar",
        data={
            "csrf_token": csrf,
            "category": board.slug,
            "kind": "question",
            "title": "eSIM für Diensthandys",
            "body": "Mein Text bleibt.",
        },
    )
    assert page.status_code == 200
    assert f'href="/t/{thread.id}"' in page.text and "Mein Text bleibt." in page.text
    assert client.post("/new/similar", data={"title": "eSIM"}).status_code == 403  # CSRF


def test_the_idea_form_calls_the_similar_box_similar_ideas_in_german_and_english(
    make_client: Callable[[], TestClient], db: Session, run_jobs: Callable[[], int]
) -> None:
    from tests.ideas.helpers import make_idea, make_idea_board

    board = make_idea_board(db)
    make_idea(db, author=make_user(db), board=board, title="Rechnungen als CSV exportieren")
    run_jobs()
    german, english = make_client(), make_client()
    csrf = sign_in(german, make_user(db))
    sign_in(english, make_user(db, locale="en"))
    title = "Rechnungen exportieren"
    form = german.get("/new", params={"board": board.slug, "title": title}).text
    assert "Ähnliche Ideen – vielleicht hat jemand Ihre schon vorgeschlagen:" in form
    assert "Ähnliche Ideen suchen" in form and "Ähnliche Fragen" not in form
    assert 'hx-include="#category, [name=board_suggested], [name=kind]"' in form
    fragment = german.get("/search/similar", params={"title": title, "kind": "idea"}).text
    assert "Ähnliche Ideen – vielleicht" in fragment and "Ähnliche Fragen" not in fragment
    nothing = german.post(
        "/new/similar",
        data={"csrf_token": csrf, "category": board.slug, "kind": "idea", "title": "Xylofon"},
    ).text
    assert "Keine ähnlichen Ideen gefunden." in nothing
    # The question form keeps its words.
    question = german.get("/search/similar", params={"title": title}).text
    assert "Ähnliche Fragen – vielleicht ist Ihre schon beantwortet:" in question
    page = english.get("/new", params={"board": board.slug, "title": title}).text
    assert "Similar ideas – someone may already have proposed yours:" in page
    assert "Find similar ideas" in page
    assert (
        "Similar ideas"
        in english.get("/search/similar", params={"title": title, "kind": "idea"}).text
    )


def test_posting_works_while_meilisearch_is_down_and_the_index_catches_up(
    client: TestClient,
    db: Session,
    meili: MeiliServer,
    meili_backend: MeiliBackend,
    run_jobs: Callable[[], int],
) -> None:
    user = make_user(db)
    board = make_category(db)
    sign_in(client, user)
    meili.stop()
    response = client.post(
        "/api/v1/threads",
        json={
            "category": board.slug,
            "kind": "question",
            "title": "Headset klingelt nicht mit",
            "body": "Nur das Tischtelefon klingelt.",
        },
    )
    assert response.status_code == 201, response.text
    thread_id = response.json()["thread"]["id"]
    run_jobs()
    [job] = db.execute(select(Job).where(Job.type == indexing.SYNC_THREAD)).scalars().all()  # type: ignore[arg-type]
    db.refresh(job)
    assert (
        job.status == JobStatus.queued
        and job.attempts == 1
        and "Meilisearch" in (job.last_error or "")
    )

    meili.restart()
    # The retry is due later (backoff); make it due now instead of waiting.
    db.execute(update(Job).values(run_at=utcnow()))
    db.commit()
    run_jobs()
    db.refresh(job)
    assert job.status == JobStatus.done
    result = client.get("/api/v1/search", params={"q": "Headset"}).json()
    assert [i["id"] for i in result["items"]] == [thread_id]


def test_copies_of_a_question_are_one_hit_on_the_page_and_in_the_api(
    anon: TestClient, db: Session, run_jobs: Callable[[], int]
) -> None:
    board = make_category(db, slug="internet", name="Internet")
    author = make_user(db)
    copies = [
        make_thread(db, author=author, category=board, title=f"Router verliert nachts die Verbindung{v}")
        for v in ("", " im Büro", " (Filiale Köln)", " seit dem Update")
    ]  # fmt: skip
    other = make_thread(db, author=author, category=board, title="Router für das Lager gesucht")
    run_jobs()
    data = anon.get("/api/v1/search", params={"q": "Router"}).json()
    assert data["total"] == 2
    folded = next(i for i in data["items"] if i["similar_count"])
    assert folded["similar_count"] == 3
    assert sorted([folded["id"], *folded["similar_ids"]]) == sorted(t.id for t in copies)
    assert next(i for i in data["items"] if i["id"] == other.id)["similar_count"] == 0
    page = anon.get("/search", params={"q": "Router"})
    assert "und 3 ähnliche Fragen" in page.text
    english = anon.get("/search", params={"q": "Router"}, headers={"Accept-Language": "en"})
    assert "and 3 similar questions" in english.text


def test_counts_above_a_thousand_say_over_1000_on_the_page_and_in_the_api(
    anon: TestClient, db: Session, search_backend: EmbeddedBackend
) -> None:
    words = [f"{a}{b}" for a in ("Kasse", "Lager", "Filiale", "Praxis") for b in range(300)]
    search_backend.reindex(
        _with_rows(
            db,
            [
                _public_document(i, f"Router {words[i]} {words[-i]}" + " Zwangstrennung" * (i <= 5))
                for i in range(1, 1003)
            ],
        )
    )
    data = anon.get("/api/v1/search", params={"q": "Router"}).json()
    assert data["total"] == 1000 and data["total_capped"] is True
    assert data["pages"] == indexing.PAGE_MAX
    assert "über 1.000 Treffer" in anon.get("/search", params={"q": "Router"}).text
    english = anon.get("/search", params={"q": "Router"}, headers={"Accept-Language": "en"})
    assert "over 1,000 results" in english.text
    exact = anon.get("/api/v1/search", params={"q": "Zwangstrennung"}).json()
    assert exact["total_capped"] is False and exact["total"] == 5


def _with_rows(db: Session, documents: list[ThreadDocument]) -> list[ThreadDocument]:
    """The threads of documents made for the engine, as rows: a hit is shown only when the
    database says the viewer may see its thread (indexing.visible_ids)."""
    author = make_user(db)
    boards = {slug: make_category(db, slug=slug).id for slug in {d.board_slug for d in documents}}
    rows = [
        {"id": d.id, "category_id": boards[d.board_slug], "author_id": author.id,
         "title": d.title[:150], "slug": "frage"}
        for d in documents
    ]  # fmt: skip
    db.execute(insert(Thread), rows)
    db.commit()
    return documents


def _public_document(
    id_: int, title: str, last_activity: int = 1_780_000_000, board: str = "internet"
) -> ThreadDocument:
    return ThreadDocument(
        id=id_, title=title, question="Eine Frage.", solution="", replies="", board_id=1,
        board_slug=board, kind="question", solved=False, created=last_activity,
        last_activity=last_activity, kudos=0, reply_count=0,
    )  # fmt: skip


def test_latest_threads_without_words_come_newest_first_with_their_count(
    anon: TestClient, db: Session, search_backend: EmbeddedBackend
) -> None:
    now = int(time.time())
    search_backend.reindex(
        _with_rows(
            db,
            [
                *(
                    _public_document(i, f"Frage {i}", now - 3600 * (1100 - i))
                    for i in range(1, 1101)
                ),
                _public_document(2001, "Alt", now - 800 * 86_400, board="festnetz"),
                _public_document(2002, "Neuer", now - 100 * 86_400, board="festnetz"),
                _public_document(2003, "Neu", now - 60, board="festnetz"),
            ],
        )
    )
    latest = anon.get("/api/v1/search", params={"q": ""}).json()
    assert latest["total_capped"] is True
    assert [i["id"] for i in latest["items"][:3]] == [1100, 2003, 1099]
    second = anon.get("/api/v1/search", params={"q": "", "page": 2}).json()
    assert second["items"][0]["id"] == 1100 - 19
    board = anon.get("/api/v1/search", params={"q": "", "board": "festnetz"}).json()
    assert board["total"] == 3 and board["total_capped"] is False
    assert [i["id"] for i in board["items"]] == [2003, 2002, 2001]


def test_simultaneous_searches_all_answer_each_for_its_own_viewer(
    client: TestClient,
    anon: TestClient,
    db: Session,
    run_jobs: Callable[[], int],
    monkeypatch,  # type: ignore[no-untyped-def]
) -> None:
    # More at once than a process searches at once (the rest wait their turn): every one
    # answers, and the member's closed board never reaches the anonymous visitor's answer.
    # The turns are waited for as long as it takes here (on a busy test machine a dozen
    # searches can queue longer than the bound, which the next test covers).
    monkeypatch.setattr(search_api, "TURN_WAIT_SECONDS", 120.0)
    member = make_user(db)
    closed = make_category(db, groups=[make_group(db, members=[member])])
    public = make_category(db)
    secret = make_thread(db, author=member, category=closed, title="Router im Lager tauschen")
    shown = make_thread(db, author=member, category=public, title="Router verliert nachts")
    run_jobs()
    sign_in(client, member)
    browsers = [client, anon] * (2 * search_api.SEARCHES_AT_ONCE + 2)
    with ThreadPoolExecutor(len(browsers)) as pool:
        answers = list(
            pool.map(lambda b: b.get("/api/v1/search", params={"q": "Router"}), browsers)
        )
    assert all(r.status_code == 200 for r in answers)
    for browser, response in zip(browsers, answers, strict=True):
        ids = {item["id"] for item in response.json()["items"]}
        assert ids == ({secret.id, shown.id} if browser is client else {shown.id})


def test_a_search_that_waits_too_long_for_its_turn_answers_503_with_retry_after(
    anon: TestClient, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    # The turns all taken (as by searches stuck on a hung database): the next one is told
    # to come back instead of queueing behind them.
    monkeypatch.setattr(search_api, "SEARCHES_AT_ONCE", 0)
    monkeypatch.setattr(search_api, "_limit", None)
    monkeypatch.setattr(search_api, "TURN_WAIT_SECONDS", 0.2)
    started = time.monotonic()
    answer = anon.get("/api/v1/search", params={"q": "Router"})
    assert answer.status_code == 503
    assert answer.json()["error"] == "search_unavailable"
    assert answer.headers["Retry-After"]
    assert time.monotonic() - started < 5
    monkeypatch.setattr(search_api, "_limit", None)
    monkeypatch.setattr(search_api, "SEARCHES_AT_ONCE", 2)
    assert anon.get("/api/v1/search", params={"q": "Router"}).status_code == 200


def test_a_renamed_board_and_a_new_article_show_on_the_next_search(
    anon: TestClient, db: Session, run_jobs: Callable[[], int]
) -> None:
    """The API keeps board names and article paths per version of the pages
    (indexing.hit_places): a change is seen on the very next search."""
    _rename_board_and_publish_an_article(anon, db, run_jobs)


@pytest.mark.commits
def test_a_renamed_board_and_a_new_article_show_on_the_next_search_on_the_event_loop(
    anon: TestClient,
    db: Session,
    run_jobs: Callable[[], int],
    monkeypatch,  # type: ignore[no-untyped-def]
) -> None:
    """With real commits the version is read from the SQLite file, and an anonymous
    search is answered from what is kept, on the event loop (api/search.py)."""
    # The meta file's content is compared in a thread every RECHECK_SECONDS: not within
    # this test, so that the last search below has no reason to leave the loop.
    monkeypatch.setattr(embedded, "RECHECK_SECONDS", 600.0)
    _rename_board_and_publish_an_article(anon, db, run_jobs)
    turns: list[object] = []
    real_turn = search_api.run_in_threadpool

    async def counted(func, *args):  # type: ignore[no-untyped-def]
        turns.append(func)
        return await real_turn(func, *args)

    monkeypatch.setattr(search_api, "run_in_threadpool", counted)
    one = anon.get("/api/v1/search", params={"q": "Router"}).json()
    assert one["items"][0]["url"].startswith("/blog/")
    # Searched on the event loop; on SQLite even the places come from what is kept (on
    # PostgreSQL the version is read in a thread).
    assert search_api._search not in turns
    if db.get_bind().dialect.name == "sqlite":
        assert turns == []
    # More words than are searched on the loop: in a thread, with the same answer.
    many = anon.get("/api/v1/search", params={"q": "Router verliert nachts"}).json()
    assert [i["id"] for i in many["items"]] == [one["items"][0]["id"]]
    assert search_api._search in turns


def _rename_board_and_publish_an_article(
    anon: TestClient, db: Session, run_jobs: Callable[[], int]
) -> None:
    board = make_category(db, slug="internet", name="Internet")
    author = make_user(db)
    thread = make_thread(db, author=author, category=board, title="Router verliert nachts")
    run_jobs()

    def hit() -> dict[str, object]:
        [item] = anon.get("/api/v1/search", params={"q": "Router"}).json()["items"]
        return item  # type: ignore[no-any-return]

    assert (hit()["board_name"], hit()["url"]) == ("Internet", f"/t/{thread.id}")
    board.name = "Internet & DSL"
    db.add(board)
    db.commit()
    assert hit()["board_name"] == "Internet & DSL"
    article = Article(
        category_id=board.id, author_id=author.id, status=ArticleStatus.published.value,
        title="Router", slug="router-nachts", teaser="", body="", body_html="",
        thread_id=thread.id, published_at=utcnow(),
    )  # fmt: skip
    db.add(article)
    db.commit()
    assert hit()["url"] == f"/blog/{article.id}/router-nachts"


def test_with_the_page_cache_off_a_board_renamed_past_the_session_events_shows_at_once(
    anon: TestClient,
    db: Session,
    engine,  # type: ignore[no-untyped-def]
    run_jobs: Callable[[], int],
    monkeypatch,  # type: ignore[no-untyped-def]
) -> None:
    """COMMUNITY_PAGE_CACHE=false: the board names are read on every search, so even a
    rename that gives the pages no new version (a bare connection) shows at once."""
    monkeypatch.setattr(indexing.get_settings(), "page_cache", False)
    board = make_category(db, slug="internet", name="Internet")
    make_thread(db, author=make_user(db), category=board, title="Router verliert nachts")
    run_jobs()

    def name() -> str:
        [item] = anon.get("/api/v1/search", params={"q": "Router"}).json()["items"]
        return item["board_name"]  # type: ignore[no-any-return]

    assert name() == "Internet"
    with engine.begin() as connection:
        connection.execute(update(Category).where(Category.id == board.id).values(name="DSL"))
    assert name() == "DSL"


# With real commits the version comes from the SQLite file, and the anonymous search is
# answered on the event loop from what the member's search left kept.
@pytest.mark.parametrize("commits", [False, pytest.param(True, marks=pytest.mark.commits)])
def test_a_closed_boards_name_reaches_no_one_outside_its_groups_once_a_member_searched(
    client: TestClient, anon: TestClient, db: Session, run_jobs: Callable[[], int], commits: bool
) -> None:
    member = make_user(db)
    group = make_group(db, members=[member])
    closed = make_category(db, slug="grosskunden", name="Großkunden", groups=[group])
    public = make_category(db, slug="rechnungen", name="Rechnungen")
    make_thread(db, author=member, category=closed, title="Sammelrechnung für alle Standorte")
    make_thread(db, author=member, category=public, title="Sammelrechnung als PDF")
    run_jobs()
    sign_in(client, member)
    inside = client.get("/api/v1/search", params={"q": "Sammelrechnung"}).json()["items"]
    assert {i["board_name"] for i in inside} == {"Großkunden", "Rechnungen"}
    outside = anon.get("/api/v1/search", params={"q": "Sammelrechnung"})
    assert [i["board_name"] for i in outside.json()["items"]] == ["Rechnungen"]
    assert "Großkunden" not in outside.text and "grosskunden" not in outside.text
    again = anon.get("/api/v1/search", params={"q": "Sammelrechnung"})  # from what is kept
    assert again.json() == outside.json()
