"""What search engines read besides the pages: the sitemap, robots.txt and schema.org
JSON-LD for a thread. Only what a visitor may read: closed boards never appear."""

from __future__ import annotations

import json
import re
from html import escape
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter
from fastapi.responses import Response
from sqlalchemy import func, select
from sqlmodel import col

from community.accounts.models import User
from community.accounts.viewer import ANONYMOUS
from community.blog import service as blog
from community.config import get_settings
from community.deps import SessionDep
from community.errors import NotFound
from community.forum import permissions as perms
from community.forum.models import Post, Thread, ThreadKind
from community.web.pages import NOT_FOUND

router = APIRouter()

_TEXT_MAX = 2000


def _person(users: dict[int, User], user_id: int) -> dict[str, Any]:
    user = users.get(user_id)
    base = get_settings().public_url.rstrip("/")
    if user is None:
        return {"@type": "Person", "name": "—"}
    # The nickname is the only public identity; an erased account's pseudonym has no page.
    if user.erased_at is not None:
        return {"@type": "Person", "name": user.nickname}
    return {"@type": "Person", "name": user.nickname, "url": f"{base}/u/{quote(user.nickname)}"}


def _iso(post: Post) -> str:
    return post.created_at.isoformat() + ("Z" if post.created_at.tzinfo is None else "")


def _answer(thread_url: str, post: Post, users: dict[int, User]) -> dict[str, Any]:
    return {
        "@type": "Answer",
        "text": post.body[:_TEXT_MAX],
        "dateCreated": _iso(post),
        "upvoteCount": post.kudos_count,
        "url": f"{thread_url}#post-{post.id}",
        "author": _person(users, post.author_id),
    }


def _usable(post: Post) -> bool:
    return not post.is_hidden and not post.is_deleted


def thread_jsonld(
    thread: Thread, posts: list[Post], solution: Post | None, users: dict[int, User]
) -> str | None:
    """QAPage for a question (acceptedAnswer when solved), DiscussionForumPosting otherwise.
    Returned as JSON text safe inside a <script type="application/ld+json"> data block."""
    opening = next((p for p in posts if p.is_opening and _usable(p)), None)
    if opening is None:
        return None
    url = f"{get_settings().public_url.rstrip('/')}/t/{thread.id}/{thread.slug}"
    replies = [p for p in posts if not p.is_opening and _usable(p)]
    data: dict[str, Any]
    if thread.kind == ThreadKind.question.value:
        question: dict[str, Any] = {
            "@type": "Question",
            "name": thread.title,
            "text": opening.body[:_TEXT_MAX],
            "answerCount": thread.reply_count,
            "dateCreated": _iso(opening),
            "author": _person(users, opening.author_id),
        }
        if solution is not None and _usable(solution):
            question["acceptedAnswer"] = _answer(url, solution, users)
        others = [
            _answer(url, p, users) for p in replies if solution is None or p.id != solution.id
        ]
        if others:
            question["suggestedAnswer"] = others
        data = {"@context": "https://schema.org", "@type": "QAPage", "mainEntity": question}
    else:
        data = {
            "@context": "https://schema.org",
            "@type": "DiscussionForumPosting",
            "headline": thread.title,
            "text": opening.body[:_TEXT_MAX],
            "url": url,
            "datePublished": _iso(opening),
            "author": _person(users, opening.author_id),
            "interactionStatistic": {
                "@type": "InteractionCounter",
                "interactionType": "https://schema.org/CommentAction",
                "userInteractionCount": thread.reply_count,
            },
            "comment": [
                {
                    "@type": "Comment",
                    "text": p.body[:_TEXT_MAX],
                    "datePublished": _iso(p),
                    "author": _person(users, p.author_id),
                }
                for p in replies
            ],
        }
    # "</script>" or "<!--" in a post must not end the data block.
    return (
        json.dumps(data, ensure_ascii=False)
        .replace("<", "\\u003c")
        .replace(">", "\\u003e")
        .replace("&", "\\u0026")
    )


