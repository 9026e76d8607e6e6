"""No N+1: the number of SQL statements of a page does not grow with its posts or threads."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Engine, event
from sqlmodel import Session

from community.accounts.models import Role
from community.accounts.viewer import viewer_for
from community.moderation import service as moderation
from community.moderation.models import ReportReason
from community.reputation import service as reputation
from community.site import service as site_settings
from tests.factories import make_category, make_reply, make_thread, make_user, sign_in


@contextmanager
def counting(engine: Engine) -> Iterator[list[str]]:
    statements: list[str] = []

    def record(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        # The app writes the batched view counts every 5 s from a task of its own, on the
        # same engine; on a slow machine that write lands inside the counted request.
        if not (statement.startswith("UPDATE threads SET view_count")):
            statements.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", record)


def _thread_page_queries(client, engine: Engine, thread) -> int:  # type: ignore[no-untyped-def]
    # Counted the second time: the first may read what the process then keeps until the
    # next change (the site settings, web/pages.py load_legal_links).
    path = f"/t/{thread.id}/{thread.slug}"
    assert client.get(path).status_code == 200
    with counting(engine) as statements:
        assert client.get(path).status_code == 200
    return len(statements)


def test_thread_page_queries_do_not_grow_with_replies(client, engine: Engine, db: Session) -> None:
    viewer = make_user(db)
    category = make_category(db)
    small = make_thread(db, author=make_user(db), category=category)
    big = make_thread(db, author=make_user(db), category=category)
    for thread, n in ((small, 2), (big, 30)):
        for _ in range(n):
            # Every reply by a different member with kudos: ranks, badges and buttons per post.
            author = make_user(db)
            post = make_reply(db, author=author, thread=thread)
            reputation.give_kudos(db, viewer_for(db, viewer), post.id)  # type: ignore[arg-type]
        db.commit()
    sign_in(client, viewer)
    few = _thread_page_queries(client, engine, small)
    many = _thread_page_queries(client, engine, big)
    assert many == few, f"{few} statements for 3 posts, {many} for 31"
    # A member's thread page (bell, read mark, kudos and watch state, draft): the version
    # of the pages, the session with its user (and whether they are in a group), and the
    # member's own reads with the kudos they gave in one statement; what every member sees
    # is kept under the version (web/threadshare.py).
    assert few <= 3, f"{few} statements"


def test_board_page_queries_do_not_grow_with_threads(anon, engine: Engine, db: Session) -> None:
    small = make_category(db, slug="klein")
    big = make_category(db, slug="gross")
    for category, n in ((small, 2), (big, 25)):
        for _ in range(n):
            thread = make_thread(db, author=make_user(db), category=category)
            make_reply(db, author=make_user(db), thread=thread)  # a different last poster
    counts = []
    for slug in ("klein", "gross"):
        site_settings.forget_shared()  # each page reads the settings itself
        with counting(engine) as statements:
            page = anon.get(f"/c/{slug}")
        assert page.status_code == 200
        counts.append(len(statements))
    assert counts[0] == counts[1], f"{counts[0]} statements for 2 threads, {counts[1]} for 25"
    with counting(engine) as statements:
        assert anon.get("/").status_code == 200
    assert len(statements) < 15, statements


def _reported_posts(db: Session, board: Any, moderator: Any, count: int) -> None:
    """`count` posts by as many authors, each reported by two members, each author with an
    earlier decision (a hidden post) for the queue's history column."""
    mod = viewer_for(db, moderator)
    for _ in range(count):
        author = make_user(db)
        thread = make_thread(db, author=make_user(db), category=board)
        earlier = make_reply(db, author=author, thread=thread)
        moderation.hide_post(db, mod, earlier.id, "Werbung")  # type: ignore[arg-type]
        post = make_reply(db, author=author, thread=thread)
        for _ in range(2):
            moderation.report_post(
                db,
                viewer_for(db, make_user(db)),
                post.id,  # type: ignore[arg-type]
                reason=ReportReason.spam,
                comment="",
            )
    db.commit()


def _queue_queries(client, engine: Engine) -> tuple[int, int, list[dict[str, Any]]]:  # type: ignore[no-untyped-def]
    with counting(engine) as api:
        response = client.get("/api/v1/moderation/queue")
    assert response.status_code == 200, response.text
    with counting(engine) as page:
        assert client.get("/moderation").status_code == 200
    return len(api), len(page), response.json()["items"]


def test_moderation_queue_queries_do_not_grow_with_reports(
    client, engine: Engine, db: Session
) -> None:
    board = make_category(db)
    moderator = make_user(db, role=Role.moderator)
    _reported_posts(db, board, moderator, 2)
    sign_in(client, moderator)
    api_few, page_few, items = _queue_queries(client, engine)
    assert len(items) == 2
    _reported_posts(db, board, moderator, 10)
    api_many, page_many, items = _queue_queries(client, engine)
    # Everything the moderator sees per post is still there.
    assert len(items) == 12
    for item in items:
        assert len(item["reports"]) == 2 and all(r["reporter"] for r in item["reports"])
        assert item["author_post_count"] == 2 and item["author_hidden_count"] == 1
        assert [d["action"] for d in item["earlier_decisions"]] == ["post.hide"]
    assert (api_many, page_many) == (api_few, page_few), (
        f"API {api_few} / page {page_few} statements for 2 reported posts, "
        f"{api_many} / {page_many} for 12"
    )
