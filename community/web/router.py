"""Every HTML route in one router, each page with the footer's legal links.

The routers are listed by area; the forum's comes after the one page at a literal path
under a thread (/t/{id}/contact-sales), which its /t/{id}/{slug} would take for a slug."""

from __future__ import annotations

from fastapi import APIRouter, Depends
from fastapi.routing import _IncludedRouter

from community.lazyroutes import LazyRouter
from community.web import (
    accounts,
    avatars,
    blog,
    feeds,
    forum,
    ideas,
    legal,
    profiles,
    seo,
    settings,
    sso,
    writing,
)
from community.web.audit_log import audit_log_router  # its template filters: admin_blog's too
from community.web.crm import crm_web_router
from community.web.insights import insights_web_router
from community.web.leads import thread_literal_router
from community.web.moderation import moderation_web_router
from community.web.notifications import notifications_web_router
from community.web.pages import load_legal_links
from community.web.privacy import privacy_web_router
from community.web.search_routes import router as search_router

# The administration's pages: imported by the first request under /admin (lazyroutes.py).
_ADMIN = ("/admin",)
admin_legal_router = LazyRouter("community.web.admin_legal:admin_legal_router", _ADMIN)
admin_home_router = LazyRouter("community.web.admin_home:admin_home_router", _ADMIN)
admin_groups_router = LazyRouter("community.web.admin_groups:admin_groups_router", _ADMIN)
admin_blog_router = LazyRouter("community.web.admin_blog:router", _ADMIN)


class KeptVersionRouter(APIRouter):
    """FastAPI (0.165) asks an included router on every match and handling, several times
    per request, whether its routes changed, and the answer walks every route of every
    router under it (~250 for the pages: ~10 us each time). The answer is kept with the
    routers under this one and their own counts of changes (`_routes_version`, bumped by
    every route or router added to them), and worked out anew when one of them changed."""

    _kept_version: tuple[tuple[APIRouter, ...], tuple[int, ...], int] | None = None

    def _get_routes_version(self, seen: set[int] | None = None) -> int:
        if seen is not None:  # asked from a router above: FastAPI's own walk
            return super()._get_routes_version(seen)
        kept = self._kept_version
        if kept is not None and tuple(r._routes_version for r in kept[0]) == kept[1]:
            return kept[2]
        # The routers and their counts before the walk: a change meanwhile is seen next time.
        routers = _routers_under(self)
        counts = tuple(r._routes_version for r in routers)
        version = super()._get_routes_version()
        self._kept_version = (routers, counts, version)
        return version


def _routers_under(router: APIRouter) -> tuple[APIRouter, ...]:
    found: dict[int, APIRouter] = {}
    todo = [router]
    while todo:
        current = todo.pop()
        if id(current) in found:
            continue
        found[id(current)] = current
        todo.extend(r.original_router for r in current.routes if isinstance(r, _IncludedRouter))
    return tuple(found.values())


web_router = KeptVersionRouter(include_in_schema=False)
# Every page reads the footer's links; the thread page in its own one turn through the
# thread pool (web/forum.py thread_router).
_LEGAL_LINKS = [Depends(load_legal_links)]

# Starlette tries the routes in order, each at a cost (~10 us with FastAPI 0.165, and a
# page's route is looked for three times over): the forum's pages (start page, boards,
# threads: most requests) come first. Its /t/{thread_id}/{slug} would catch the CRM's
# GET /t/{thread_id}/contact-sales, so that one route comes before it, the CRM's others
# after it; no other page shares a path and method with the forum's (checked over every
# pair whose order this changed, tests/web/test_route_order.py). The thread page's router
# follows the forum's others, which are all POSTs from /t/ on, so no GET changed route.
for area in (
    thread_literal_router,
    forum.router,
    forum.thread_router,
    crm_web_router,
    accounts.router,
    sso.router,
    settings.router,
    avatars.router,
    privacy_web_router,
    notifications_web_router,
    profiles.router,
    search_router,
    feeds.router,
    legal.router,
    admin_legal_router,
    admin_home_router,
    admin_groups_router,
    admin_blog_router,
    moderation_web_router,
    audit_log_router,
    insights_web_router,
    seo.router,
    ideas.router,
    blog.router,
    writing.router,
):
    web_router.include_router(
        area, dependencies=[] if area is forum.thread_router else _LEGAL_LINKS
    )
