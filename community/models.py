"""Imports every table so that SQLModel.metadata knows them all (Alembic, tests)."""

from community.accounts.models import (
    ApiToken,
    EmailToken,
    Group,
    GroupMember,
    User,
    UserSession,
)
from community.events.models import Event
from community.forum.models import Category, CategoryGroup, Post, PostRevision, Thread
from community.jobs.models import Job

__all__ = [
    "ApiToken",
    "Category",
    "CategoryGroup",
    "EmailToken",
    "Event",
    "Group",
    "GroupMember",
    "Job",
    "Post",
    "PostRevision",
    "Thread",
    "User",
    "UserSession",
]
