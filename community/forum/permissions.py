"""Who may see and do what. The per-object checks and the list filter must agree:
tests/forum/test_permissions.py checks every (viewer, thread) and (viewer, article) pair of
a small world.

A thread the viewer may not see is a 404, never a 403: a closed board does not even
admit that it exists.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    BindParameter,
    ColumnElement,
    and_,
    bindparam,
    exists,
    false,
    or_,
    select,
    true,
)
from sqlmodel import Session, col

from community.accounts.models import Role
from community.accounts.viewer import Viewer
from community.blog.models import Article, ArticleStatus
from community.clock import utcnow
from community.db import read_values
from community.errors import Forbidden, NotAuthenticated, NotFound
from community.forum.models import Category, CategoryGroup, Post, Thread


def _category_group_ids(session: Session, category_id: int) -> set[int]:
    return set(read_values(session, _GROUP_IDS, {"category_id": category_id}).scalars())


# Built once per process: every thread page checks its board.
_GROUP_IDS = select(col(CategoryGroup.group_id)).where(
    col(CategoryGroup.category_id) == bindparam("category_id")
)


# ---- per-object checks ---------------------------------------------------------------


def can_see_category(session: Session, viewer: Viewer, category: Category) -> bool:
    if viewer.is_moderator:
        return True
    assert category.id is not None
    groups = _category_group_ids(session, category.id)
    return not groups or bool(groups & viewer.group_ids)


def category_group_ids(session: Session, category_id: int) -> set[int]:
    """The groups a closed board is open to; empty for an open board."""
    return _category_group_ids(session, category_id)


def _thread_open_to(viewer: Viewer, thread: Thread) -> bool:
    """The thread's own part of can_see_thread (for a viewer outside the moderation team)."""
    if thread.is_deleted:
        return False
    return not (thread.is_hidden and viewer.user_id != thread.author_id)


def can_see_thread(session: Session, viewer: Viewer, thread: Thread) -> bool:
    if viewer.is_moderator:
        return True
    if not _thread_open_to(viewer, thread):
        return False
    category = session.get(Category, thread.category_id)
    return category is not None and can_see_category(session, viewer, category)


def original_shown(session: Session, viewer: Viewer, thread: Thread) -> Thread | None:
    """The thread a duplicate points to, if this viewer may see it: a public duplicate of a
    closed board's thread does not even name it outside (page and API alike)."""
    if thread.duplicate_of_thread_id is None:
        return None
    original = session.get(Thread, thread.duplicate_of_thread_id)
    return original if original is not None and can_see_thread(session, viewer, original) else None


def can_see_thread_in(
    viewer: Viewer, thread: Thread, category: Category | None, group_ids: set[int]
) -> bool:
    """can_see_thread with the thread's board and the board's groups already read."""
    if viewer.is_moderator:
        return True
    if not _thread_open_to(viewer, thread):
        return False
    return category is not None and (not group_ids or bool(group_ids & viewer.group_ids))


def can_see_post(viewer: Viewer, post: Post) -> bool:
    """Deleted posts are gone and posts waiting for approval not yet there, except for
    moderators (and a waiting post's author)."""
    if viewer.is_moderator:
        return True
    if post.is_deleted:
        return False
    return not post.is_pending or viewer.user_id == post.author_id


def can_see_post_body(viewer: Viewer, post: Post) -> bool:
    """Hidden and deleted posts keep their place in the thread but not their text."""
    if viewer.is_moderator:
        return True
    if post.is_deleted:
        return False
    return not post.is_hidden or viewer.user_id == post.author_id


def can_see_article(session: Session, viewer: Viewer, article: Article) -> bool:
    """Published, due, and in a board the viewer sees; staff see the same as everyone on
    the public surfaces (their drafts live under /admin/blog)."""
    if article.status != ArticleStatus.published.value or article.published_at is None:
        return False
    if article.published_at > utcnow():
        return False
    category = session.get(Category, article.category_id)
    return category is not None and can_see_category(session, viewer, category)


# ---- who sees a thread as a visitor does ----------------------------------------------------
#
# A member's thread page shares the rows read for a visitor (web/threadshare.py) only where
# every filter above lets them see exactly what a visitor sees.


