"""Boards: listing, reading and the admins' settings (groups of a closed board, pre-moderation)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from sqlalchemy import bindparam, exists, select
from sqlmodel import Session, col

from community.accounts.models import Group
from community.accounts.viewer import Viewer
from community.db import read_values
from community.errors import Conflict, InvalidInput
from community.forum import permissions as perms
from community.forum.models import Category, CategoryGroup, Thread, ThreadKind
from community.forum.slugs import slugify
from community.i18n import Formatted
from community.indexing import service as indexing
from community.moderation import audit


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


def suggest_board(categories: list[Category], hit_boards: Iterable[str]) -> Category | None:
    """The board most of the similar questions live in (the first of them on a tie), among
    the boards offered: a suggestion for the ask form, which the writer confirms."""
    offered = {c.slug: c for c in categories}
    counts = Counter(slug for slug in hit_boards if slug in offered)
    if not counts:
        return None
    best = max(counts.values())
    return next(offered[slug] for slug in counts if counts[slug] == best)


def get_category(session: Session, viewer: Viewer, slug: str) -> Category:
    category = session.execute(
        select(Category).where(Category.slug == slug)  # type: ignore[arg-type]
    ).scalar_one_or_none()
    return perms.ensure_category_visible(session, viewer, category)


def is_closed(session: Session, category_id: int) -> bool:
    """Whether the board is closed (open only to its groups)."""
    return bool(read_values(session, _CLOSED, {"category_id": category_id}).scalar())


# Built once per process: every thread page asks.
_CLOSED = select(exists().where(col(CategoryGroup.category_id) == bindparam("category_id")))


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
    default_kind: ThreadKind = ThreadKind.question,
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
        default_kind=default_kind.value,
    )
    session.add(category)
    session.flush()
    audit.record(
        session,
        viewer,
        "board.create",
        "board",
        category.id,
        after={
            "slug": slug,
            "name": name,
            "parent": parent_slug,
            "premoderated": premoderated,
            "default_kind": default_kind.value,
        },
    )
    set_category_groups(session, viewer, category, group_slugs or [])
    return category


def update_category(
    session: Session,
    viewer: Viewer,
    category: Category,
    *,
    name: str,
    description: str,
    position: int,
    unanswered_after_hours: int | None,
    default_kind: ThreadKind = ThreadKind.question,
) -> Category:
    """Name, description, place in the list, the kind a new thread starts as, and the
    experts' unanswered threshold."""
    perms.require_admin(viewer)
    fields = ("name", "description", "position", "unanswered_after_hours", "default_kind")
    before = {f: getattr(category, f) for f in fields}
    category.name = name
    category.description = description
    category.position = position
    category.unanswered_after_hours = unanswered_after_hours
    category.default_kind = default_kind.value
    session.add(category)
    session.flush()
    after = {f: getattr(category, f) for f in fields}
    if after != before:
        changed = [f for f in fields if before[f] != after[f]]
        audit.record(
            session,
            viewer,
            "board.update",
            "board",
            category.id,
            before={f: before[f] for f in changed},
            after={f: after[f] for f in changed},
        )
    return category


def boards_of_group(session: Session, group_id: int) -> list[Category]:
    """The closed boards a group opens."""
    return list(
        session.execute(
            select(Category)
            .join(CategoryGroup, col(CategoryGroup.category_id) == col(Category.id))
            .where(col(CategoryGroup.group_id) == group_id)
            .order_by(col(Category.position), col(Category.name))
        ).scalars()
    )


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
        names = ", ".join(sorted(missing))
        raise InvalidInput(Formatted("Unbekannte Gruppe: %(names)s", names=names))
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
    indexing.board_changed(session, category.id)
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
