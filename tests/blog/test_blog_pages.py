"""The blog in plain HTML: staff write with a preview, the four-eyes steps, the cover
picture, the list, the article with JSON-LD and comments, the start page slots, the feed
and the sitemap — and a closed group's article on none of them for an outsider."""

from __future__ import annotations

import io
import json
import os
import re
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from PIL import Image
from sqlalchemy import Engine
from sqlmodel import Session

from community.accounts.models import Role, User
from community.accounts.viewer import viewer_for
from community.blog import revisions, spotlight
from community.blog import service as blog
from community.blog.models import Article
from community.clock import utcnow
from community.config import get_settings
from community.jobs.worker import Worker
from tests.factories import make_category, make_group, make_user, sign_in
from tests.web.test_query_counts import counting
from tests.web.test_sitemaps import sitemap_urls


def _post(client: TestClient, url: str, files: Any = None, **fields: str) -> Any:
    fields["csrf_token"] = client.cookies.get("community_csrf") or ""
    return client.post(url, data=fields, files=files, follow_redirects=False)


@pytest.fixture
def staff(db: Session) -> tuple[User, User]:
    return (
        make_user(db, nickname="Autorin", staff=True, real_name="Anna Korn"),
        make_user(db, nickname="Pruefer", role=Role.moderator, staff=True),
    )


def _published(db: Session, staff: tuple[User, User], board_groups: Any = (), **kw: Any) -> Article:
    author, reviewer = staff
    category = make_category(db, slug=kw.pop("slug", None), groups=list(board_groups))
    article = blog.create_article(
        db,
        viewer_for(db, author),
        title=kw.get("title", "Neue Tarife 2027"),
        teaser=kw.get("teaser", "Was sich für Geschäftskunden ändert."),
        body="Ab **Januar** gilt das neue Volumen.",
        category_slug=category.slug,
    )
    assert article.id is not None
    blog.submit_for_review(db, viewer_for(db, author), article.id)
    blog.publish(db, viewer_for(db, reviewer), article.id)
    db.commit()
    return article


def test_staff_write_preview_and_publish_with_four_eyes(
    db: Session, make_client: Any, staff: tuple[User, User]
) -> None:
    author, reviewer = staff
    make_category(db, slug="tarife", name="Tarife")
    writer, checker = make_client(), make_client()
    sign_in(writer, author)
    sign_in(checker, reviewer)
    # Refused: the typed text stays in the form.
    refused = _post(
        writer,
        "/admin/blog/new",
        title="Ti",
        teaser="Kurz und gut",
        body="Text hier",
        category="tarife",
    )
    assert refused.status_code == 422
    assert "Kurz und gut" in refused.text and "Text hier" in refused.text
    # No title and no board: both marked in one answer.
    both = _post(writer, "/admin/blog/new", title="", teaser="Kurz", body="Text", category="")
    assert 'id="title-error"' in both.text and 'id="category-error"' in both.text
    preview = _post(
        writer,
        "/admin/blog/new",
        title="Neue Tarife",
        teaser="Kurz",
        body="**fett**",
        category="tarife",
        action="preview",
    )
    assert "<strong>fett</strong>" in preview.text
    created = _post(
        writer,
        "/admin/blog/new",
        title="Neue Tarife",
        teaser="Kurz und gut",
        body="Der **Text**.",
        category="tarife",
        comments="on",
    )
    assert created.status_code == 303
    path = created.headers["location"]
    article_id = int(path.rsplit("/", 1)[1])
    assert _post(writer, f"{path}/submit").status_code == 303
    page = writer.get(path)
    assert "Ein zweites Teammitglied muss den Artikel prüfen" in page.text
    assert f'action="{path}/publish"' not in page.text
    assert _post(writer, f"{path}/publish").status_code == 403
    assert writer.get("/blog").text.count("Neue Tarife") == 0
    assert _post(checker, f"{path}/publish").status_code == 303
    db.expire_all()
    article = db.get(Article, article_id)
    assert article is not None and article.status == "published"
    history = checker.get(path).text
    assert "veröffentlicht" in history and "zur Prüfung gegeben" in history
    member = make_client()
    sign_in(member, make_user(db))
    assert member.get("/admin/blog").status_code == 403