def sees_as_visitor(viewer: Viewer) -> bool:
    """Whether the viewer sees every thread and post as a visitor does, save their own hidden
    threads and waiting posts: nobody above a member (visible_threads_filter,
    visible_posts_filter: a moderator sees all), in no closed group (_open_or_member), and
    not staff, whose name beside their posts differs (accounts/staff.py)."""
    return not (viewer.is_moderator or viewer.group_ids or is_staff(viewer))


def open_to_everyone(thread: Thread, *, board_closed: bool) -> bool:
    """Whether every viewer sees the thread as it is: in an open board, neither hidden,
    deleted nor waiting (_live_or_own), nor closed as a duplicate, whose original may be in
    a board the viewer may not see (web/forum.py thread_context names it only then)."""
    return not (
        board_closed
        or thread.is_hidden
        or thread.is_deleted
        or thread.is_pending
        or thread.duplicate_of_thread_id
    )


def sees_thread_as_visitor(
    viewer: Viewer, thread: Thread, *, board_closed: bool, own_waiting_post: bool
) -> bool:
    """Whether the viewer is shown what a visitor is shown in this thread: its posts and
    their authors (prepared_posts_filter: a member's own waiting post is listed for them
    alone). What a member's own hidden threads add to the counts beside the names is
    counted for them apart (reputation/figures.py with_own_hidden)."""
    return (
        sees_as_visitor(viewer)
        and open_to_everyone(thread, board_closed=board_closed)
        and not own_waiting_post
    )


# ---- list filters (must agree with the checks above) -------------------------------------


def visible_categories_filter(viewer: Viewer) -> ColumnElement[bool]:
    if viewer.is_moderator:
        return true()
    return _open_or_member(viewer.group_ids)


def _open_or_member(group_ids: Collection[int] | BindParameter[Any]) -> ColumnElement[bool]:
    restricted = exists().where(CategoryGroup.category_id == Category.id)  # type: ignore[arg-type]
    if not isinstance(group_ids, BindParameter) and not group_ids:
        return ~restricted
    member = exists().where(
        and_(
            CategoryGroup.category_id == Category.id,  # type: ignore[arg-type]
            CategoryGroup.group_id.in_(group_ids),  # type: ignore[attr-defined]
        )
    )
    return or_(~restricted, member)


def visible_threads_filter(viewer: Viewer) -> ColumnElement[bool]:
    if viewer.is_moderator:
        return true()
    return _live_or_own(viewer.group_ids, viewer.user_id)


def _live_or_own(
    group_ids: Collection[int] | BindParameter[Any], user_id: int | BindParameter[Any] | None
) -> ColumnElement[bool]:
    visible_categories = select(col(Category.id)).where(_open_or_member(group_ids))
    own_hidden = Thread.author_id == user_id if user_id is not None else false()
    return and_(
        Thread.category_id.in_(visible_categories),  # type: ignore[attr-defined]
        Thread.is_deleted == false(),  # type: ignore[arg-type]
        or_(Thread.is_hidden == false(), own_hidden),  # type: ignore[arg-type]
    )


# ---- the same filters for statements built once per process ------------------------------
#
# A page asked for on every request (the thread page's post counts, the header's bell)
# builds its statement once per kind of viewer and passes the viewer's groups and id as
# parameters, so a request neither builds nor keys the statement again. The filters are
# the ones above, with parameters in place of the values.


@dataclass(frozen=True)
class ViewerKind:
    moderator: bool
    in_groups: bool
    signed_in: bool


def viewer_kind(viewer: Viewer) -> tuple[ViewerKind, dict[str, Any]]:
    """The kind of viewer a prepared statement is built for, and its parameters:
    `group_ids` (a non-moderator's groups, if any) and `viewer_id` (if signed in)."""
    in_groups = bool(viewer.group_ids) and not viewer.is_moderator
    params: dict[str, Any] = {}
    if in_groups:
        params["group_ids"] = sorted(viewer.group_ids)
    if viewer.user_id is not None:
        params["viewer_id"] = viewer.user_id
    return ViewerKind(viewer.is_moderator, in_groups, viewer.user_id is not None), params


