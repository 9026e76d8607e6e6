"""Every HTML route in one router, each page with the footer's legal links.

The routers are listed by area; the forum's comes after the one page at a literal path
under a thread (/t/{id}/contact-sales), which its /t/{id}/{slug} would take for a slug."""

from __future__ import annotations

from fastapi import Depends

from community.lazyroutes import LazyRouter
from community.routing import KeptVersionRouter
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
admin_ranks_router = LazyRouter("community.web.admin_ranks:admin_ranks_router", _ADMIN)


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
    admin_ranks_router,
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
