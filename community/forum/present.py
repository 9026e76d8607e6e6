"""Shapes forum rows into output models, loading every author of a page in one query."""

from __future__ import annotations

from sqlmodel import Session

from community.accounts.models import User
from community.accounts.staff import staff_names_shown
from community.accounts.viewer import Viewer
from community.forum import permissions as perms
from community.forum.boards import category_group_slugs, newest_threads
from community.forum.models import Category, Post, Thread, ThreadKind
from community.forum.schemas import (
    AuthorPublic,
    CategoryPublic,
    PostPublic,
    ThreadBrief,
    ThreadDetail,
    ThreadPublic,
)
from community.forum.service import opening_post, thread_url, users_by_id
from community.reputation import service as reputation
from community.reputation.ranks import RankLadder, load_ladder


def post_public(
    viewer: Viewer,
    post: Post,
    author: User,
    ladder: RankLadder,
    *,
    solution_id: int | None,
    staff_names: bool,
) -> PostPublic:
    assert post.id is not None
    visible = perms.can_see_post_body(viewer, post)
    return PostPublic(
        id=post.id,
        thread_id=post.thread_id,
        is_opening=post.is_opening,
        author=AuthorPublic.of(author, ladder, staff_names_shown=staff_names),
        body=post.body if visible else None,
        body_html=post.body_html if visible else None,
        created_at=post.created_at,
        edited_at=post.edited_at,
        edit_count=post.edit_count,
        kudos_count=post.kudos_count,
        is_solution=post.id == solution_id,
        is_hidden=post.is_hidden,
        hidden_reason=post.hidden_reason if post.is_hidden and not post.is_pending else None,
        is_deleted=post.is_deleted,
        is_pending=post.is_pending,
        moderation_note=post.moderation_note if visible else None,
    )


def posts_public(session: Session, viewer: Viewer, posts: list[Post]) -> list[PostPublic]:
    users = users_by_id(session, (p.author_id for p in posts))
    ladder = load_ladder(session)
    staff_names = staff_names_shown(session)
    solutions = {
        t.id: t.solution_post_id
        for t in (session.get(Thread, tid) for tid in {p.thread_id for p in posts})
        if t is not None
    }
    return [
        post_public(
            viewer,
            p,
            users[p.author_id],
            ladder,
            solution_id=solutions.get(p.thread_id),
            staff_names=staff_names,
        )
        for p in posts
    ]


def _thread_public(
    thread: Thread,
    category_slug: str,
    users: dict[int, User],
    ladder: RankLadder,
    staff_names: bool,
    originals_shown: set[int],
) -> ThreadPublic:
    assert thread.id is not None
    last_poster = users.get(thread.last_poster_id) if thread.last_poster_id else None
    return ThreadPublic(
        id=thread.id,
        title=thread.title,
        slug=thread.slug,
        url=thread_url(thread),
        kind=ThreadKind(thread.kind),
        category=category_slug,
        author=AuthorPublic.of(users[thread.author_id], ladder, staff_names_shown=staff_names),
        created_at=thread.created_at,
        last_post_at=thread.last_post_at,
        last_poster=AuthorPublic.of(last_poster, ladder, staff_names_shown=staff_names)
        if last_poster
        else None,
        reply_count=thread.reply_count,
        kudos_count=thread.kudos_count,
        solved=thread.solution_post_id is not None,
        solution_post_id=thread.solution_post_id,
        is_locked=thread.is_locked,
        duplicate_of_thread_id=thread.duplicate_of_thread_id
        if thread.duplicate_of_thread_id in originals_shown
        else None,
        is_pending=thread.is_pending,
    )


def _originals_shown(session: Session, viewer: Viewer, threads: list[Thread]) -> set[int]:
    """The ids of the originals of these duplicates that this viewer may see."""
    return {
        original.id
        for original in (perms.original_shown(session, viewer, t) for t in threads)
        if original is not None and original.id is not None
    }


def threads_public(session: Session, viewer: Viewer, threads: list[Thread]) -> list[ThreadPublic]:
    users = users_by_id(
        session, [t.author_id for t in threads] + [t.last_poster_id for t in threads]
    )
    ladder = load_ladder(session)
    staff_names = staff_names_shown(session)
    category_ids = {t.category_id for t in threads}
    slugs = {c.id: c.slug for c in (session.get(Category, cid) for cid in category_ids) if c}
    shown = _originals_shown(session, viewer, threads)
    return [
        _thread_public(t, slugs[t.category_id], users, ladder, staff_names, shown) for t in threads
    ]


def thread_detail(session: Session, viewer: Viewer, thread: Thread) -> ThreadDetail:
    (base,) = threads_public(session, viewer, [thread])
    opening = opening_post(session, thread)
    wanted = [opening]
    solution = session.get(Post, thread.solution_post_id) if thread.solution_post_id else None
    if solution is not None:
        wanted.append(solution)
    shaped = posts_public(session, viewer, wanted)
    return ThreadDetail(
        **base.model_dump(),
        opening_post=shaped[0],
        solution=shaped[1] if solution is not None else None,
        viewer_may_accept=reputation.may_accept(viewer, thread),
    )


def categories_public(
    session: Session, viewer: Viewer, categories: list[Category]
) -> list[CategoryPublic]:
    newest = newest_threads(session, viewer, categories)
    groups = category_group_slugs(session, [c.id for c in categories if c.id is not None])
    parents = {c.id: c.slug for c in categories}
    out = []
    for c in categories:
        assert c.id is not None
        t = newest.get(c.id)
        out.append(
            CategoryPublic(
                id=c.id,
                slug=c.slug,
                name=c.name,
                description=c.description,
                position=c.position,
                parent=parents.get(c.parent_id) if c.parent_id else None,
                is_closed=c.id in groups,
                premoderated=c.premoderated,
                groups=groups.get(c.id, []) if viewer.is_moderator else None,
                thread_count=c.thread_count,
                post_count=c.post_count,
                newest_thread=ThreadBrief(
                    id=t.id, title=t.title, url=thread_url(t), created_at=t.created_at
                )
                if t is not None and t.id is not None
                else None,
            )
        )
    return out
