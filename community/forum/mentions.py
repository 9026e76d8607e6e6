"""@mention suggestions for the editor: nicknames the viewer may already see.

A nickname is offered only if its owner wrote a visible post in a thread the viewer can
see, so a member who writes only in a closed board is never revealed to someone outside
its groups; the thread being answered comes first. Nicknames only: never an e-mail
address or a real name."""

from __future__ import annotations

import re

from sqlalchemy import ColumnElement, exists, false, select
from sqlmodel import Session, col

from community.accounts.models import User
from community.accounts.validation import nickname_key
from community.accounts.viewer import Viewer
from community.config import get_settings
from community.forum import permissions as perms
from community.forum.models import Post, Thread
from community.ratelimit import hit

LIMIT = 8
_PREFIX = re.compile(r"^[\w.\-]{1,20}$")


def _visible_posts_of_author() -> tuple[ColumnElement[bool], ...]:
    return (
        col(Post.author_id) == col(User.id),
        col(Post.is_deleted) == false(),
        col(Post.is_hidden) == false(),
        col(Post.is_pending) == false(),
    )


def suggest(
    session: Session, viewer: Viewer, prefix: str, thread_id: int | None = None
) -> list[str]:
    """Up to LIMIT nicknames starting with `prefix` (without the @), people of the thread
    first. A signed-in member's typing only; a few requests a second at most."""
    perms.require_member(viewer)
    hit(get_settings().mention_suggest_rate, "mentions", str(viewer.user_id))
    prefix = prefix.lstrip("@").strip()
    if not _PREFIX.match(prefix):
        return []
    key = nickname_key(prefix)
    candidates = (
        select(col(User.nickname))
        .where(
            col(User.nickname_key).startswith(key, autoescape=True),
            col(User.is_active),
            col(User.erased_at).is_(None),
            col(User.id) != viewer.user_id,
        )
        .order_by(col(User.nickname_key))
        .limit(LIMIT)
    )
    found: list[str] = []
    thread = session.get(Thread, thread_id) if thread_id is not None else None
    if thread is not None and perms.can_see_thread(session, viewer, thread):
        in_thread = exists().where(col(Post.thread_id) == thread.id, *_visible_posts_of_author())
        found += session.execute(candidates.where(in_thread)).scalars()
    anywhere = exists().where(
        *_visible_posts_of_author(),
        col(Post.thread_id).in_(select(col(Thread.id)).where(perms.visible_threads_filter(viewer))),
    )
    for nickname in session.execute(candidates.where(anywhere)).scalars():
        if nickname not in found:
            found.append(nickname)
    return found[:LIMIT]