def _groups_param(kind: ViewerKind) -> BindParameter[Any] | tuple[()]:
    return bindparam("group_ids", expanding=True) if kind.in_groups else ()


def prepared_categories_filter(kind: ViewerKind) -> ColumnElement[bool]:
    """visible_categories_filter with the parameters of viewer_kind."""
    return true() if kind.moderator else _open_or_member(_groups_param(kind))


def prepared_threads_filter(kind: ViewerKind) -> ColumnElement[bool]:
    """visible_threads_filter with the parameters of viewer_kind."""
    if kind.moderator:
        return true()
    viewer_id: BindParameter[int] | None = bindparam("viewer_id") if kind.signed_in else None
    return _live_or_own(_groups_param(kind), viewer_id)


def prepared_posts_filter(kind: ViewerKind) -> ColumnElement[bool]:
    """visible_posts_filter with the parameters of viewer_kind."""
    if kind.moderator:
        return true()
    own = col(Post.author_id) == bindparam("viewer_id") if kind.signed_in else false()
    return and_(
        col(Post.is_deleted) == false(),
        or_(col(Post.is_pending) == false(), own),
    )


def own_waiting_post_exists() -> ColumnElement[bool]:
    """Whether the member (`viewer_id`) has a waiting post in the thread (`thread_id`),
    which its pages list and count for them alone."""
    return (
        select(col(Post.id))
        .where(
            col(Post.thread_id) == bindparam("thread_id"),
            col(Post.author_id) == bindparam("viewer_id"),
            col(Post.is_pending) == true(),
        )
        .exists()
    )


def own_hidden_thread_exists() -> ColumnElement[bool]:
    """Whether the member (`viewer_id`) has a hidden thread that is not deleted, which they
    alone see outside the moderation team (and count posts in, reputation/figures.py)."""
    return (
        select(col(Thread.id))
        .where(
            col(Thread.author_id) == bindparam("viewer_id"),
            col(Thread.is_hidden) == true(),
            col(Thread.is_deleted) == false(),
        )
        .exists()
    )


def visible_posts_filter(viewer: Viewer) -> ColumnElement[bool]:
    """The posts of a visible thread that keep a place in it for the viewer (can_see_post)."""
    if viewer.is_moderator:
        return true()
    own = Post.author_id == viewer.user_id if viewer.user_id is not None else false()
    return and_(
        Post.is_deleted == false(),  # type: ignore[arg-type]
        or_(Post.is_pending == false(), own),  # type: ignore[arg-type]
    )


def visible_articles_filter(viewer: Viewer) -> ColumnElement[bool]:
    """The articles can_see_article admits."""
    visible_boards = select(col(Category.id)).where(visible_categories_filter(viewer))
    return and_(
        col(Article.status) == ArticleStatus.published.value,
        col(Article.published_at) <= utcnow(),
        col(Article.category_id).in_(visible_boards),
    )


# ---- actions ------------------------------------------------------------------------


def require_member(viewer: Viewer) -> None:
    if viewer.user is None:
        raise NotAuthenticated("Bitte melden Sie sich an.")
    if not viewer.user.is_active:
        raise Forbidden("Dieses Konto ist gesperrt.")
    until = viewer.user.suspended_until
    if until is not None and until > utcnow():
        raise Forbidden("Ihr Konto ist vorübergehend gesperrt.", code="suspended")


def require_verified(viewer: Viewer) -> None:
    require_member(viewer)
    assert viewer.user is not None
    if not viewer.user.is_verified:
        raise Forbidden(
            "Bitte bestätigen Sie zuerst Ihre E-Mail-Adresse.", code="email_not_verified"
        )


def require_moderator(viewer: Viewer) -> None:
    require_member(viewer)
    if not viewer.is_moderator:
        raise Forbidden("Nur für Moderatoren.")


def require_staff(viewer: Viewer) -> None:
    """Company employees (the staff flag), moderators and admins."""
    require_member(viewer)
    assert viewer.user is not None
    if not (viewer.user.is_staff or viewer.is_moderator):
        raise Forbidden("Nur für Mitarbeiter des Unternehmens.")


