"""Drafts kept on the server: what a member is still writing survives a reload, a closed
tab and a change of device. One draft of a new thread per member, one reply draft per
thread; posting deletes it, and so does erasing the account."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ScalarSelect, bindparam, delete, false, func, select
from sqlmodel import Session, col

from community.accounts.models import User
from community.accounts.viewer import Viewer
from community.clock import utcnow
from community.db import insert_once
from community.errors import InvalidInput
from community.forum import permissions as perms
from community.forum.models import Draft, Post, Thread, ThreadKind
from community.privacy.erasure import Erasure, erasure_step
from community.privacy.sections import export_section

NEW_THREAD = "new"
BODY_MAX = 20_000
TITLE_MAX = 150


def scope_of(thread_id: int | None) -> str:
    return NEW_THREAD if thread_id is None else f"thread-{thread_id}"


def get_draft(session: Session, viewer: Viewer, thread_id: int | None = None) -> Draft | None:
    """The viewer's draft of a new thread (thread_id None) or of a reply in that thread."""
    if viewer.user_id is None:
        return None
    params = {"viewer_id": viewer.user_id, "scope": scope_of(thread_id)}
    return session.execute(_DRAFT, params).scalar_one_or_none()


# Built once per process: a member's thread page asks on every view.
_DRAFT = select(Draft).where(
    col(Draft.user_id) == bindparam("viewer_id"), col(Draft.scope) == bindparam("scope")
)


def draft_body_column() -> ScalarSelect[Any]:
    """The body of get_draft's draft as a column of a statement that reads more
    (parameters `viewer_id` and `scope`, scope_of the thread): NULL without a draft."""
    return (
        select(col(Draft.body))
        .where(col(Draft.user_id) == bindparam("viewer_id"), col(Draft.scope) == bindparam("scope"))
        .scalar_subquery()
    )


def save_draft(
    session: Session,
    viewer: Viewer,
    *,
    body: str,
    thread_id: int | None = None,
    title: str = "",
    category_slug: str = "",
    kind: ThreadKind = ThreadKind.question,
    seen_post_id: int | None = None,
) -> Draft | None:
    """Keeps what was typed; nothing typed at all removes the draft (None). A reply draft
    needs a thread the viewer can see; an unverified member keeps drafts too, so the text
    is waiting once the address is confirmed."""
    perms.require_member(viewer)
    assert viewer.user_id is not None
    if thread_id is not None:
        perms.ensure_thread_visible(session, viewer, session.get(Thread, thread_id))
    if len(body) > BODY_MAX:
        raise InvalidInput(
            f"Ein Beitrag darf höchstens {BODY_MAX} Zeichen lang sein.", code="invalid_body"
        )
    title = " ".join(title.split())[:TITLE_MAX]
    if not body.strip() and not title:
        discard_draft(session, viewer.user_id, thread_id)
        return None
    values: dict[str, Any] = {
        "body": body,
        "title": title,
        "category_slug": category_slug[:60],
        "kind": kind.value,
        "updated_at": utcnow(),
    }
    if seen_post_id is not None:
        values["seen_post_id"] = seen_post_id
    draft = get_draft(session, viewer, thread_id)
    if draft is None:
        # Two saves of the same draft at once (two tabs): the second updates the first.
        new = {"user_id": viewer.user_id, "scope": scope_of(thread_id), "thread_id": thread_id}
        insert_once(session, Draft, {**values, **new}, ["user_id", "scope"], col(Draft.id))
        draft = get_draft(session, viewer, thread_id)
        assert draft is not None
    for name, value in values.items():
        setattr(draft, name, value)
    session.add(draft)
    session.flush()
    return draft


def discard_draft(session: Session, user_id: int, thread_id: int | None = None) -> None:
    session.execute(
        delete(Draft).where(col(Draft.user_id) == user_id, col(Draft.scope) == scope_of(thread_id))
    )


def replies_since(session: Session, viewer: Viewer, thread: Thread, seen_post_id: int) -> int:
    """Posts by others in the thread after the one the writer had seen, counted as the
    viewer may see them (no deleted posts, none waiting for approval)."""
    query = select(func.count(col(Post.id))).where(
        col(Post.thread_id) == thread.id,
        col(Post.id) > seen_post_id,
        col(Post.is_deleted) == false(),
        col(Post.is_pending) == false(),
    )
    if viewer.user_id is not None:
        query = query.where(col(Post.author_id) != viewer.user_id)
    return int(session.execute(query).scalar_one())


def drafts_of(session: Session, user: User) -> list[Draft]:
    return list(
        session.execute(
            select(Draft).where(col(Draft.user_id) == user.id).order_by(col(Draft.id))
        ).scalars()
    )


@export_section("drafts")
def drafts_section(session: Session, user: User) -> list[dict[str, Any]]:
    return [
        {
            "thread_id": d.thread_id,
            "title": d.title,
            "board": d.category_slug,
            "kind": d.kind,
            "body": d.body,
            "updated_at": d.updated_at.isoformat(),
        }
        for d in drafts_of(session, user)
    ]


@erasure_step
def erase_drafts(session: Session, erasure: Erasure) -> None:
    """Unposted text is the member's alone: nothing of it stays."""
    session.execute(delete(Draft).where(col(Draft.user_id) == erasure.user.id))
