"""Everything under /api/v1."""

from __future__ import annotations

from fastapi import APIRouter

from community.api import admin, auth, events, faq, forum, leads, me, reputation, users, webhooks

api_router = APIRouter(prefix="/api/v1")
for module in (auth, me, forum, reputation, users, events, admin, webhooks, faq, leads):
    api_router.include_router(module.router)
