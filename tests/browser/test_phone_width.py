"""No public page scrolls sideways on a 390 px phone, with the demo's content (long
nicknames, rank badges, long titles): every GET page a visitor may open, in one browser."""

from __future__ import annotations

import pytest
from fastapi import FastAPI
from sqlalchemy import Engine, select
from sqlmodel import Session, col

from community.blog.models import Article
from community.demo import seed_demo_content
from community.forum.models import Post, Thread
from tests.browser.axe import PHONE
from tests.web.test_english_pages import get_routes

pytestmark = pytest.mark.commits


def _public_urls(app: FastAPI, db: Session) -> list[str]:
    thread = (
        db.execute(
            select(Thread)
            .where(col(Thread.category_id) == 1)
            .order_by(col(Thread.reply_count).desc())
        )
        .scalars()
        .first()
    )
    assert thread is not None
    post = db.execute(select(Post).where(col(Post.thread_id) == thread.id)).scalars().first()
    assert post is not None
    article = (
        db.execute(select(Article).where(col(Article.status) == "published")).scalars().first()
    )
    assert article is not None  # the demo blog
    values = {
        "{article_id}/{slug}": f"{article.id}/{article.slug}",
        "{thread_id}/{slug}": f"{thread.id}/{thread.slug}",
        "{thread_id}": str(thread.id),
        "{slug}": "internet",
        "{nickname}": "Praxis_Dr.Lenz",  # the longest demo nickname
        "{post_id}": str(post.id),
    }
    urls = []
    for path in get_routes(app):
        if path.startswith(("/admin", "/moderation", "/settings", "/notifications", "/leads")):
            continue  # not public
        for key, value in values.items():
            path = path.replace(key, value)
        if "{" not in path:
            urls.append(path)
    idea = db.execute(select(Thread).where(col(Thread.kind) == "idea")).scalars().first()
    assert idea is not None  # the demo's ideas board (community/ideas/demo.py)
    ideas = ["/ideas/ideen", "/ideas/ideen?sort=status", f"/t/{idea.id}/{idea.slug}"]
    return [*urls, "/leaderboard?period=year", "/search?q=Router", *ideas]


@pytest.mark.sqlite_only  # the width of the markup, the same on both databases
def test_no_public_page_scrolls_sideways_at_390_px(
    new_page, app: FastAPI, engine: Engine, db: Session
) -> None:  # type: ignore[no-untyped-def]
    seed_demo_content(engine, threads=40)
    urls = _public_urls(app, db)
    page, _watch = new_page(viewport=PHONE)
    seen, wide = 0, {}
    for url in urls:
        response = page.goto(url)
        assert response is not None
        if response.status != 200 or "/login" in page.url:
            continue  # for members only: not a public page
        seen += 1
        width = page.evaluate("document.documentElement.scrollWidth")
        if width > PHONE["width"]:
            wide[url] = width
    assert seen >= 12  # the public pages were really visited
    assert wide == {}
