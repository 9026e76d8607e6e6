"""Moderators' edits with a visible note, and threads closed as duplicates of another."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session

from community.accounts.viewer import Viewer
from community.errors import InvalidInput, NotFound
from community.faq import service as faq
from community.forum import permissions as perms
from community.forum import service as forum
from community.forum.models import Post, Thread
from community.indexing import service as indexing
from community.moderation import audit
from community.moderation.service import clean_reason, moderated_post, record_decision


def edit_post(session: Session, viewer: Viewer, post_id: int, body: str, reason: str) -> Post:
    """A moderator changes a post's text (the earlier one is kept as a revision) and the
    post shows "Bearbeitet von der Moderation: <reason>"."""
    post, thread = moderated_post(session, viewer, post_id)
    reason = clean_reason(reason)
    body = forum.check_body(body)
    if body == post.body:
        raise InvalidInput("Der Text ist unverändert.", code="unchanged")
    before = {"body": post.body, "moderation_note": post.moderation_note}
    forum.edit_post(session, viewer, post_id, body)
    post.moderation_note = reason
    session.add(post)
    session.flush()
    # The FAQ holds a copy of the question and the accepted answer: it must not keep
    # the text the moderation took out.
    faq.on_source_edited(session, thread, post)
    record_decision(
        session,
        viewer,
        post,
        thread,
        "edited",
        "post.edit",
        reason,
        before,
        after={"body": post.body, "moderation_note": post.moderation_note},
    )
    return post


def _root_thread(session: Session, thread: Thread) -> Thread:
    """Follow duplicates to the thread they all point to (a short chain at most)."""
    seen = {thread.id}
    while thread.duplicate_of_thread_id is not None:
        nxt = session.get(Thread, thread.duplicate_of_thread_id)
        if nxt is None or nxt.id in seen:
            break
        seen.add(nxt.id)
        thread = nxt
    return thread


def _duplicate_state(thread: Thread) -> dict[str, Any]:
    return {"duplicate_of_thread_id": thread.duplicate_of_thread_id, "is_locked": thread.is_locked}


def mark_duplicate(
    session: Session, viewer: Viewer, thread_id: int, original_id: int, reason: str = ""
) -> Thread:
    """The thread points readers to the original and takes no more replies; the original
    stays as it is. Reports on the question are closed with the outcome "duplicate"."""
    perms.require_moderator(viewer)
    thread = forum.get_thread(session, viewer, thread_id)
    original = session.get(Thread, original_id)
    if original is None:
        raise NotFound("Das Original-Thema gibt es nicht.")
    original = _root_thread(session, original)
    if original.id == thread.id:
        raise InvalidInput("Ein Thema kann kein Duplikat von sich selbst sein.", code="same_thread")
    if original.is_deleted or original.is_hidden:
        raise InvalidInput("Das Original-Thema ist nicht sichtbar.", code="original_hidden")
    # Whoever reads the duplicate must be able to follow it: the original's board is open,
    # or closed to groups that include every group the duplicate's board is closed to. Else
    # the question would be closed with no way on (perms.original_shown names no original).
    original_groups = perms.category_group_ids(session, original.category_id)
    duplicate_groups = perms.category_group_ids(session, thread.category_id)
    if original_groups and not (duplicate_groups and duplicate_groups <= original_groups):
        raise InvalidInput(
            "Das Original liegt in einem geschlossenen Bereich, den nicht alle Leser dieser "
            "Frage sehen; sie fänden keinen Weg dorthin. Wählen Sie ein Original, das sie "
            "sehen können.",
            code="original_closed",
        )
    before = _duplicate_state(thread)
    thread.duplicate_of_thread_id = original.id
    thread.is_locked = True
    session.add(thread)
    session.flush()
    indexing.thread_changed(session, thread.id)
    opening = forum.opening_post(session, thread)
    record_decision(
        session,
        viewer,
        opening,
        thread,
        "duplicate",
        "thread.duplicate",
        reason.strip(),
        before,
        after=_duplicate_state(thread),
        target=("thread", thread.id),
    )
    return thread


def unmark_duplicate(session: Session, viewer: Viewer, thread_id: int, reason: str = "") -> Thread:
    perms.require_moderator(viewer)
    thread = forum.get_thread(session, viewer, thread_id)
    if thread.duplicate_of_thread_id is None:
        return thread
    before = _duplicate_state(thread)
    thread.duplicate_of_thread_id = None
    thread.is_locked = False
    session.add(thread)
    session.flush()
    indexing.thread_changed(session, thread.id)
    audit.record(
        session,
        viewer,
        "thread.not_duplicate",
        "thread",
        thread.id,
        reason=reason.strip(),
        before=before,
        after=_duplicate_state(thread),
    )
    return thread
