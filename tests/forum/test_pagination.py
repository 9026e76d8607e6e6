"""Keyset pagination: walking every page shows every row once, in order, even while
new threads and replies arrive between pages."""

from __future__ import annotations

import base64
import json
import re
from datetime import UTC, datetime

import pytest
from sqlalchemy import update

from community.forum.models import Thread
from tests.factories import make_category, make_reply, make_thread, make_user


@pytest.fixture
def board(db):
    return make_category(db, slug="cloud", name="Cloud")


@pytest.fixture
def member(db):
    return make_user(db, nickname="Seitenleser")


def _walk(client, url, *, between_pages=None, limit=3, max_pages=50):
    """All items of a paginated list; `between_pages(n)` runs after page n."""
    items, cursor = [], None
    for page_number in range(max_pages):
        sep = "&" if "?" in url else "?"
        query = f"{url}{sep}limit={limit}" + (f"&cursor={cursor}" if cursor else "")
        response = client.get(query)
        assert response.status_code == 200, response.text
        page = response.json()
        assert len(page["items"]) <= limit
        items.extend(page["items"])
        cursor = page["next_cursor"]
        if cursor is None:
            return items
        assert page["items"], "a page with a next cursor must not be empty"
        if between_pages:
            between_pages(page_number)
    raise AssertionError("pagination did not end")


def _activity_order(db, threads):
    db.expire_all()
    rows = [db.get(Thread, t.id) for t in threads]
    return [t.id for t in sorted(rows, key=lambda t: (t.last_post_at, t.id), reverse=True)]


def test_walking_thread_pages_shows_every_thread_once_newest_activity_first(
    db, client, board, member
):
    threads = [make_thread(db, author=member, category=board) for _ in range(10)]
    # Activity moves an older thread up.
    make_reply(db, author=member, thread=threads[2])

    ids = [t["id"] for t in _walk(client, "/api/v1/threads")]
    assert ids == _activity_order(db, threads)
    assert ids[0] == threads[2].id
    assert len(ids) == len(set(ids)) == 10


def test_new_threads_between_pages_neither_repeat_nor_hide_older_ones(db, client, board, member):
    threads = [make_thread(db, author=member, category=board) for _ in range(8)]
    expected = _activity_order(db, threads)
    late = []

    def someone_posts(_page):
        late.append(make_thread(db, author=member, category=board).id)

    ids = [t["id"] for t in _walk(client, "/api/v1/threads", between_pages=someone_posts)]
    assert late, "new threads arrived during the walk"
    # The walk continues after the last row seen: old threads all once, in order; the
    # new ones are newer than the first page and show up on the next fresh first page.
    assert ids == expected
    assert client.get("/api/v1/threads?limit=1").json()["items"][0]["id"] == late[-1]


def test_threads_with_the_same_activity_time_are_paged_without_loss(db, client, board, member):
    threads = [make_thread(db, author=member, category=board) for _ in range(7)]
    same = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
    db.execute(update(Thread).values(last_post_at=same))
    db.commit()
    ids = [t["id"] for t in _walk(client, "/api/v1/threads", limit=2)]
    assert ids == sorted((t.id for t in threads), reverse=True)


def test_board_thread_pages_stay_within_the_board(db, client, board, member):
    other = make_category(db, slug="sonstiges")
    mine = [make_thread(db, author=member, category=board) for _ in range(5)]
    for _ in range(4):
        make_thread(db, author=member, category=other)
    ids = [t["id"] for t in _walk(client, "/api/v1/categories/cloud/threads")]
    assert ids == _activity_order(db, mine)


def test_walking_post_pages_shows_every_post_once_oldest_first(db, client, board, member):
    thread = make_thread(db, author=member, category=board)
    helper = make_user(db)
    replies = [make_reply(db, author=helper, thread=thread, body=f"Nr. {i}") for i in range(9)]
    late = []

    def someone_replies(_page):
        late.append(make_reply(db, author=helper, thread=thread, body="Später").id)

    posts = _walk(client, f"/api/v1/threads/{thread.id}/posts", between_pages=someone_replies)
    ids = [p["id"] for p in posts]
    assert posts[0]["is_opening"] is True
    assert ids[1:10] == [r.id for r in replies]
    # Replies written during the walk come after the ones already there: none is lost.
    assert ids[10:] == late
    assert ids == sorted(set(ids))


