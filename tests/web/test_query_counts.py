"""No N+1: the number of SQL statements of a page does not grow with its posts or threads."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Engine, event
from sqlmodel import Session

from community.accounts.viewer import viewer_for
from community.reputation import service as reputation
from tests.factories import login, make_category, make_reply, make_thread, make_user


@contextmanager
def counting(engine: Engine) -> Iterator[list[str]]:
    statements: list[str] = []

    def record(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", record)


def _thread_page_queries(client, engine: Engine, thread) -> int:  # type: ignore[no-untyped-def]
    with counting(engine) as statements:
        assert client.get(f"/t/{thread.id}/{thread.slug}").status_code == 200
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
    login(client, viewer)
    few = _thread_page_queries(client, engine, small)
    many = _thread_page_queries(client, engine, big)
    assert many == few, f"{few} statements for 3 posts, {many} for 31"


def test_board_page_queries_do_not_grow_with_threads(anon, engine: Engine, db: Session) -> None:
    small = make_category(db, slug="klein")
    big = make_category(db, slug="gross")
    for category, n in ((small, 2), (big, 25)):
        for _ in range(n):
            thread = make_thread(db, author=make_user(db), category=category)
            make_reply(db, author=make_user(db), thread=thread)  # a different last poster
    counts = []
    for slug in ("klein", "gross"):
        with counting(engine) as statements:
            page = anon.get(f"/c/{slug}")
        assert page.status_code == 200
        counts.append(len(statements))
    assert counts[0] == counts[1], f"{counts[0]} statements for 2 threads, {counts[1]} for 25"
    with counting(engine) as statements:
        assert anon.get("/").status_code == 200
    assert len(statements) < 15, statements
