"""Pre-moderation: which new threads and replies wait for a moderator's approval.

Off by default. A board can be switched to it (Category.premoderated), and a new member's
first N posts can be held (COMMUNITY_PREMODERATION_FIRST_POSTS, or the admins' value in
the site settings, which wins). A held post is stored hidden and pending: it is shown to
its author and the moderators only, is not indexed, sends no events and earns no points
until a moderator approves it (community/moderation/service.py approve_post)."""

from __future__ import annotations

from sqlalchemy import false, func, select
from sqlmodel import Session, col

from community.accounts.models import Role
from community.accounts.viewer import Viewer
from community.config import get_settings
from community.forum.models import Category, Post
from community.i18n import N_
from community.site import service as site

FIRST_POSTS_KEY = "premoderation_first_posts"
FIRST_POSTS_MAX = 1000

# Shown wherever the switch is (admin API, README): why it is off unless needed.
LIABILITY_NOTE = N_(
    "Eine Vorabprüfung kann den Betreiber für Inhalte haftbar machen, als wären es eigene."
)


def first_posts(session: Session) -> int:
    """How many of a member's first posts are held; 0 is off."""
    stored = site.get_value(session, FIRST_POSTS_KEY)
    if isinstance(stored, int) and not isinstance(stored, bool):
        return stored
    return get_settings().premoderation_first_posts


def should_hold(session: Session, viewer: Viewer, category: Category) -> bool:
    user = viewer.user
    if user is None:
        return False
    # Staff, experts and moderators are trusted to publish at once.
    if user.is_staff or user.role in (Role.expert, Role.moderator, Role.admin):
        return False
    if category.premoderated:
        return True
    limit = first_posts(session)
    if limit <= 0:
        return False
    approved = session.execute(
        select(func.count())
        .select_from(Post)
        .where(col(Post.author_id) == user.id, col(Post.is_pending) == false())
    ).scalar_one()
    return bool(approved < limit)
