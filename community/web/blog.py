"""The blog as readers see it: the list, an article with its comments, the cover picture,
the Atom feed, and the two start page slots. Who sees what is the blog service's."""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlmodel import Session

from community import i18n
from community.accounts.viewer import ANONYMOUS, Viewer
from community.blog import covers, spotlight
from community.blog import service as blog
from community.blog.models import Article
from community.config import get_settings
from community.deps import IdPath, SessionDep
from community.feeds import service as feeds
from community.forum import permissions as perms
from community.forum import service as forum
from community.forum.models import Category, Thread
from community.web.deps import WebViewer
from community.web.feeds import AtomItem, atom_response, start_feed
from community.web.pages import render

router = APIRouter(include_in_schema=False)


def _cards(session: Session, articles: list[Article]) -> list[dict[str, Any]]:
    _loaded = blog.preload(session, articles)  # kept alive while the lookups run
    names = blog.author_names(session, articles)
    boards = {
        b.id: b
        for b in (session.get(Category, i) for i in {a.category_id for a in articles})
        if b is not None
    }
    return [
        {
            "article": a,
            "path": blog.article_path(a),
            "cover": covers.cover_path(a),
            "author": names[a.id or 0][0],
            "staff_name": names[a.id or 0][1],
            "board": boards.get(a.category_id),
            "comments": blog.comment_count(session, a),
        }
        for a in articles
    ]


def start_page_slots(session: Session, viewer: Viewer) -> dict[str, Any]:
    """ "Neu im Blog" and "Aktuell" for the start page; each None when there is nothing."""
    newest = blog.newest_article(session, viewer)
    return {
        "blog_newest": _cards(session, [newest])[0] if newest else None,
        "spotlight": spotlight.current(session),
    }


@router.get("/blog", response_class=HTMLResponse)
def blog_list(request: Request, session: SessionDep, viewer: WebViewer) -> Response:
    articles = blog.list_articles(session, viewer, limit=50)
    return render(request, "blog.html", {"cards": _cards(session, articles)})


def _jsonld(card: dict[str, Any]) -> str:
    article: Article = card["article"]
    base = get_settings().public_url.rstrip("/")
    data: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "BlogPosting",
        "headline": article.title,
        "description": article.teaser,
        "url": base + card["path"],
        "datePublished": article.published_at.isoformat() if article.published_at else None,
        "dateModified": article.updated_at.isoformat(),
        # The nickname is the public identity; "Anna K." only where the setting shows it.
        "author": {"@type": "Person", "name": card["staff_name"] or card["author"] or "—"},
        "publisher": {"@type": "Organization", "name": get_settings().site_name},
        "commentCount": card["comments"],
    }
    if card["cover"]:
        data["image"] = base + card["cover"]
    return (
        json.dumps(data, ensure_ascii=False)
        .replace("<", "\\u003c")
        .replace(">", "\\u003e")
        .replace("&", "\\u0026")
    )


@router.get("/blog/{article_id}/cover-{key}.webp")
def cover(article_id: IdPath, key: str, session: SessionDep, viewer: WebViewer) -> Response:
    image = covers.cover_image(session, viewer, article_id, key[:40])
    # The key changes with every upload; a closed board's cover must not sit in a shared cache.
    article = session.get(Article, article_id)
    public = article is not None and perms.can_see_article(session, ANONYMOUS, article)
    cache = "public, max-age=31536000, immutable" if public else "private, max-age=3600"
    return Response(image, media_type="image/webp", headers={"Cache-Control": cache})


@router.get("/blog/{article_id}/{slug}", response_class=HTMLResponse)
def article_page(
    article_id: IdPath, slug: str, request: Request, session: SessionDep, viewer: WebViewer
) -> Response:
    article = blog.get_article(session, viewer, article_id)
    if slug != article.slug:
        return RedirectResponse(blog.article_path(article), status_code=301)
    card = _cards(session, [article])[0]
    thread = session.get(Thread, article.thread_id) if article.thread_id else None
    comments: list[dict[str, Any]] = []
    if thread is not None and perms.can_see_thread(session, viewer, thread):
        posts = [p for p in forum.list_posts(session, viewer, thread).items if not p.is_opening]
        users = forum.users_by_id(session, [p.author_id for p in posts])
        comments = [
            {
                "post": p,
                "author": users.get(p.author_id),
                "body_html": p.body_html if perms.can_see_post_body(viewer, p) else None,
            }
            for p in posts
        ]
    else:
        thread = None
    return render(
        request,
        "blog_article.html",
        {
            "card": card,
            "article": article,
            "thread": thread,
            "comments": comments,
            "jsonld": _jsonld(card),
            "reply_body": "",
        },
    )


@router.api_route("/blog/feed.atom", methods=["GET", "HEAD"])
def blog_feed(
    request: Request, session: SessionDep, token: Annotated[str, Query(max_length=100)] = ""
) -> Response:
    """Public articles; with a member's personal feed token also their closed groups'."""
    start_feed(request)
    viewer = feeds.viewer_for_token(session, token) if token else ANONYMOUS
    articles = blog.list_articles(session, viewer, limit=30)
    base = get_settings().public_url.rstrip("/")
    items = [
        AtomItem(
            url=base + card["path"],
            title=card["article"].title,
            author=card["staff_name"] or card["author"] or "—",
            published=card["article"].published_at,
            updated=card["article"].updated_at,
            summary=card["article"].teaser,
            content_html=card["article"].body_html,
        )
        for card in _cards(session, articles)
    ]
    return atom_response(
        request,
        path="/blog/feed.atom",
        title=i18n.gettext("%(site)s: Blog") % {"site": get_settings().site_name},
        page="/blog",
        items=items,
        personal=bool(token),
    )
