"""HEAD, as uptime checks and link checkers ask: the GET's status and headers, no body (every
page answered 405 before); a closed board's thread answers 404 to HEAD as to GET."""

from __future__ import annotations

from community.forum.models import Thread
from tests.factories import make_category, make_group, make_thread, make_user


def test_head_answers_as_get_without_the_body(anon, db) -> None:  # type: ignore[no-untyped-def]
    thread = make_thread(db, author=make_user(db), category=make_category(db, slug="technik"))
    insider = make_user(db)
    closed = make_category(db, slug="intern", groups=[make_group(db, members=[insider])])
    secret = make_thread(db, author=insider, category=closed, title="Interne Preisliste")
    for path in ("/healthz", "/", f"/t/{thread.id}/{thread.slug}", "/c/technik/feed.atom"):
        got, head = anon.get(path), anon.head(path)
        assert head.status_code == got.status_code == 200, path
        assert head.content == b"", path
        assert head.headers["content-type"] == got.headers["content-type"], path
    healthz = anon.head("/healthz")
    assert int(healthz.headers["content-length"]) == len(anon.get("/healthz").content)
    assert anon.head(f"/t/{secret.id}/{secret.slug}").status_code == 404
    assert anon.head("/gibt-es-nicht").status_code == 404
    assert anon.head("/api/v1/categories").status_code == 200


def test_the_get_answering_a_head_sends_no_body_and_keeps_its_route() -> None:
    """At the ASGI level: HTTP clients drop a HEAD's body themselves, so only the messages
    sent show that none goes out, streamed or not, and the route reaches the log outside."""
    import asyncio
    import threading

    from community.middleware import HeadAsGet

    async def page(scope, receive, send) -> None:  # type: ignore[no-untyped-def]
        assert scope["method"] == "GET"
        scope["route"] = "the route"
        headers = [(b"content-length", b"10")]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": b"hello", "more_body": True})
        await send({"type": "http.response.body", "body": b"world"})

    sent: list[dict] = []  # type: ignore[type-arg]

    async def send(message) -> None:  # type: ignore[no-untyped-def]
        sent.append(message)

    async def receive() -> dict:  # type: ignore[type-arg]
        return {"type": "http.request", "body": b""}

    scope = {"type": "http", "method": "HEAD", "path": "/"}
    # In a thread of its own: after a browser test in the same process, Playwright's event
    # loop stays registered in the main thread, and asyncio.run refuses to start beside it.
    runner = threading.Thread(target=lambda: asyncio.run(HeadAsGet(page)(scope, receive, send)))
    runner.start()
    runner.join(timeout=10)
    assert sent[0]["headers"] == [(b"content-length", b"10")]  # GET's length
    assert sent[1:] == [{"type": "http.response.body", "body": b"", "more_body": False}]
    assert scope["route"] == "the route"


def test_a_head_counts_no_view(app, anon, db, engine) -> None:  # type: ignore[no-untyped-def]
    thread = make_thread(db, author=make_user(db), category=make_category(db))
    path = f"/t/{thread.id}/{thread.slug}"

    def views() -> int:
        app.state.views.flush(engine)
        db.expire_all()
        return db.get(Thread, thread.id).view_count  # type: ignore[union-attr]

    before = views()
    for _ in range(3):  # rendered, then from the page cache
        assert anon.head(path).status_code == 200
    assert views() == before
    anon.get(path)
    assert views() == before + 1  # a reader's GET still counts
