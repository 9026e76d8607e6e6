"""What waits for staff, counted for the admin home: open reports, held posts, FAQ
entries awaiting a (second) curator, unanswered questions and failing webhook endpoints.
Each count is only given to who may act on it (None otherwise)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, func, select
from sqlmodel import Session, col

from community.accounts.viewer import Viewer
from community.clock import utcnow
from community.faq.models import FaqEntry, FaqStatus
from community.faq.service import curatable_filter
from community.forum import permissions as perms
from community.forum.models import Post, Thread
from community.moderation.models import Report
from community.notifications import experts
from community.webhooks.models import WebhookEndpoint


@dataclass(frozen=True)
class Attention:
    open_reports: int
    held_posts: int
    faq_waiting: int
    unanswered: int
    failing_webhooks: int | None


def _count(session: Session, query: Select[Any]) -> int:
    return int(session.execute(query).scalar_one())


def attention(session: Session, viewer: Viewer) -> Attention:
    perms.require_moderator(viewer)
    open_reports = _count(
        session,
        select(func.count(func.distinct(Report.post_id))).where(col(Report.status) == "open"),
    )
    held = _count(
        session,
        select(func.count()).select_from(Post).where(col(Post.is_pending), ~col(Post.is_deleted)),
    )
    faq_waiting = _count(
        session,
        select(func.count())
        .select_from(FaqEntry)
        .where(col(FaqEntry.status).in_([FaqStatus.draft.value, FaqStatus.review.value]))
        .where(curatable_filter(viewer)),
    )
    unanswered = _count(
        session,
        select(func.count())
        .select_from(Thread)
        .where(perms.visible_threads_filter(viewer))
        .where(experts.waiting(utcnow(), experts.hours_by_board(session))),
    )
    failing = None
    if viewer.is_admin:
        failing = _count(
            session,
            select(func.count())
            .select_from(WebhookEndpoint)
            .where(
                col(WebhookEndpoint.failing_since).is_not(None)
                | (
                    ~col(WebhookEndpoint.is_active)
                    & col(WebhookEndpoint.disabled_reason).is_not(None)
                )
            ),
        )
    return Attention(open_reports, held, faq_waiting, unanswered, failing)