# The sitemap protocol allows 50,000 addresses a file; the one file before left out every
# thread beyond them and took 40-60 ms a request at 10,000 threads (reading the rows, ~4 us
# each, more than the database's part). The threads are listed in files by ranges of their
# ids, THREADS_PER_SITEMAP each: a file's threads stay in it as the forum grows, and a file
# costs the same at any size (~20 ms on PostgreSQL).
THREADS_PER_SITEMAP = 2_000
# Thread ids are 32-bit (PostgreSQL refuses a larger number in a statement on them).
_LAST_ID = 2**31 - 1
# A file's number as it is written in the index: no sign, no leading zero, at most the
# digits of the last range (int() of thousands of digits would fail, and "01" would be a
# second address of "1").
_NUMBER = re.compile(r"[1-9][0-9]{0,9}")
_XML = '<?xml version="1.0" encoding="UTF-8"?>'
_SITEMAPS = "http://www.sitemaps.org/schemas/sitemap/0.9"


def _xml(lines: list[str]) -> Response:
    return Response("\n".join(lines), media_type="application/xml")


@router.get("/sitemap.xml")
def sitemap_index(session: SessionDep) -> Response:
    """The sitemap index: the file of pages, and one file per range of thread ids that holds
    a thread a visitor may read (a range of closed boards' threads only is not named)."""
    base = escape(get_settings().public_url.rstrip("/"))
    number = (col(Thread.id) - 1) // THREADS_PER_SITEMAP
    ranges = session.execute(
        select(number, func.max(col(Thread.last_post_at)))
        .where(perms.visible_threads_filter(ANONYMOUS))
        .group_by(number)
        .order_by(number)
    ).all()
    lines = [_XML, f'<sitemapindex xmlns="{_SITEMAPS}">']
    lines.append(f"<sitemap><loc>{base}/sitemap-pages.xml</loc></sitemap>")
    for index, last in ranges:
        loc = f"{base}/sitemap-threads-{int(index) + 1}.xml"
        lines.append(
            f"<sitemap><loc>{loc}</loc><lastmod>{last.date().isoformat()}</lastmod></sitemap>"
        )
    lines.append("</sitemapindex>")
    return _xml(lines)


@router.get("/sitemap-threads-{number}.xml")
def sitemap_threads(number: str, session: SessionDep) -> Response:
    """The threads a visitor may read among ids (number - 1) * THREADS_PER_SITEMAP + 1 to
    number * THREADS_PER_SITEMAP; 404 when there is none."""
    # Not an int parameter: a number that names no range is a page that is not there (404),
    # not a malformed request.
    if _NUMBER.fullmatch(number) is None:
        raise NotFound(NOT_FOUND)
    first = (int(number) - 1) * THREADS_PER_SITEMAP + 1
    if first > _LAST_ID:
        raise NotFound(NOT_FOUND)
    last = min(first + THREADS_PER_SITEMAP - 1, _LAST_ID)
    base = get_settings().public_url.rstrip("/")
    threads = session.execute(
        select(col(Thread.id), col(Thread.slug), col(Thread.last_post_at))
        .where(
            perms.visible_threads_filter(ANONYMOUS),
            col(Thread.id).between(first, last),
        )
        .order_by(col(Thread.id))
    ).all()
    if not threads:
        raise NotFound(NOT_FOUND)
    lines = [_XML, f'<urlset xmlns="{_SITEMAPS}">']
    for ident, slug, at in threads:
        loc = escape(f"{base}/t/{ident}/{slug}")
        lines.append(f"<url><loc>{loc}</loc><lastmod>{at.date().isoformat()}</lastmod></url>")
    lines.append("</urlset>")
    return _xml(lines)


@router.get("/sitemap-pages.xml")
def sitemap_pages(session: SessionDep) -> Response:
    """The start page, the blog and its articles a visitor may read."""
    base = get_settings().public_url.rstrip("/")
    lines = [_XML, f'<urlset xmlns="{_SITEMAPS}">']
    lines.append(f"<url><loc>{escape(base)}/</loc></url>")
    lines.append(f"<url><loc>{escape(base)}/blog</loc></url>")
    for article in blog.list_articles(session, ANONYMOUS, limit=50_000):
        loc = escape(base + blog.article_path(article))
        day = article.updated_at.date().isoformat()
        lines.append(f"<url><loc>{loc}</loc><lastmod>{day}</lastmod></url>")
    lines.append("</urlset>")
    return _xml(lines)


@router.get("/robots.txt")
def robots() -> Response:
    base = get_settings().public_url.rstrip("/")
    return Response(
        f"User-agent: *\nDisallow: /api/\nSitemap: {base}/sitemap.xml\n", media_type="text/plain"
    )
