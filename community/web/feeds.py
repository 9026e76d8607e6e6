"""Atom feeds: a board's newest threads, solved questions (site-wide and per board), a
search; and the page where a member of a closed board gets a personal feed address.

The XML is written by feedgen; who sees what is decided in community/feeds/service.py."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from email.utils import format_datetime, parsedate_to_datetime
from typing import Annotated, Literal
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, Response

from community import i18n
from community.accounts.viewer import ANONYMOUS, Viewer
from community.auth import check_csrf
from community.config import get_settings
from community.deps import SessionDep
from community.feeds import service as feeds
from community.feeds.service import FeedEntry
from community.forum import boards as forum_boards
from community.indexing import service as indexing
from community.web.deps import CsrfField, WebViewer, login_first
from community.web.pages import render
from community.web.search_routes import SOLVED

router = APIRouter(include_in_schema=False)

ATOM = "application/atom+xml; charset=utf-8"
TokenQuery = Annotated[str, Query(max_length=100)]
# Feed readers poll; five minutes is what they are usually set to anyway.
MAX_AGE = 300


def _feed_viewer(session: SessionDep, token: str) -> Viewer:
    """Without a token a feed reads as an anonymous visitor, whoever's browser asks:
    a feed address is copied around, and must not show what its copier saw signed in."""
    return feeds.viewer_for_token(session, token) if token else ANONYMOUS


def _url(path: str) -> str:
    return get_settings().public_url.rstrip("/") + path


def thread_url(entry: FeedEntry) -> str:
    return _url(f"/t/{entry.thread_id}/{entry.slug}")


@dataclass(frozen=True)
class AtomItem:
    """One entry of any feed the forum writes (threads, blog articles)."""

    url: str
    title: str
    author: str
    published: datetime
    updated: datetime
    summary: str = ""
    content_html: str | None = None


def thread_item(entry: FeedEntry) -> AtomItem:
    return AtomItem(
        url=thread_url(entry),
        title=entry.title,
        author=entry.author,
        published=entry.published,
        updated=entry.updated,
        summary=entry.summary,
    )


def _atom(
    request: Request,
    *,
    path: str,
    title: str,
    page: str,
    entries: Sequence[FeedEntry],
    personal: bool,
) -> Response:
    items = [thread_item(e) for e in entries]
    return atom_response(request, path=path, title=title, page=page, items=items, personal=personal)


def atom_response(
    request: Request,
    *,
    path: str,
    title: str,
    page: str,
    items: Sequence[AtomItem],
    personal: bool,
) -> Response:
    """The Atom document with its caching headers, or 304 when the reader has it."""
    updated = max((i.updated for i in items), default=feeds.EPOCH)
    # Imported here: feedgen with lxml is ~2 MiB that only a feed reader's request needs.
    from feedgen.feed import FeedGenerator

    fg = FeedGenerator()
    # The id and self link never carry the token: they end up in readers and logs.
    fg.id(_url(path))
    fg.title(title)
    fg.author({"name": get_settings().site_name})
    fg.link(href=_url(page), rel="alternate", type="text/html")
    fg.link(href=_url(path), rel="self", type="application/atom+xml")
    fg.language(i18n.current_locale())
    fg.generator(get_settings().site_name)  # not the library and its version
    fg.updated(updated)
    for one in items:
        item = fg.add_entry(order="append")
        item.id(one.url)
        item.title(one.title)
        item.link(href=one.url, rel="alternate", type="text/html")
        item.author({"name": one.author})
        item.published(one.published)
        item.updated(one.updated)
        if one.summary:
            item.summary(one.summary)
        if one.content_html is not None:
            item.content(one.content_html, type="html")
    body: bytes = fg.atom_str(pretty=True)
    etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
    headers = {
        "ETag": etag,
        "Last-Modified": format_datetime(updated, usegmt=True),
        "Cache-Control": f"{'private' if personal else 'public'}, max-age={MAX_AGE}",
        "Vary": "Accept-Language",
    }
    if personal:
        headers["X-Robots-Tag"] = "noindex"
    if _not_modified(request, etag, updated):
        return Response(status_code=304, headers=headers)
    return Response(body, media_type=ATOM, headers=headers)


def _not_modified(request: Request, etag: str, updated: datetime) -> bool:
    match = request.headers.get("if-none-match")
    if match is not None:  # RFC 9110: If-None-Match wins over If-Modified-Since
        return etag in [m.strip().removeprefix("W/") for m in match.split(",")] or match == "*"
    since = request.headers.get("if-modified-since")
    if not since:
        return False
    try:
        return updated.replace(microsecond=0) <= parsedate_to_datetime(since)
    except (TypeError, ValueError):
        return False


def start_feed(request: Request) -> None:
    i18n.set_locale(i18n.pick_locale(request))


@router.api_route("/c/{slug}/feed.atom", methods=["GET", "HEAD"])
def board_feed(
    slug: str, request: Request, session: SessionDep, token: TokenQuery = ""
) -> Response:
    start_feed(request)
    viewer = _feed_viewer(session, token)
    category = forum_boards.get_category(session, viewer, slug)
    entries = feeds.board_entries(session, viewer, category)
    title = i18n.gettext("%(board)s: neueste Themen") % {"board": category.name}
    return _atom(
        request,
        path=f"/c/{category.slug}/feed.atom",
        title=title,
        page=f"/c/{category.slug}",
        entries=entries,
        personal=bool(token),
    )


@router.api_route("/c/{slug}/solved.atom", methods=["GET", "HEAD"])
def board_solved_feed(
    slug: str, request: Request, session: SessionDep, token: TokenQuery = ""
) -> Response:
    start_feed(request)
    viewer = _feed_viewer(session, token)
    category = forum_boards.get_category(session, viewer, slug)
    entries = feeds.board_entries(session, viewer, category, solved=True)
    title = i18n.gettext("%(board)s: gelöste Fragen") % {"board": category.name}
    return _atom(
        request,
        path=f"/c/{category.slug}/solved.atom",
        title=title,
        page=f"/c/{category.slug}?solved=solved",
        entries=entries,
        personal=bool(token),
    )


@router.api_route("/solved.atom", methods=["GET", "HEAD"])
def solved_feed(request: Request, session: SessionDep, token: TokenQuery = "") -> Response:
    start_feed(request)
    viewer = _feed_viewer(session, token)
    entries = feeds.solved_entries(session, viewer)
    title = i18n.gettext("%(site)s: gelöste Fragen") % {"site": get_settings().site_name}
    return _atom(
        request, path="/solved.atom", title=title, page="/", entries=entries, personal=bool(token)
    )


@router.api_route("/search.atom", methods=["GET", "HEAD"])
def search_feed(
    request: Request,
    session: SessionDep,
    q: Annotated[str, Query(max_length=indexing.QUERY_MAX)] = "",
    board: Annotated[str, Query(max_length=60)] = "",
    kind: Literal["", "question", "discussion"] = "",
    solved: Literal["all", "solved", "unsolved"] = "all",
    token: TokenQuery = "",
) -> Response:
    """The first page of the search, newest matches as a reader sees them."""
    start_feed(request)
    viewer = _feed_viewer(session, token)
    results = indexing.search(
        session,
        viewer,
        indexing.SearchQuery(q=q, board=board or None, kind=kind or None, solved=SOLVED[solved]),
    )
    entries = feeds.entries_for(session, viewer, [h.id for h in results.hits])
    query = urlencode({k: v for k, v in (("q", q), ("board", board), ("kind", kind)) if v})
    if solved != "all":
        query = "&".join(p for p in (query, f"solved={solved}") if p)
    suffix = f"?{query}" if query else ""
    title = i18n.gettext("Suche „%(q)s“") % {"q": q} if q else i18n.gettext("Suche")
    return _atom(
        request,
        path=f"/search.atom{suffix}",
        title=f"{get_settings().site_name}: {title}",
        page=f"/search{suffix}",
        entries=entries,
        personal=bool(token),
    )


# ---- the member's personal feed address --------------------------------------------------


def _token_page(
    request: Request, session: SessionDep, viewer: Viewer, token: str | None
) -> Response:
    return render(
        request,
        "feeds_settings.html",
        {
            "boards": feeds.closed_boards(session, viewer),
            "has_token": token is not None or feeds.has_token(session, viewer),
            "token": token,
        },
    )


@router.get("/settings/feeds", response_class=HTMLResponse)
def token_page(request: Request, session: SessionDep, viewer: WebViewer) -> Response:
    if viewer.user is None:
        return login_first("/settings/feeds")
    return _token_page(request, session, viewer, None)


@router.post("/settings/feeds", response_class=HTMLResponse)
def new_token(
    request: Request,
    session: SessionDep,
    viewer: WebViewer,
    csrf_token: CsrfField,
    action: Annotated[Literal["new", "revoke"], Form()] = "new",
) -> Response:
    """A new address (the old one stops working), shown once: only its hash is kept, so
    the page cannot show it again after a reload."""
    check_csrf(request, csrf_token)
    if viewer.user is None:
        return login_first("/settings/feeds")
    if action == "revoke":
        feeds.revoke_token(session, viewer)
        return _token_page(request, session, viewer, None)
    return _token_page(request, session, viewer, feeds.issue_token(session, viewer))