def require_admin(viewer: Viewer) -> None:
    require_member(viewer)
    if not viewer.is_admin:
        raise Forbidden("Nur für Administratoren.")


def require_curator(viewer: Viewer) -> None:
    """FAQ entries are kept by experts, moderators and admins."""
    user = viewer.user
    if user is None or user.role not in (Role.expert, Role.moderator, Role.admin):
        raise Forbidden("FAQ-Einträge pflegen Experten und Moderatoren.", code="not_curator")


def ensure_category_visible(
    session: Session, viewer: Viewer, category: Category | None
) -> Category:
    if category is None or not can_see_category(session, viewer, category):
        raise NotFound("Diesen Bereich gibt es nicht.")
    return category


def ensure_thread_visible(session: Session, viewer: Viewer, thread: Thread | None) -> Thread:
    if thread is None or not can_see_thread(session, viewer, thread):
        raise NotFound("Dieses Thema gibt es nicht.")
    return thread


def ensure_post_thread_visible(session: Session, viewer: Viewer, post: Post | None) -> Thread:
    """The thread of a post asked for by its id. A post in a thread the viewer may not see
    is refused as one that does not exist: the thread's own message would tell a stranger
    which post ids sit in closed boards."""
    thread = session.get(Thread, post.thread_id) if post is not None else None
    if thread is None or not can_see_thread(session, viewer, thread):
        raise NotFound("Diesen Beitrag gibt es nicht.")
    return thread


def check_may_start_thread(session: Session, viewer: Viewer, category: Category) -> None:
    require_verified(viewer)
    ensure_category_visible(session, viewer, category)


def check_may_reply(session: Session, viewer: Viewer, thread: Thread) -> None:
    ensure_thread_visible(session, viewer, thread)
    require_verified(viewer)
    if thread.is_pending:
        raise Forbidden(
            "Dieses Thema wartet auf Freigabe durch die Moderation.", code="thread_pending"
        )
    if thread.duplicate_of_thread_id is not None and not viewer.is_moderator:
        raise Forbidden(
            "Dieses Thema wurde als Duplikat geschlossen. Bitte antworten Sie im Original.",
            code="thread_duplicate",
        )
    if thread.is_locked and not viewer.is_moderator:
        raise Forbidden("Dieses Thema ist geschlossen.", code="thread_locked")


def check_may_edit_post(session: Session, viewer: Viewer, thread: Thread, post: Post) -> None:
    ensure_thread_visible(session, viewer, thread)
    require_verified(viewer)
    if viewer.is_moderator:
        return
    if post.author_id != viewer.user_id:
        raise Forbidden("Sie können nur Ihre eigenen Beiträge bearbeiten.")
    # A post waiting for approval may still be corrected; one the moderation hid may not.
    if post.is_deleted or (post.is_hidden and not post.is_pending):
        raise Forbidden("Dieser Beitrag kann nicht mehr bearbeitet werden.")
    if thread.is_locked:
        raise Forbidden("Dieses Thema ist geschlossen.", code="thread_locked")


# ---- ideas (community/ideas/) -------------------------------------------------------------


def is_staff(viewer: Viewer) -> bool:
    """Company employees, moderators and admins: their idea votes are shown apart."""
    return viewer.user is not None and (viewer.user.is_staff or viewer.is_moderator)


def check_may_vote(session: Session, viewer: Viewer, thread: Thread, merged: bool) -> None:
    ensure_thread_visible(session, viewer, thread)
    require_verified(viewer)
    if merged:
        raise Forbidden(
            "Diese Idee wurde mit einer anderen zusammengeführt. Bitte stimmen Sie dort ab.",
            code="idea_merged",
        )
    if thread.author_id == viewer.user_id:
        raise Forbidden("Für die eigene Idee können Sie nicht abstimmen.", code="own_idea")


def check_may_decide_idea(session: Session, viewer: Viewer, thread: Thread) -> None:
    """Setting an idea's status and merging duplicates: staff who see the idea."""
    ensure_thread_visible(session, viewer, thread)
    require_staff(viewer)
