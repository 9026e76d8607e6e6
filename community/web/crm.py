"""Pages of the CRM integration (FAQ, webhook admin, integration tokens, leads,
escalation), apart from the forum's routes so the two evolve independently."""

from __future__ import annotations

from fastapi import APIRouter

from community.web.admin_tokens import admin_tokens_router
from community.web.admin_webhooks import admin_webhooks_router
from community.web.faq import faq_web_router
from community.web.leads import leads_web_router

crm_web_router = APIRouter(include_in_schema=False)
crm_web_router.include_router(faq_web_router)
crm_web_router.include_router(admin_webhooks_router)
crm_web_router.include_router(admin_tokens_router)
crm_web_router.include_router(leads_web_router)
