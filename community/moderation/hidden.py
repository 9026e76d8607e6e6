"""The moderators' list of hidden and deleted posts: what the moderation took out of
public view, newest first, so a wrong decision can be found and undone without a report."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import or_, select
from sqlmodel import Session, col

from community.accounts.models import User
from community.accounts.viewer import Viewer
from community.forum import permissions as perms
from community.forum.models import Category, Post, Thread


@dataclass(frozen=True)
class HiddenPost:
    post: Post
    thread: Thread
    board: Category
    author: User


def hidden_posts(
    session: Session, viewer: Viewer, *, before_id: int | None = None, limit: int = 50
) -> list[HiddenPost]:
    """Moderators only; a page is `limit` posts older than `before_id`. Posts waiting for
    approval are the queue's, not this list's."""
    perms.require_moderator(viewer)
    query = (
        select(Post, Thread, Category, User)
        .join(Thread, col(Thread.id) == col(Post.thread_id))
        .join(Category, col(Category.id) == col(Thread.category_id))
        .join(User, col(User.id) == col(Post.author_id))
        .where(or_(col(Post.is_hidden), col(Post.is_deleted)))
        .where(~col(Post.is_pending))
        .order_by(col(Post.id).desc())
        .limit(limit)
    )
    if before_id is not None:
        query = query.where(col(Post.id) < before_id)
    return [HiddenPost(*row) for row in session.execute(query).all()]
