"""Forum rules: boards, threads, replies, edits with kept versions, and the counters."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, TypeVar

from sqlalchemy import Select, Update, and_, false, func, or_, select, update
from sqlmodel import Session, col

from community.accounts.models import Group, User
from community.accounts.validation import strip_invisible, text_problem
from community.accounts.viewer import Viewer
from community.clock import utcnow
from community.config import get_settings
from community.errors import Conflict, Forbidden, InvalidInput, NotFound
from community.events.service import record_event
from community.forum import permissions as perms
from community.forum import premoderation
from community.forum.markdown import render_markdown
from community.forum.models import Category, CategoryGroup, Post, PostRevision, Thread, ThreadKind
from community.forum.slugs import slugify
from community.moderation import antispam, audit
from community.notifications import service as notifications
from community.pagination import decode_cursor, encode_cursor
from community.reputation import service as reputation
from community.searching import service as searching

TITLE_MIN = 10
TITLE_MAX = 150
BODY_MAX = 20_000
PAGE_MAX = 100


T = TypeVar("T")


@dataclass
class Page(Generic[T]):
    items: list[T]
    next_cursor: str | None


def check_title(title: str) -> str:
    title = " ".join(strip_invisible(title).split())
    problem = text_problem(title)
    if problem:
        raise InvalidInput(problem)
    if not TITLE_MIN <= len(title) <= TITLE_MAX:
        raise InvalidInput(
            f"Der Titel muss {TITLE_MIN} bis {TITLE_MAX} Zeichen lang sein.", code="invalid_title"
        )
    return title


def check_body(body: str) -> str:
    problem = text_problem(body)
    if problem:
        raise InvalidInput(problem)
    if not body.strip():
        raise InvalidInput("Der Beitrag ist leer.", code="invalid_body")
    if len(body) > BODY_MAX:
        raise InvalidInput(
            f"Ein Beitrag darf höchstens {BODY_MAX} Zeichen lang sein.", code="invalid_body"
        )
    return body


def thread_url(thread: Thread) -> str:
    return f"{get_settings().public_url.rstrip('/')}/t/{thread.id}/{thread.slug}"


def users_by_id(session: Session, ids: Iterable[int | None]) -> dict[int, User]:
    """One query for all authors of a page, instead of one per row."""
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    rows = session.execute(select(User).where(User.id.in_(wanted))).scalars()  # type: ignore[union-attr]
    return {u.id: u for u in rows if u.id is not None}


# ---- boards ---------------------------------------------------------------------------------


def list_categories(session: Session, viewer: Viewer) -> list[Category]:
    return list(
        session.execute(
            select(Category)
            .where(perms.visible_categories_filter(viewer))
            .order_by(Category.position, Category.name)  # type: ignore[arg-type]
        ).scalars()
    )


def newest_threads(
    session: Session, viewer: Viewer, categories: list[Category]
) -> dict[int, Thread]:
    """The newest visible thread of each board, in one query."""
    ids = [c.last_thread_id for c in categories if c.last_thread_id]
    if not ids:
        return {}
    rows = session.execute(
        select(Thread).where(Thread.id.in_(ids)).where(perms.visible_threads_filter(viewer))  # type: ignore[union-attr]
    ).scalars()
    return {t.category_id: t for t in rows}


def get_category(session: Session, viewer: Viewer, slug: str) -> Category:
    category = session.execute(
        select(Category).where(Category.slug == slug)  # type: ignore[arg-type]
    ).scalar_one_or_none()
    return perms.ensure_category_visible(session, viewer, category)


def category_group_slugs(session: Session, category_ids: Iterable[int]) -> dict[int, list[str]]:
    rows = session.execute(
        select(col(CategoryGroup.category_id), col(Group.slug))
        .join(Group, Group.id == CategoryGroup.group_id)  # type: ignore[arg-type]
        .where(CategoryGroup.category_id.in_(list(category_ids)))  # type: ignore[attr-defined]
    ).all()
    out: dict[int, list[str]] = {}
    for category_id, slug in rows:
        out.setdefault(category_id, []).append(slug)
    return out


def create_category(
    session: Session,
    viewer: Viewer,
    *,
    slug: str,
    name: str,
    description: str = "",
    position: int = 0,
    parent_slug: str | None = None,
    group_slugs: list[str] | None = None,
    premoderated: bool = False,
) -> Category:
    perms.require_admin(viewer)
    if slugify(slug) != slug:
        raise InvalidInput("Der Kurzname darf nur a-z, 0-9 und '-' enthalten.", code="invalid_slug")
    if session.execute(select(col(Category.id)).where(Category.slug == slug)).first():  # type: ignore[arg-type]
        raise Conflict("Diesen Bereich gibt es schon.", code="category_exists")
    parent_id = None
    if parent_slug:
        parent = session.execute(
            select(Category).where(Category.slug == parent_slug)  # type: ignore[arg-type]
        ).scalar_one_or_none()
        if parent is None:
            raise InvalidInput("Den übergeordneten Bereich gibt es nicht.")
        parent_id = parent.id
    category = Category(
        slug=slug,
        name=name,
        description=description,
        position=position,
        parent_id=parent_id,
        premoderated=premoderated,
    )
    session.add(category)
    session.flush()
    audit.record(
        session,
        viewer,
        "board.create",
        "board",
        category.id,
        after={"slug": slug, "name": name, "parent": parent_slug, "premoderated": premoderated},
    )
    set_category_groups(session, viewer, category, group_slugs or [])
    return category


def set_premoderated(session: Session, viewer: Viewer, category: Category, on: bool) -> Category:
    """Switch pre-moderation of a board (see community/forum/premoderation.py)."""
    perms.require_admin(viewer)
    before = category.premoderated
    category.premoderated = on
    session.add(category)
    session.flush()
    if before != on:
        audit.record(
            session,
            viewer,
            "board.premoderation",
            "board",
            category.id,
            before={"premoderated": before},
            after={"premoderated": on},
        )
    return category


def set_category_groups(
    session: Session, viewer: Viewer, category: Category, group_slugs: list[str]
) -> None:
    """An empty list opens the board to everyone; otherwise only those groups see it."""
    perms.require_admin(viewer)
    groups = (
        list(
            session.execute(select(Group).where(Group.slug.in_(group_slugs))).scalars()  # type: ignore[attr-defined]
        )
        if group_slugs
        else []
    )
    missing = set(group_slugs) - {g.slug for g in groups}
    if missing:
        raise InvalidInput(f"Unbekannte Gruppe: {', '.join(sorted(missing))}")
    before = category_group_slugs(session, [category.id] if category.id else []).get(
        category.id or 0, []
    )
    was_open = not before
    session.execute(
        CategoryGroup.__table__.delete().where(CategoryGroup.category_id == category.id)  # type: ignore[attr-defined,arg-type]
    )
    for group in groups:
        assert category.id is not None and group.id is not None
        session.add(CategoryGroup(category_id=category.id, group_id=group.id))
    searching.board_changed(session, category.id)
    session.flush()
    after = sorted(g.slug for g in groups)
    if sorted(before) != after:
        audit.record(
            session,
            viewer,
            "board.groups",
            "board",
            category.id,
            before={"groups": sorted(before)},
            after={"groups": after},
        )
    if groups and was_open and category.id is not None:
        from community.faq.service import on_board_closed

        on_board_closed(session, category.id)


# ---- threads --------------------------------------------------------------------------------


def list_threads(
    session: Session,
    viewer: Viewer,
    *,
    category: Category | None = None,
    kind: ThreadKind | None = None,
    solved: str | None = None,
    cursor: str | None = None,
    limit: int = 20,
    sort: str = "latest",
) -> Page[Thread]:
    """Newest activity first; the cursor carries (last_post_at, id) of the last row seen.
    `solved`: None or "all", "solved", "unsolved". `sort="active"`: most replies first,
    the cursor then carries (reply_count, id)."""
    limit = max(1, min(limit, PAGE_MAX))
    query = select(Thread).where(perms.visible_threads_filter(viewer))
    query = query.where(reputation.thread_filter_solved(solved))
    if category is not None:
        query = query.where(Thread.category_id == category.id)  # type: ignore[arg-type]
    if kind is not None:
        query = query.where(Thread.kind == kind.value)  # type: ignore[arg-type]
    if sort == "active":
        return _most_active(session, query, cursor, limit)
    if cursor:
        at, last_id = decode_cursor(cursor, datetime, int)
        query = query.where(
            or_(
                Thread.last_post_at < at,  # type: ignore[arg-type]
                and_(Thread.last_post_at == at, Thread.id < last_id),  # type: ignore[arg-type,operator]
            )
        )
    query = query.order_by(Thread.last_post_at.desc(), Thread.id.desc()).limit(limit + 1)  # type: ignore[attr-defined,union-attr]
    rows = list(session.execute(query).scalars())
    next_cursor = None
    if len(rows) > limit:
        rows = rows[:limit]
        next_cursor = encode_cursor(rows[-1].last_post_at, rows[-1].id)
    return Page(rows, next_cursor)


def _most_active(
    session: Session, query: Select[Any], cursor: str | None, limit: int
) -> Page[Thread]:
    replies, ident = col(Thread.reply_count), col(Thread.id)
    if cursor:
        count, last_id = decode_cursor(cursor, int, int)
        query = query.where(or_(replies < count, and_(replies == count, ident < last_id)))
    rows = list(
        session.execute(query.order_by(replies.desc(), ident.desc()).limit(limit + 1)).scalars()
    )
    next_cursor = None
    if len(rows) > limit:
        rows = rows[:limit]
        next_cursor = encode_cursor(rows[-1].reply_count, rows[-1].id)
    return Page(rows, next_cursor)


def get_thread(session: Session, viewer: Viewer, thread_id: int) -> Thread:
    return perms.ensure_thread_visible(session, viewer, session.get(Thread, thread_id))


def _bump_category(category_id: int, *, threads: int = 0, posts: int = 0) -> Update:
    # SQL-side arithmetic: two requests at once never lose a count.
    return (
        update(Category)
        .where(Category.id == category_id)  # type: ignore[arg-type]
        .values(
            thread_count=Category.thread_count + threads,
            post_count=Category.post_count + posts,
        )
    )


def create_thread(
    session: Session,
    viewer: Viewer,
    *,
    category_slug: str,
    kind: ThreadKind,
    title: str,
    body: str,
) -> tuple[Thread, Post]:
    category = get_category(session, viewer, category_slug)
    perms.check_may_start_thread(session, viewer, category)
    assert viewer.user is not None and viewer.user.id is not None and category.id is not None
    title = check_title(title)
    body = check_body(body)
    antispam.check_new_thread(session, viewer.user, body)
    held = premoderation.should_hold(session, viewer, category)
    now = utcnow()
    thread = Thread(
        category_id=category.id,
        author_id=viewer.user.id,
        kind=kind.value,
        title=title,
        slug=slugify(title),
        created_at=now,
        last_post_at=now,
        last_poster_id=viewer.user.id,
        is_pending=held,
        is_hidden=held,
    )
    session.add(thread)
    session.flush()
    assert thread.id is not None
    post = Post(
        thread_id=thread.id,
        author_id=viewer.user.id,
        is_opening=True,
        body=body,
        body_html=render_markdown(body),
        created_at=now,
        is_pending=held,
        is_hidden=held,
    )
    session.add(post)
    session.flush()
    thread.last_post_id = post.id
    if held:
        # Waits for a moderator: no counters, events, points or index until approved.
        session.flush()
        return thread, post
    session.execute(_bump_category(category.id, threads=1, posts=1))
    session.execute(
        update(Category).where(Category.id == category.id).values(last_thread_id=thread.id)  # type: ignore[arg-type]
    )
    publish_thread(session, thread, post)
    return thread, post


def publish_thread(session: Session, thread: Thread, post: Post) -> None:
    """What a new thread sets off once it is public: at once, or when a moderator approves
    a held one (the caller has brought the counters up to date)."""
    category = session.get(Category, thread.category_id)
    author = session.get(User, thread.author_id)
    assert category is not None and author is not None
    record_event(
        session,
        "thread.created",
        {
            "thread_id": thread.id,
            "post_id": post.id,
            "category_id": category.id,
            "category_slug": category.slug,
            "kind": thread.kind,
            "title": thread.title,
            "author": author.nickname,
            "url": thread_url(thread),
        },
    )
    reputation.on_thread_created(session, thread)
    notifications.on_thread_created(session, thread, post)
    searching.thread_changed(session, thread.id)
    session.flush()


def update_thread(
    session: Session, viewer: Viewer, thread_id: int, *, title: str | None = None
) -> Thread:
    thread = get_thread(session, viewer, thread_id)
    opening = opening_post(session, thread)
    perms.check_may_edit_post(session, viewer, thread, opening)
    if title is not None:
        thread.title = check_title(title)
        thread.slug = slugify(thread.title)
    session.add(thread)
    searching.thread_changed(session, thread.id)
    session.flush()
    return thread


def set_locked(session: Session, viewer: Viewer, thread_id: int, locked: bool) -> Thread:
    thread = get_thread(session, viewer, thread_id)
    perms.require_moderator(viewer)
    thread.is_locked = locked
    session.add(thread)
    searching.thread_changed(session, thread.id)
    session.flush()
    return thread


def opening_post(session: Session, thread: Thread) -> Post:
    post = session.execute(
        select(Post).where(Post.thread_id == thread.id, Post.is_opening == True)  # type: ignore[arg-type]  # noqa: E712
    ).scalar_one_or_none()
    if post is None:
        raise NotFound("Dieses Thema hat keinen Eröffnungsbeitrag.")
    return post


# ---- posts ---------------------------------------------------------------------------------


def list_posts(
    session: Session, viewer: Viewer, thread: Thread, *, cursor: str | None = None, limit: int = 50
) -> Page[Post]:
    """Oldest first, the opening post included; deleted posts only for moderators."""
    limit = max(1, min(limit, PAGE_MAX))
    query = select(Post).where(Post.thread_id == thread.id)  # type: ignore[arg-type]
    if not viewer.is_moderator:
        query = query.where(Post.is_deleted == false())  # type: ignore[arg-type]
        # A post waiting for approval is shown to its author only (and the moderators).
        own = col(Post.author_id) == viewer.user_id if viewer.user_id is not None else false()
        query = query.where(or_(col(Post.is_pending) == false(), own))
    if cursor:
        (after_id,) = decode_cursor(cursor, int)
        query = query.where(Post.id > after_id)  # type: ignore[operator]
    rows = list(session.execute(query.order_by(Post.id).limit(limit + 1)).scalars())  # type: ignore[arg-type]
    next_cursor = None
    if len(rows) > limit:
        rows = rows[:limit]
        next_cursor = encode_cursor(rows[-1].id)
    return Page(rows, next_cursor)


def get_post(session: Session, viewer: Viewer, post_id: int) -> tuple[Post, Thread]:
    post = session.get(Post, post_id)
    if post is None or not perms.can_see_post(viewer, post):
        raise NotFound("Diesen Beitrag gibt es nicht.")
    thread = perms.ensure_thread_visible(session, viewer, session.get(Thread, post.thread_id))
    return post, thread


def create_reply(session: Session, viewer: Viewer, thread_id: int, body: str) -> Post:
    thread = get_thread(session, viewer, thread_id)
    perms.check_may_reply(session, viewer, thread)
    assert viewer.user is not None and viewer.user.id is not None
    body = check_body(body)
    antispam.check_new_reply(session, viewer.user, body)
    category = session.get(Category, thread.category_id)
    assert category is not None
    held = premoderation.should_hold(session, viewer, category)
    now = utcnow()
    post = Post(
        thread_id=thread_id,
        author_id=viewer.user.id,
        body=body,
        body_html=render_markdown(body),
        created_at=now,
        is_pending=held,
        is_hidden=held,
    )
    session.add(post)
    session.flush()
    if held:
        # Waits for a moderator: no counters, events, points or index until approved.
        return post
    session.execute(
        update(Thread)
        .where(Thread.id == thread_id)  # type: ignore[arg-type]
        .values(
            reply_count=Thread.reply_count + 1,
            last_post_at=now,
            last_post_id=post.id,
            last_poster_id=viewer.user.id,
        )
    )
    session.execute(_bump_category(thread.category_id, posts=1))
    publish_reply(session, thread, post)
    session.refresh(thread)
    return post


def publish_reply(session: Session, thread: Thread, post: Post) -> None:
    """What a new reply sets off once it is public: at once, or when a moderator approves
    a held one (the caller has brought the counters up to date)."""
    category = session.get(Category, thread.category_id)
    author = session.get(User, post.author_id)
    record_event(
        session,
        "post.created",
        {
            "post_id": post.id,
            "thread_id": thread.id,
            "category_id": thread.category_id,
            "category_slug": category.slug if category else None,
            "author": author.nickname if author else None,
            "url": f"{thread_url(thread)}#post-{post.id}",
        },
    )
    reputation.on_reply_created(session, post)
    searching.thread_changed(session, thread.id)
    notifications.on_reply_created(session, thread, post)


def edit_post(session: Session, viewer: Viewer, post_id: int, body: str) -> Post:
    """The earlier text is kept as a revision that moderators can read."""
    post, thread = get_post(session, viewer, post_id)
    perms.check_may_edit_post(session, viewer, thread, post)
    body = check_body(body)
    if body == post.body:
        return post
    assert viewer.user is not None
    antispam.check_edit(viewer.user, body)
    session.add(
        PostRevision(
            post_id=post_id,
            body=post.body,
            written_at=post.edited_at or post.created_at,
            editor_id=viewer.user_id,
        )
    )
    post.body = body
    post.body_html = render_markdown(body)
    post.edited_at = utcnow()
    post.edit_count += 1
    session.add(post)
    searching.thread_changed(session, thread.id)
    session.flush()
    notifications.on_post_edited(session, thread, post, viewer.user_id)
    return post


def list_revisions(session: Session, viewer: Viewer, post_id: int) -> list[PostRevision]:
    perms.require_moderator(viewer)
    get_post(session, viewer, post_id)
    return list(
        session.execute(
            select(PostRevision)
            .where(PostRevision.post_id == post_id)  # type: ignore[arg-type]
            .order_by(PostRevision.id)  # type: ignore[arg-type]
        ).scalars()
    )


def delete_post(session: Session, viewer: Viewer, post_id: int) -> Post:
    """Soft delete by the author or a moderator; deleting the opening post deletes the thread."""
    post, thread = get_post(session, viewer, post_id)
    perms.require_verified(viewer)
    if post.author_id != viewer.user_id and not viewer.is_moderator:
        raise Forbidden("Sie können nur Ihre eigenen Beiträge löschen.")
    if post.is_deleted:
        return post
    reputation.check_may_remove(viewer, thread, post)
    remove_post(session, viewer, thread, post)
    return post


def remove_post(session: Session, viewer: Viewer, thread: Thread, post: Post) -> None:
    """The soft delete itself, for callers that have decided it may happen (the author,
    the moderation, an account's erasure): kudos, points, counters and the index follow."""
    post.is_deleted = True
    session.add(post)
    if post.is_opening:
        thread.is_deleted = True
        session.add(thread)
    session.flush()
    reputation.on_post_removed(session, viewer, thread, post)
    recompute_thread(session, thread)
    recompute_category(session, thread.category_id)
    searching.thread_changed(session, thread.id)


# ---- counters --------------------------------------------------------------------------------


def recompute_thread(session: Session, thread: Thread) -> None:
    live = (
        select(Post)
        .where(Post.thread_id == thread.id, Post.is_deleted == false())  # type: ignore[arg-type]
        .order_by(Post.id.desc())  # type: ignore[union-attr]
    )
    posts = list(session.execute(live).scalars())
    thread.reply_count = sum(1 for p in posts if not p.is_opening and not p.is_hidden)
    last = next((p for p in posts if not p.is_hidden), None)
    if last is not None:
        thread.last_post_at = last.created_at
        thread.last_post_id = last.id
        thread.last_poster_id = last.author_id
    session.add(thread)
    session.flush()


def recompute_category(session: Session, category_id: int) -> None:
    live_threads = select(col(Thread.id)).where(
        Thread.category_id == category_id,  # type: ignore[arg-type]
        Thread.is_deleted == false(),  # type: ignore[arg-type]
        Thread.is_hidden == false(),  # type: ignore[arg-type]
    )
    thread_count = session.execute(
        select(func.count()).select_from(live_threads.subquery())
    ).scalar_one()
    post_count = session.execute(
        select(func.count(Post.id)).where(  # type: ignore[arg-type]
            Post.thread_id.in_(live_threads),  # type: ignore[attr-defined]
            Post.is_deleted == false(),  # type: ignore[arg-type]
            Post.is_hidden == false(),  # type: ignore[arg-type]
        )
    ).scalar_one()
    newest = session.execute(
        live_threads.order_by(Thread.created_at.desc(), Thread.id.desc()).limit(1)  # type: ignore[attr-defined,union-attr]
    ).scalar_one_or_none()
    session.execute(
        update(Category)
        .where(Category.id == category_id)  # type: ignore[arg-type]
        .values(thread_count=thread_count, post_count=post_count, last_thread_id=newest)
    )


def recompute_counters(session: Session) -> int:
    """Rebuild every kept counter from the posts; returns how many threads were looked at."""
    threads = list(session.execute(select(Thread)).scalars())
    for thread in threads:
        recompute_thread(session, thread)
    for category_id in session.execute(select(col(Category.id))).scalars():
        recompute_category(session, category_id)
    session.flush()
    return len(threads)
