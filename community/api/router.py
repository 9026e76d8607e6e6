"""Everything under /api/v1."""

from __future__ import annotations

from fastapi import APIRouter

from community.api import (
    admin,
    auth,
    blog,
    editor,
    events,
    faq,
    forum,
    ideas,
    insights,
    leads,
    legal,
    me,
    moderation,
    notifications,
    privacy,
    reputation,
    search,
    users,
    webhooks,
)

api_router = APIRouter(prefix="/api/v1")
# search before forum: /threads/similar must not be taken for /threads/{id}.
for module in (
    auth,
    me,
    privacy,
    search,
    forum,
    editor,
    reputation,
    users,
    events,
    admin,
    webhooks,
    faq,
    blog,
    leads,
    moderation,
    legal,
    notifications,
    insights,
    ideas,
):
    api_router.include_router(module.router)
