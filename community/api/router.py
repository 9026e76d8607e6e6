"""Everything under /api/v1."""

from __future__ import annotations

from starlette._utils import get_route_path
from starlette.routing import Match
from starlette.types import Scope

from community.api import (
    auth,
    editor,
    events,
    forum,
    ideas,
    insights,
    leads,
    legal,
    me,
    notifications,
    privacy,
    reputation,
    search,
    users,
)
from community.lazyroutes import LazyRouter
from community.routing import KeptVersionRouter


class PrefixedRouter(KeptVersionRouter):
    """Turns away a request outside its prefix with one comparison. FastAPI (0.165) tries
    an included router's routes one by one, ~10 µs each, so every page and /healthz paid for
    the API's ~130 routes before reaching its own (issue 21: ~1.3 ms of a request)."""

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        if not get_route_path(scope).startswith(self.prefix + "/"):
            return Match.NONE, {}
        return super().matches(scope)


api_router = PrefixedRouter(prefix="/api/v1")
# The administration's API: imported by the first request under /api/v1/admin (lazyroutes.py).
_ADMIN = ("/api/v1/admin",)
admin = LazyRouter("community.api.admin:router", _ADMIN)
webhooks = LazyRouter("community.api.webhooks:router", _ADMIN)
# The FAQ's, the blog's and the moderators' API: for editors and moderators, seldom asked.
faq = LazyRouter("community.api.faq:router", ("/api/v1/faq",))
blog = LazyRouter("community.api.blog:router", ("/api/v1/admin", "/api/v1/articles"))
moderation = LazyRouter(
    "community.api.moderation:router", ("/api/v1/admin", "/api/v1/moderation", "/api/v1/posts")
)
# search first: the busiest route of the API, tried before the others' (~2 us each, twice
# per request); and before forum, where /threads/similar would be taken for /threads/{id}.
for router in (
    search.router,
    auth.router,
    me.router,
    privacy.router,
    forum.router,
    editor.router,
    reputation.router,
    users.router,
    events.router,
    admin,
    webhooks,
    faq,
    blog,
    leads.router,
    moderation,
    legal.router,
    notifications.router,
    insights.router,
    ideas.router,
):
    api_router.include_router(router)
