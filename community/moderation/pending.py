"""Pre-moderation: held threads and replies, approved or rejected by a moderator, and the
admins' number of held first posts."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlmodel import Session, col

from community.accounts.models import User
from community.accounts.viewer import Viewer
from community.errors import Conflict, InvalidInput
from community.forum import permissions as perms
from community.forum import premoderation
from community.forum import service as forum
from community.forum.models import Post, Thread
from community.moderation import audit
from community.moderation.service import moderated_post
from community.site import service as site


@dataclass
class PendingItem:
    post: Post
    thread: Thread
    author: User


def pending(session: Session, viewer: Viewer, *, limit: int = 50) -> list[PendingItem]:
    """Held threads and replies, the longest waiting first."""
    perms.require_moderator(viewer)
    rows = session.execute(
        select(Post, Thread, User)
        .join(Thread, col(Thread.id) == col(Post.thread_id))
        .join(User, col(User.id) == col(Post.author_id))
        .where(col(Post.is_pending), ~col(Post.is_deleted))
        .order_by(col(Post.created_at), col(Post.id))
        .limit(limit)
    ).all()
    return [PendingItem(post=p, thread=t, author=u) for p, t, u in rows]


def _pending_post(session: Session, viewer: Viewer, post_id: int) -> tuple[Post, Thread]:
    post, thread = moderated_post(session, viewer, post_id)
    if not post.is_pending or post.is_deleted:
        raise Conflict("Dieser Beitrag wartet nicht auf Freigabe.", code="not_pending")
    return post, thread


def _pending_state(post: Post, thread: Thread) -> dict[str, Any]:
    return {"post_pending": post.is_pending, "post_deleted": post.is_deleted}


def approve_post(session: Session, viewer: Viewer, post_id: int, reason: str = "") -> Post:
    """The held thread or reply is published now, with everything a direct post sets off:
    counters, the event (and so the webhooks), points, the search index."""
    post, thread = _pending_post(session, viewer, post_id)
    before = _pending_state(post, thread)
    forum.set_post_visibility(session, viewer, thread, post, forum.Visibility.approve)
    audit.record(
        session,
        viewer,
        "post.approve",
        "post",
        post.id,
        reason=reason.strip(),
        before=before,
        after=_pending_state(post, thread),
    )
    return post


def reject_post(session: Session, viewer: Viewer, post_id: int, reason: str = "") -> Post:
    """The held post is deleted without ever having been public (a held question takes its
    thread with it)."""
    post, thread = _pending_post(session, viewer, post_id)
    before = _pending_state(post, thread)
    forum.set_post_visibility(session, viewer, thread, post, forum.Visibility.reject)
    audit.record(
        session,
        viewer,
        "post.reject",
        "post",
        post.id,
        reason=reason.strip(),
        before=before,
        after=_pending_state(post, thread),
    )
    return post


def set_first_posts(session: Session, viewer: Viewer, count: int) -> int:
    """The admins' value for held first posts of new members; wins over the setting."""
    perms.require_admin(viewer)
    if not 0 <= count <= premoderation.FIRST_POSTS_MAX:
        raise InvalidInput("Erlaubt sind 0 bis 1000 Beiträge.", code="invalid_count")
    before = premoderation.first_posts(session)
    site.set_value(session, premoderation.FIRST_POSTS_KEY, count)
    audit.record(
        session,
        viewer,
        "settings.premoderation",
        "settings",
        None,
        before={"first_posts": before},
        after={"first_posts": count},
    )
    return count