def test_thread_page_on_the_web_links_to_the_next_page_of_posts(db, client, board, member):
    thread = make_thread(db, author=member, category=board)
    for i in range(50):
        make_reply(db, author=member, thread=thread, body=f"Antwort Nummer {i}")
    first = client.get(f"/t/{thread.id}/{thread.slug}")
    assert "Antwort Nummer 48" in first.text
    assert "Antwort Nummer 49" not in first.text
    marker = f'rel="next" href="/t/{thread.id}/{thread.slug}?page=2"'
    assert marker in first.text
    second = client.get(f"/t/{thread.id}/{thread.slug}?page=2")
    assert second.status_code == 200
    assert "Antwort Nummer 49" in second.text
    assert "Antwort Nummer 48" not in second.text
    assert f'rel="prev" href="/t/{thread.id}/{thread.slug}?page=1"' in second.text
    # A link of the earlier "Weitere Antworten" button (after the 50th post) still works.
    fiftieth = re.findall(r'<article [^>]*id="post-(\d+)"', first.text)[-1]
    old = client.get(f"/t/{thread.id}/{thread.slug}?cursor={_cursor([int(fiftieth)])}")
    assert "Antwort Nummer 49" in old.text and "Antwort Nummer 48" not in old.text


def _cursor(values) -> str:
    return base64.urlsafe_b64encode(json.dumps(values).encode()).decode().rstrip("=")


BAD_THREAD_CURSORS = [
    "nicht-base64-!!",
    "%%%",
    _cursor("kein Array"),
    _cursor([]),
    _cursor([1, 2, 3]),
    _cursor(["gestern", 5]),
    _cursor(["2025-03-01T12:00:00+00:00", "fünf"]),
    _cursor(["2025-03-01T12:00:00+00:00", True]),
    _cursor(["2025-03-01T12:00:00+00:00", 1.5]),
    _cursor([None, None]),
    # A time without zone and an id no database column can hold.
    _cursor(["2025-03-01T12:00:00", 5]),
    _cursor(["2025-03-01T12:00:00+00:00", 10**30]),
    _cursor(["0001-01-01T00:00:00+14:00", 5]),
    base64.urlsafe_b64encode(b"\xff\xfe\x00").decode(),
]
BAD_POST_CURSORS = [
    "nicht-base64-!!",
    _cursor([]),
    _cursor(["1"]),
    _cursor([1, 2]),
    _cursor([10**30]),
    _cursor([-(10**30)]),
    _cursor([{"id": 1}]),
]


@pytest.mark.parametrize("cursor", BAD_THREAD_CURSORS)
def test_invalid_thread_list_cursor_is_422(db, client, board, member, cursor):
    make_thread(db, author=member, category=board)
    for url in ("/api/v1/threads", "/api/v1/categories/cloud/threads"):
        response = client.get(url, params={"cursor": cursor})
        assert response.status_code == 422, (url, response.text)
        assert response.json()["error"] in ("invalid_cursor", "invalid_input")
    assert client.get("/c/cloud", params={"cursor": cursor}).status_code == 422


@pytest.mark.parametrize("cursor", BAD_POST_CURSORS)
def test_invalid_post_list_cursor_is_422(db, client, board, member, cursor):
    thread = make_thread(db, author=member, category=board)
    response = client.get(f"/api/v1/threads/{thread.id}/posts", params={"cursor": cursor})
    assert response.status_code == 422, response.text
    assert response.json()["error"] == "invalid_cursor"
    page = client.get(f"/t/{thread.id}/{thread.slug}", params={"cursor": cursor})
    assert page.status_code == 422


def test_over_long_cursor_is_422(db, client, board):
    response = client.get("/api/v1/threads", params={"cursor": "A" * 201})
    assert response.status_code == 422
    assert response.json()["error"] == "invalid_input"


@pytest.mark.parametrize("limit", ["0", "101", "-1", "drei", "1e3"])
def test_page_size_outside_1_to_100_is_422(db, client, limit):
    response = client.get("/api/v1/threads", params={"limit": limit})
    assert response.status_code == 422
    assert response.json()["error"] == "invalid_input"
