"""HEAD, as uptime checks and link checkers ask: the GET's status and headers, no body (every
page answered 405 before); a closed board's thread answers 404 to HEAD as to GET."""

from __future__ import annotations

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