def test_scheduled_publication_and_a_bad_time_keep_the_page(
    db: Session, make_client: Any, staff: tuple[User, User]
) -> None:
    author, reviewer = staff
    category = make_category(db)
    article = blog.create_article(
        db,
        viewer_for(db, author),
        title="Geplanter Artikel",
        teaser="Bald",
        body="Text",
        category_slug=category.slug,
    )
    blog.submit_for_review(db, viewer_for(db, author), article.id)  # type: ignore[arg-type]
    db.commit()
    checker = make_client()
    sign_in(checker, reviewer)
    bad = _post(checker, f"/admin/blog/{article.id}/publish", at="gestern")
    assert bad.status_code == 422 and "Datum und Uhrzeit" in bad.text
    later = (utcnow() + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    assert _post(checker, f"/admin/blog/{article.id}/publish", at=later).status_code == 303
    assert "geplant für" in checker.get("/admin/blog").text
    anon = make_client()
    assert anon.get(f"/blog/{article.id}/{article.slug}").status_code == 404
    assert "Geplanter Artikel" not in anon.get("/blog").text


def test_cover_upload_is_cleaned_and_served_only_with_the_article(
    db: Session, make_client: Any, staff: tuple[User, User]
) -> None:
    article = _published(db, staff)
    writer = make_client()
    sign_in(writer, staff[0])
    # Noise in a PNG does not compress: a picture of some 1.4 MB, over the 1 MB of a form
    picture = Image.frombytes("RGB", (700, 700), os.urandom(700 * 700 * 3))
    data = io.BytesIO()
    exif = Image.Exif()
    exif[0x010E] = "Geheime Beschreibung"
    picture.save(data, "PNG", exif=exif)
    assert get_settings().max_body_bytes < len(data.getvalue())
    sent = _post(
        writer,
        f"/admin/blog/{article.id}/cover/upload",
        files={"picture": ("c.png", data.getvalue(), "image/png")},
    )
    assert sent.status_code == 303
    bad = _post(
        writer,
        f"/admin/blog/{article.id}/cover/upload",
        files={"picture": ("c.txt", b"kein Bild", "text/plain")},
    )
    assert bad.status_code == 422 and "PNG, JPEG oder WebP" in bad.text
    # The article is live: the new picture waits for a second staff member.
    page = make_client().get(f"/blog/{article.id}/{article.slug}")
    assert "cover-" not in page.text
    own = writer.get(f"/admin/blog/{article.id}").text
    assert "Änderung wartet auf Prüfung" in own and "Änderung freigeben" not in own
    preview = f"/admin/blog/{article.id}/revision-cover.webp"
    assert f'src="{preview}"' in own
    assert make_client().get(preview).status_code in (401, 403, 404)
    checker = make_client()
    sign_in(checker, staff[1])
    assert checker.get(preview).headers["content-type"] == "image/webp"
    assert _post(checker, f"/admin/blog/{article.id}/approve").status_code == 303
    page = make_client().get(f"/blog/{article.id}/{article.slug}")
    [src] = re.findall(r'src="(/blog/\d+/cover-[^"]+\.webp)"', page.text)
    image = make_client().get(src)
    assert image.status_code == 200 and image.headers["content-type"] == "image/webp"
    assert b"Geheime" not in image.content
    assert Image.open(io.BytesIO(image.content)).size == (1200, 675)
    blog.withdraw(db, viewer_for(db, staff[1]), article.id)  # type: ignore[arg-type]
    db.commit()
    assert make_client().get(src).status_code == 404


def test_list_article_start_page_feed_and_sitemap_for_a_public_article(
    db: Session, make_client: Any, staff: tuple[User, User]
) -> None:
    article = _published(db, staff)
    now = utcnow()
    anon = make_client()
    spotlight.create(
        db,
        viewer_for(db, staff[0]),
        title="Frühjahrsangebot",
        text="20 % auf Router",
        link_url="https://example.com/angebot",
        starts_at=now - timedelta(hours=1),
        ends_at=now + timedelta(days=1),
    )
    db.commit()
    home = anon.get("/").text
    assert "Neu im Blog" in home and "Neue Tarife 2027" in home
    assert "Frühjahrsangebot" in home and 'href="https://example.com/angebot"' in home
    assert "Neue Tarife 2027" in anon.get("/blog").text
    page = anon.get(f"/blog/{article.id}/{article.slug}")
    assert page.status_code == 200 and "<strong>Januar</strong>" in page.text
    [raw] = re.findall(r'<script type="application/ld\+json">(.*?)</script>', page.text, re.S)
    data = json.loads(raw)
    assert data["@type"] == "BlogPosting" and data["headline"] == "Neue Tarife 2027"
    assert "Korn" not in page.text  # the real name never; at most "Anna K." by the setting
    assert anon.get(f"/blog/{article.id}/falsch", follow_redirects=False).status_code == 301
    feed = anon.get("/blog/feed.atom")
    assert feed.headers["content-type"].startswith("application/atom+xml")
    assert "Neue Tarife 2027" in feed.text
    assert f"http://testserver/blog/{article.id}/{article.slug}" in sitemap_urls(anon)


def test_start_page_has_no_blog_slots_without_content(make_client: Any) -> None:
    home = make_client().get("/").text
    assert "Neu im Blog" not in home and 'id="spotlight-heading"' not in home


def test_a_closed_groups_article_is_on_no_surface_for_an_outsider(
    db: Session, engine: Engine, make_client: Any, staff: tuple[User, User]
) -> None:
    insider, outsider = make_user(db), make_user(db)
    group = make_group(db, members=[insider, staff[0]])
    article = _published(db, staff, board_groups=[group], title="Nur für Partner")
    Worker(engine).run_until_empty()  # the search index learns of the comment thread
    inside, outside = make_client(), make_client()
    sign_in(inside, insider)
    sign_in(outside, outsider)
    path = f"/blog/{article.id}/{article.slug}"
    assert inside.get(path).status_code == 200
    assert "Nur für Partner" in inside.get("/").text
    # Found by a word of its body alone, and the hit leads to the article.
    found = f'href="{path}"'
    assert found in inside.get("/search", params={"q": "Partner"}).text
    assert found in inside.get("/search", params={"q": "Volumen"}).text
    hits = inside.get("/api/v1/search", params={"q": "Volumen"}).json()["items"]
    assert [h["url"] for h in hits] == [path]
    for client in (outside, make_client()):
        assert client.get("/search", params={"q": "Volumen"}).text.count("Volumen</mark>") == 0
        assert client.get("/api/v1/search", params={"q": "Volumen"}).json()["items"] == []
        assert client.get(path).status_code == 404
        for url in ("/", "/blog", "/blog/feed.atom", "/sitemap.xml", "/api/v1/articles"):
            assert "Nur für Partner" not in client.get(url).text, url
        assert client.get(f"/api/v1/articles/{article.id}").status_code == 404
        assert client.get(f"/t/{article.thread_id}/x").status_code == 404
        searched = client.get("/search", params={"q": "Partner"}).text
        assert found not in searched and "Partner</mark>" not in searched


def test_comments_show_under_the_article_and_can_be_switched_off(
    db: Session, make_client: Any, staff: tuple[User, User]
) -> None:
    article = _published(db, staff)
    member = make_user(db, nickname="Kundin")
    reader = make_client()
    sign_in(reader, member)
    path = f"/blog/{article.id}/{article.slug}"
    page = reader.get(path).text
    assert f'action="/t/{article.thread_id}/reply"' in page
    assert f'name="back" value="{path}"' in page
    posted = _post(
        reader,
        f"/t/{article.thread_id}/reply",
        body="Gilt das auch für Bestandsverträge?",
        action="publish",
        back=path,
    )
    # Back on the article, not on the thread that holds its comments
    assert posted.status_code == 303
    assert posted.headers["location"].startswith(f"{path}#post-")
    page = reader.get(path).text
    assert "Gilt das auch für Bestandsverträge?" in page and "Kundin" in page
    assert "Ihr Kommentar ist veröffentlicht." in page
    # Only the blog's own addresses are gone back to
    elsewhere = _post(
        reader, f"/t/{article.thread_id}/reply", body="Und woanders hin?", back="//evil.example"
    )
    assert elsewhere.headers["location"].startswith(f"/t/{article.thread_id}/")
    revisions.update_article(db, viewer_for(db, staff[0]), article.id, comments_enabled=False)  # type: ignore[arg-type]
    db.commit()
    assert f'action="/t/{article.thread_id}/reply"' in reader.get(path).text  # until approved
    revisions.approve_revision(db, viewer_for(db, staff[1]), article.id)  # type: ignore[arg-type]
    db.commit()
    page = reader.get(path).text
    assert "Kommentare sind für diesen Artikel geschlossen." in page
    assert f'action="/t/{article.thread_id}/reply"' not in page
    assert (
        _post(
            reader, f"/t/{article.thread_id}/reply", body="Und noch etwas?", action="publish"
        ).status_code
        == 403
    )


def _blog_queries(client: TestClient, engine: Engine, url: str) -> int:
    with counting(engine) as statements:
        assert client.get(url).status_code == 200
    return len(statements)


def test_blog_list_and_api_queries_do_not_grow_with_articles(
    db: Session, engine: Engine, make_client: Any, staff: tuple[User, User]
) -> None:
    authors = [make_user(db, staff=True, real_name=f"Anna Nummer{n}") for n in range(10)]
    _published(db, (authors[0], staff[1]))
    _published(db, (authors[1], staff[1]))
    anon = make_client()
    few = [_blog_queries(anon, engine, url) for url in ("/blog", "/api/v1/articles")]
    for author in authors[2:]:
        _published(db, (author, staff[1]))
    many = [_blog_queries(anon, engine, url) for url in ("/blog", "/api/v1/articles")]
    assert many == few, f"2 articles: {few} statements (page, API); 10 articles: {many}"
