"""The sitemaps search engines read (web/seo.py): an index, the file of pages, and one file
per range of thread ids; only what a visitor may read, in every file and in the index."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session

from community.web import seo
from tests.factories import make_category, make_group, make_thread, make_user

LOC = re.compile(r"<loc>([^<]+)</loc>")


def sitemap_urls(client: TestClient) -> list[str]:
    """Every address in the sitemaps the index names, as a search engine reads them."""
    index = client.get("/sitemap.xml")
    assert index.status_code == 200
    assert index.headers["content-type"].startswith("application/xml")
    assert "<sitemapindex" in index.text
    urls: list[str] = []
    for loc in LOC.findall(index.text):
        assert loc.startswith("http://testserver/sitemap-")
        part = client.get(loc.removeprefix("http://testserver"))
        assert part.status_code == 200, loc
        assert "<urlset" in part.text
        urls += LOC.findall(part.text)
    return urls


def test_threads_are_listed_in_files_of_a_range_of_ids_each(
    anon: TestClient, db: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(seo, "THREADS_PER_SITEMAP", 2)
    author = make_user(db)
    board = make_category(db)
    threads = [make_thread(db, author=author, category=board) for _ in range(5)]
    urls = sitemap_urls(anon)
    for thread in threads:
        assert urls.count(f"http://testserver/t/{thread.id}/{thread.slug}") == 1
    assert "http://testserver/" in urls and "http://testserver/blog" in urls
    index = anon.get("/sitemap.xml").text
    files = re.findall(r"/sitemap-threads-(\d+)\.xml", index)
    assert len(files) >= 3  # five threads, two ids a file
    for number in files:
        part = anon.get(f"/sitemap-threads-{number}.xml").text
        assert len(LOC.findall(part)) <= 2
    # A file stays where it is: the first thread's is the one its id falls in.
    first = threads[0].id
    assert first is not None
    own = anon.get(f"/sitemap-threads-{(first - 1) // 2 + 1}.xml").text
    assert f"/t/{first}/{threads[0].slug}" in own


def test_a_closed_board_is_in_no_sitemap_nor_named_by_the_index(
    anon: TestClient, db: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(seo, "THREADS_PER_SITEMAP", 2)
    member = make_user(db)
    closed = make_category(db, slug="intern", groups=[make_group(db, members=[member])])
    public = make_thread(db, author=member, category=make_category(db), title="Eine offene Frage")
    # Four closed threads in a row fill at least one range of two ids on their own.
    secret = [make_thread(db, author=member, category=closed) for _ in range(4)]
    urls = sitemap_urls(anon)
    assert f"http://testserver/t/{public.id}/{public.slug}" in urls
    assert not [u for u in urls if any(f"/t/{s.id}/" in u for s in secret)]
    # The range that holds only closed threads is neither named nor there.
    only_closed = {(s.id - 1) // 2 + 1 for s in secret if s.id is not None}
    only_closed -= {(public.id - 1) // 2 + 1} if public.id is not None else set()
    assert only_closed
    index = anon.get("/sitemap.xml").text
    for number in only_closed:
        assert f"/sitemap-threads-{number}.xml" not in index
        assert anon.get(f"/sitemap-threads-{number}.xml").status_code == 404


def test_the_index_dates_a_range_by_its_public_threads_only(anon: TestClient, db: Session) -> None:
    member = make_user(db)
    closed = make_category(db, slug="intern", groups=[make_group(db, members=[member])])
    public = make_thread(db, author=member, category=make_category(db), title="Eine offene Frage")
    secret = make_thread(db, author=member, category=closed, title="Eine interne Frage")
    public.last_post_at = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
    secret.last_post_at = datetime(2026, 9, 1, 12, 0, tzinfo=UTC)  # later, in the same range of ids
    db.add_all([public, secret])
    db.flush()
    index = anon.get("/sitemap.xml").text
    assert "<lastmod>2026-03-01</lastmod>" in index
    assert "2026-09-01" not in index


# The last range a 32-bit id falls in, the one after it, a leading zero (a second address of
# the first file), a number of thousands of digits, a negative one, a word.
LAST = str((2**31 - 2) // seo.THREADS_PER_SITEMAP + 1)
AFTER = str(int(LAST) + 1)


@pytest.mark.parametrize("number", ["0", LAST, AFTER, "01", "9" * 5000, "-1", "x"])
def test_a_sitemap_that_names_no_range_is_not_found(anon: TestClient, number: str) -> None:
    assert anon.get(f"/sitemap-threads-{number}.xml").status_code == 404
