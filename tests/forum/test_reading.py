"""Reading state: "neu" and unread counts on boards, a thread opening at the first unread
post, "Alles gelesen", view counts, and what a viewer may not see never counting."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select, update
from sqlmodel import Session, col

from community.accounts.models import Role
from community.accounts.viewer import viewer_for
from community.clock import utcnow
from community.forum import reading
from community.forum import service as forum
from community.forum.models import CategoryRead, Post, Thread, ThreadRead
from community.privacy import service as privacy
from community.reputation import figures
from tests.factories import (
    PASSWORD,
    make_category,
    make_group,
    make_reply,
    make_thread,
    make_user,
    sign_in,
)
from tests.web.test_query_counts import counting


def _board_row(client, category, thread) -> str:  # type: ignore[no-untyped-def]
    page = client.get(f"/c/{category.slug}").text
    match = re.search(rf'<tr[^>]*>\s*<td>.*?href="/t/{thread.id}/.*?</tr>', page, re.S)
    assert match, page
    return match.group(0)


def _open(client, thread) -> str:  # type: ignore[no-untyped-def]
    response = client.get(f"/t/{thread.id}/{thread.slug}")
    assert response.status_code == 200
    return response.text


def test_a_new_thread_is_marked_until_opened_and_new_replies_are_counted(
    client, anon, db: Session
) -> None:
    reader = make_user(db)
    author = make_user(db)
    board = make_category(db)
    thread = make_thread(db, author=author, category=board)
    sign_in(client, reader)

    assert ">neu</a>" in _board_row(client, board, thread)
    assert "neu</a>" not in _board_row(anon, board, thread)  # visitors get no marks
    _open(client, thread)
    assert "badge" not in _board_row(client, board, thread)

    first = make_reply(db, author=author, thread=thread, body="Erste neue Antwort.")
    make_reply(db, author=make_user(db), thread=thread, body="Zweite neue Antwort.")
    row = _board_row(client, board, thread)
    assert "2 ungelesen" in row
    # The list links straight to the first unread post.
    assert f'href="/t/{thread.id}/{thread.slug}#post-{first.id}"' in row

    page = _open(client, thread)
    divider = page.index("Ungelesene Beiträge")
    assert page.index(f'id="post-{first.id}"') > divider
    assert "ungelesen" not in _board_row(client, board, thread)
    # The reader's own reply is never unread for them.
    make_reply(db, author=reader, thread=thread, body="Meine eigene Antwort dazu.")
    assert "ungelesen" not in _board_row(client, board, thread)


def test_a_thread_opens_on_the_page_of_the_first_unread_post(
    client, db: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(reading, "POSTS_PER_PAGE", 3)
    reader = make_user(db)
    board = make_category(db)
    thread = make_thread(db, author=make_user(db), category=board)
    for n in range(4):  # 5 posts: pages of 3 and 2
        make_reply(db, author=make_user(db), thread=thread, body=f"Antwort Nummer {n}.")
    sign_in(client, reader)
    first_page = _open(client, thread)
    assert "Antwort Nummer 1." in first_page and "Antwort Nummer 2." not in first_page
    assert 'rel="next"' in first_page and 'rel="prev"' not in first_page

    # Read up to the end of page 1: the thread now opens on page 2 at the first unread post.
    again = _open(client, thread)
    assert "Antwort Nummer 2." in again and "Antwort Nummer 0." not in again
    assert 'rel="prev"' in again and f'href="/t/{thread.id}/{thread.slug}?page=1"' in again
    assert 'aria-current="page">2<' in again
    # Page 1 stays reachable, and reading page 2 marked everything read.
    assert "Antwort Nummer 0." in client.get(f"/t/{thread.id}/{thread.slug}?page=1").text
    assert not reading.unread_for_threads(db, viewer_for(db, reader), [thread])


def test_a_second_view_writes_no_read_mark(client, engine: Engine, db: Session) -> None:
    reader = make_user(db)
    thread = make_thread(db, author=make_user(db), category=make_category(db))
    sign_in(client, reader)
    with counting(engine) as first:
        _open(client, thread)
    with counting(engine) as second:
        _open(client, thread)
    assert any("thread_reads" in s and s.lstrip().upper().startswith("INSERT") for s in first)
    assert not any(
        "thread_reads" in s and not s.lstrip().upper().startswith("SELECT") for s in second
    )


def test_unread_counts_leave_out_hidden_posts_and_closed_boards(client, db: Session) -> None:
    insider, outsider, author = make_user(db), make_user(db), make_user(db)
    group = make_group(db, members=[insider, author])
    closed = make_category(db, groups=[group])
    public = make_category(db)
    secret = make_thread(db, author=author, category=closed)
    open_thread = make_thread(db, author=author, category=public)
    boards = [closed.id, public.id]
    assert reading.unread_threads_by_category(db, viewer_for(db, insider), boards) == {
        closed.id: 1,
        public.id: 1,
    }
    outside = viewer_for(db, outsider)
    assert reading.unread_threads_by_category(db, outside, boards) == {public.id: 1}

    # The outsider read the public thread; a reply the moderation hid is not unread.
    sign_in(client, outsider)
    _open(client, open_thread)
    hidden = make_reply(db, author=author, thread=open_thread, body="Das wird ausgeblendet.")
    hidden.is_hidden = True
    db.add(hidden)
    db.commit()
    assert reading.unread_for_threads(db, outside, [open_thread]) == {}
    assert reading.unread_threads_by_category(db, outside, boards) == {}
    # The start page names no count for the closed board to the outsider.
    start = client.get("/").text
    assert closed.name not in start
    assert "mit neuen Beiträgen" not in start
    assert secret.id not in reading.unread_for_threads(db, outside, [open_thread])


def test_all_read_clears_a_board_until_something_new_comes(client, db: Session) -> None:
    reader, author = make_user(db), make_user(db)
    board = make_category(db)
    other = make_category(db)
    threads = [make_thread(db, author=author, category=board) for _ in range(2)]
    elsewhere = make_thread(db, author=author, category=other)
    sign_in(client, reader)
    assert all(">neu</a>" in _board_row(client, board, t) for t in threads)

    page = client.get(f"/c/{board.slug}").text
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
    done = client.post(f"/c/{board.slug}/read", data={"csrf_token": token}, follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"] == f"/c/{board.slug}"
    assert all("badge" not in _board_row(client, board, t) for t in threads)
    assert ">neu</a>" in _board_row(client, other, elsewhere)  # only that board

    make_reply(db, author=author, thread=threads[0], body="Eine Antwort danach.")
    assert "1 ungelesen" in _board_row(client, board, threads[0])


def test_marking_a_board_read_needs_a_member(anon, db: Session) -> None:
    board = make_category(db)
    anon.get("/")
    token = anon.cookies.get("community_csrf")
    response = anon.post(f"/c/{board.slug}/read", data={"csrf_token": token})
    assert response.status_code == 401


def test_views_count_people_not_bots(app, anon, db: Session, engine) -> None:
    board = make_category(db)
    thread = make_thread(db, author=make_user(db), category=board)
    anon.get(f"/t/{thread.id}/{thread.slug}")
    anon.get(f"/t/{thread.id}/{thread.slug}", headers={"User-Agent": "Mozilla/5.0 Googlebot/2.1"})
    anon.get(f"/t/{thread.id}/{thread.slug}")
    assert app.state.views.flush(engine) == 1  # what the app's lifespan does every few seconds
    db.expire_all()
    assert db.get(Thread, thread.id).view_count == 2  # type: ignore[union-attr]
    assert '<td class="num views">2<' in _board_row(anon, board, thread)


def test_views_of_several_threads_are_written_together_and_not_twice(
    app, anon, db: Session, engine
) -> None:
    board = make_category(db)
    first, second = (make_thread(db, author=make_user(db), category=board) for _ in range(2))
    for _ in range(3):
        anon.get(f"/t/{first.id}/{first.slug}")
    anon.get(f"/t/{second.id}/{second.slug}")
    assert app.state.views.flush(engine) == 2
    assert app.state.views.flush(engine) == 0
    db.expire_all()
    assert [db.get(Thread, t.id).view_count for t in (first, second)] == [3, 1]  # type: ignore[union-attr]


def test_an_anonymous_thread_page_writes_nothing(anon, db: Session, engine) -> None:
    """A view is counted in memory: readers of a busy thread never queue for a lock."""
    thread = make_thread(db, author=make_user(db), category=make_category(db))
    anon.get(f"/t/{thread.id}/{thread.slug}")  # the first visit sets the CSRF cookie
    with counting(engine) as statements:
        assert anon.get(f"/t/{thread.id}/{thread.slug}").status_code == 200
    writes = [s for s in statements if not s.lstrip().upper().startswith(("SELECT", "PRAGMA"))]
    assert writes == []


@pytest.mark.commits
def test_views_counted_before_a_shutdown_are_kept(app, db: Session) -> None:
    board = make_category(db)
    thread = make_thread(db, author=make_user(db), category=board)
    db.commit()
    with TestClient(app) as visitor:  # runs the lifespan: its end writes what is pending
        for _ in range(4):
            visitor.get(f"/t/{thread.id}/{thread.slug}")
    db.expire_all()
    assert db.get(Thread, thread.id).view_count == 4  # type: ignore[union-attr]


def test_erasure_removes_the_reading_state(client, db: Session) -> None:
    reader = make_user(db)
    board = make_category(db)
    thread = make_thread(db, author=make_user(db), category=board)
    sign_in(client, reader)
    _open(client, thread)
    reading.mark_category_read(db, viewer_for(db, reader), board)
    db.commit()
    exported = privacy.export_data(db, viewer_for(db, reader))["reading"]
    assert [r["thread_id"] for r in exported["threads"]] == [thread.id]
    assert [b["category_id"] for b in exported["boards_marked_read"]] == [board.id]
    privacy.erase_own_account(
        db, viewer_for(db, reader), password=PASSWORD, confirm=True, remove_posts=False
    )
    db.commit()
    for table in (ThreadRead, CategoryRead):
        assert not db.execute(select(table).where(col(table.user_id) == reader.id)).all()


def test_posts_show_the_author_count_member_since_and_expert_mark(anon, db: Session) -> None:
    expert = make_user(db, role=Role.expert)
    board = make_category(db)
    thread = make_thread(db, author=expert, category=board)
    make_reply(db, author=expert, thread=thread, body="Noch ein Hinweis von mir.")
    deleted = make_reply(db, author=expert, thread=thread, body="Dieser zählt nicht mit.")
    forum.delete_post(db, viewer_for(db, expert), deleted.id)  # type: ignore[arg-type]
    db.commit()
    page = anon.get(f"/t/{thread.id}/{thread.slug}").text
    assert "2 Beiträge" in page  # deleted posts do not count, as on the profile
    assert re.search(r"Mitglied seit \w+ 20\d\d", page)
    assert 'class="badge expert"' in page and ">Experte<" in page
    profile = anon.get(f"/u/{expert.nickname}").text
    assert 'src="/avatars/' in profile


def test_nothing_older_than_two_weeks_is_new(db: Session) -> None:
    long_ago = utcnow() - timedelta(days=30)
    reader = make_user(db)
    reader.created_at = long_ago
    db.add(reader)
    board = make_category(db)
    old = make_thread(db, author=make_user(db), category=board)
    recent = make_thread(db, author=make_user(db), category=board)
    then = utcnow() - reading.NEW_WITHIN - timedelta(days=1)
    old.created_at = old.last_post_at = then
    db.add(old)
    db.execute(update(Post).where(col(Post.thread_id) == old.id).values(created_at=then))
    db.commit()
    marks = reading.unread_for_threads(db, viewer_for(db, reader), [old, recent])
    assert set(marks) == {recent.id} and marks[recent.id].new
    assert reading.unread_threads_by_category(db, viewer_for(db, reader), [board.id]) == {
        board.id: 1
    }


def test_the_post_count_beside_posts_is_the_profiles_and_hides_closed_boards(
    anon, db: Session
) -> None:
    author, outsider = make_user(db), make_user(db)
    group = make_group(db, members=[author])
    closed = make_category(db, groups=[group])
    public = make_category(db)
    make_thread(db, author=author, category=closed)
    make_thread(db, author=author, category=public)
    for viewer in (viewer_for(db, outsider), viewer_for(db, author)):
        shown = figures.post_counts(db, viewer, [author.id])  # type: ignore[list-item]
        assert shown.get(author.id, 0) == figures.profile_figures(db, author, viewer).posts
    assert figures.post_counts(db, viewer_for(db, outsider), [author.id]) == {author.id: 1}  # type: ignore[list-item]
