"""Imports every table so that SQLModel.metadata knows them all (Alembic, tests)."""

from community.accounts.models import (
    ApiToken,
    EmailToken,
    Group,
    GroupMember,
    OidcLink,
    OidcLogoutToken,
    OidcSession,
    User,
    UserSession,
)
from community.blog.models import Article, ArticleCover, ArticleRevision, Spotlight
from community.events.models import Event
from community.faq.models import FaqEntry
from community.feeds.models import FeedToken
from community.forum.models import Category, CategoryGroup, Draft, Post, PostRevision, Thread
from community.ideas.models import Idea, IdeaVote
from community.insights.models import SatisfactionRating
from community.jobs.models import Job
from community.leads.models import Escalation, Lead
from community.moderation.models import AuditEntry, Report
from community.notifications.models import (
    CategoryWatch,
    Notification,
    NotificationSetting,
    ThreadWatch,
)
from community.pageversion import PageVersion
from community.reputation.models import Kudo, RankChange
from community.site.models import SiteSetting
from community.webhooks.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint

__all__ = [
    "ApiToken",
    "Article",
    "ArticleCover",
    "ArticleRevision",
    "AuditEntry",
    "Category",
    "CategoryGroup",
    "CategoryWatch",
    "Draft",
    "EmailToken",
    "Escalation",
    "Event",
    "FaqEntry",
    "FeedToken",
    "Group",
    "GroupMember",
    "Idea",
    "IdeaVote",
    "Job",
    "Kudo",
    "Lead",
    "Notification",
    "NotificationSetting",
    "OidcLink",
    "OidcLogoutToken",
    "OidcSession",
    "PageVersion",
    "Post",
    "PostRevision",
    "RankChange",
    "Report",
    "SatisfactionRating",
    "SiteSetting",
    "Spotlight",
    "Thread",
    "ThreadWatch",
    "User",
    "UserSession",
    "WebhookAttempt",
    "WebhookDelivery",
    "WebhookEndpoint",
]
