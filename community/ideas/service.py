"""The rules of ideas: proposing (through the forum's new-thread flow), voting, the
status staff give an idea with a public note, merging duplicates, and the lists.

An idea is a thread of kind "idea" on a board whose default_kind is "idea"; its row in
`ideas` holds what a thread has not. Everything here is judged by the thread's
visibility, so a closed board's ideas, votes and counts stay inside its groups."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import case, delete, false, func, select
from sqlmodel import Session, col

from community.accounts.models import User
from community.accounts.viewer import Viewer
from community.clock import utcnow
from community.config import get_settings
from community.db import insert_once
from community.errors import Conflict, InvalidInput, NotFound
from community.events.service import record_event
from community.forum import permissions as perms
from community.forum.models import Category, Thread, ThreadKind
from community.i18n import N_
from community.ideas.models import Idea, IdeaStatus, IdeaVote
from community.ideas.schemas import NOTE_MAX, IdeaPublic, IdeaSort, IdeasPublic, idea_public
from community.indexing import service as indexing
from community.moderation import audit
from community.notifications import service as notifications
from community.notifications.models import NoticeType
from community.reputation import service as reputation

PAGE_SIZE = 25


def get_idea(session: Session, viewer: Viewer, thread_id: int) -> tuple[Thread, Idea]:
    thread = perms.ensure_thread_visible(session, viewer, session.get(Thread, thread_id))
    idea = session.get(Idea, thread_id)
    if idea is None:
        raise NotFound("Diese Idee gibt es nicht.", code="idea_not_found")
    return thread, idea


def find_idea(session: Session, viewer: Viewer, thread: Thread) -> Idea | None:
    """The idea row of a thread the caller already may see (the thread page)."""
    return session.get(Idea, thread.id) if thread.kind == ThreadKind.idea.value else None


def has_voted(session: Session, viewer: Viewer, thread_id: int) -> bool:
    if viewer.user_id is None:
        return False
    return session.get(IdeaVote, (thread_id, viewer.user_id)) is not None


def recount(session: Session, idea: Idea) -> None:
    session.flush()
    staff, members = session.execute(
        select(
            func.count().filter(col(IdeaVote.is_staff)),
            func.count().filter(~col(IdeaVote.is_staff)),
        ).where(col(IdeaVote.thread_id) == idea.thread_id)
    ).one()
    idea.staff_vote_count, idea.vote_count = staff, members
    session.add(idea)
    session.flush()


# ---- votes ----------------------------------------------------------------------------------


def vote(session: Session, viewer: Viewer, thread_id: int) -> Idea:
    """One vote per member; voting again changes nothing."""
    thread, idea = get_idea(session, viewer, thread_id)
    perms.check_may_vote(session, viewer, thread, idea.merged_into_id is not None)
    assert viewer.user_id is not None
    values = {
        "thread_id": thread_id,
        "user_id": viewer.user_id,
        "is_staff": perms.is_staff(viewer),
        "created_at": utcnow(),
    }
    insert_once(session, IdeaVote, values, ["thread_id", "user_id"], col(IdeaVote.user_id))
    recount(session, idea)
    return idea


def unvote(session: Session, viewer: Viewer, thread_id: int) -> Idea:
    """Withdrawing a vote that is not there changes nothing."""
    _, idea = get_idea(session, viewer, thread_id)
    perms.require_member(viewer)
    session.execute(
        delete(IdeaVote).where(
            col(IdeaVote.thread_id) == thread_id, col(IdeaVote.user_id) == viewer.user_id
        )
    )
    recount(session, idea)
    return idea


def voter_ids(session: Session, thread_id: int) -> list[int]:
    return list(
        session.execute(
            select(col(IdeaVote.user_id)).where(col(IdeaVote.thread_id) == thread_id)
        ).scalars()
    )


# ---- status and merging ---------------------------------------------------------------------


def set_status(
    session: Session, viewer: Viewer, thread_id: int, status: IdeaStatus, note: str
) -> Idea:
    thread, idea = get_idea(session, viewer, thread_id)
    perms.check_may_decide_idea(session, viewer, thread)
    note = note.strip()
    if len(note) > NOTE_MAX:
        raise InvalidInput("Der Hinweis ist zu lang (höchstens 2000 Zeichen).", code="invalid_note")
    if idea.merged_into_id is not None:
        raise Conflict("Diese Idee wurde zusammengeführt.", code="idea_merged")
    if status.value == idea.status and note == idea.status_note:
        return idea
    before = {"status": idea.status, "status_note": idea.status_note}
    was_done = idea.status == IdeaStatus.done.value
    now = utcnow()
    idea.status, idea.status_note = status.value, note
    idea.status_changed_at, idea.status_by_id = now, viewer.user_id
    if idea.first_status_at is None and status != IdeaStatus.new:
        idea.first_status_at = now
    session.add(idea)
    entry = audit.record(
        session,
        viewer,
        "idea.status",
        "thread",
        thread_id,
        before=before,
        after={"status": idea.status, "status_note": note},
    )
    if was_done != (status == IdeaStatus.done):
        reputation.recompute_users(session, [thread.author_id])  # the "umgesetzt" points
    if before["status"] != idea.status:
        _announce(session, viewer, thread, idea, before["status"], entry.id)
    return idea


def _announce(
    session: Session, viewer: Viewer, thread: Thread, idea: Idea, old: str, change_id: int | None
) -> None:
    """The author and the voters hear of it (each only while they may see the idea, which
    deliver checks); the CRM gets the event (withheld for a closed board)."""
    category = session.get(Category, thread.category_id)
    assert category is not None and viewer.user is not None
    recipients = dict.fromkeys(
        [thread.author_id, *voter_ids(session, idea.thread_id)], NoticeType.idea
    )
    notifications.deliver(
        session,
        recipients,
        key=f"idea-status:{change_id}",
        actor_id=viewer.user_id,
        thread=thread,
        data={"status": idea.status, "note": idea.status_note[:300]},
    )
    record_event(
        session,
        "idea.status_changed",
        {
            "thread_id": thread.id,
            "category_id": category.id,
            "category_slug": category.slug,
            "title": thread.title,
            "old_status": old,
            "new_status": idea.status,
            "note": idea.status_note,
            "by": viewer.user.nickname,
            "votes": idea.vote_count,
            "staff_votes": idea.staff_vote_count,
            "url": f"{get_settings().public_url.rstrip('/')}/t/{thread.id}/{thread.slug}",
        },
    )


def merge(session: Session, viewer: Viewer, thread_id: int, into_thread_id: int) -> Idea:
    """Close a duplicate into another idea of the same board: its votes move there, a
    member who voted for both counts once, and the target's author not at all."""
    thread, idea = get_idea(session, viewer, thread_id)
    perms.check_may_decide_idea(session, viewer, thread)
    if into_thread_id == thread_id:
        raise InvalidInput(
            "Eine Idee kann nicht mit sich selbst zusammengeführt werden.", code="invalid_target"
        )
    if idea.merged_into_id is not None:
        raise Conflict("Diese Idee wurde bereits zusammengeführt.", code="idea_merged")
    # What is wrong with the number typed is said on the form (invalid_target), the same for
    # a number of no thread and of one the staff member may not see.
    try:
        target_thread, target = get_idea(session, viewer, into_thread_id)
    except NotFound:
        no_idea = N_("Unter dieser Nummer gibt es keine Idee.")
        raise InvalidInput(no_idea, code="invalid_target") from None
    perms.check_may_decide_idea(session, viewer, target_thread)
    if target.category_id != idea.category_id:
        raise InvalidInput(
            "Ideen lassen sich nur im selben Bereich zusammenführen.", code="invalid_target"
        )
    if target.merged_into_id is not None:
        raise InvalidInput(
            "Diese Idee ist selbst schon zusammengeführt: Bitte nennen Sie die Idee, in der sie "
            "aufging.",
            code="invalid_target",
        )
    moved = (
        session.execute(select(IdeaVote).where(col(IdeaVote.thread_id) == thread_id))
        .scalars()
        .all()
    )
    for old in moved:
        if old.user_id == target_thread.author_id:
            continue
        values = {
            "thread_id": into_thread_id,
            "user_id": old.user_id,
            "is_staff": old.is_staff,
            "created_at": old.created_at,
        }
        insert_once(session, IdeaVote, values, ["thread_id", "user_id"], col(IdeaVote.user_id))
    session.execute(delete(IdeaVote).where(col(IdeaVote.thread_id) == thread_id))
    idea.merged_into_id = into_thread_id
    thread.duplicate_of_thread_id = into_thread_id
    session.add(thread)
    recount(session, idea)
    recount(session, target)
    audit.record(
        session,
        viewer,
        "idea.merge",
        "thread",
        thread_id,
        before={"duplicate_of_thread_id": None},
        after={"duplicate_of_thread_id": into_thread_id},
    )
    indexing.thread_changed(session, thread_id)
    # The duplicate's voters learn where their vote went (deliver drops whoever may not
    # see the target); the target's author had no vote to move.
    notifications.deliver(
        session,
        dict.fromkeys(
            [v.user_id for v in moved if v.user_id != target_thread.author_id], NoticeType.idea
        ),
        key=f"idea-merge:{thread_id}",
        actor_id=viewer.user_id,
        thread=target_thread,
        data={"merged_from": thread.title},
    )
    return target


# ---- lists ---------------------------------------------------------------------------------


@dataclass
class IdeaRow:
    thread: Thread
    idea: Idea
    author: User | None
    voted: bool


_STATUS_ORDER = case(
    {s.value: i for i, s in enumerate(IdeaStatus)}, value=col(Idea.status), else_=99
)


def list_ideas(
    session: Session,
    viewer: Viewer,
    category: Category,
    *,
    sort: IdeaSort = "votes",
    status: IdeaStatus | None = None,
    page: int = 1,
) -> tuple[list[IdeaRow], bool]:
    """A board's ideas the viewer may see (merged duplicates left out), a page at a time,
    and whether there are more."""
    perms.ensure_category_visible(session, viewer, category)
    query = (
        select(Thread, Idea)
        .join(Idea, col(Idea.thread_id) == col(Thread.id))
        .where(
            col(Idea.category_id) == category.id,
            col(Idea.merged_into_id).is_(None),
            col(Thread.is_pending) == false(),
            perms.visible_threads_filter(viewer),
        )
    )
    if status is not None:
        query = query.where(col(Idea.status) == status.value)
    votes = col(Idea.vote_count) + col(Idea.staff_vote_count)
    order = {
        "votes": (votes.desc(), col(Thread.id).desc()),
        "newest": (col(Thread.id).desc(),),
        "status": (_STATUS_ORDER, votes.desc(), col(Thread.id).desc()),
    }[sort]
    rows = session.execute(
        query.order_by(*order).offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE + 1)
    ).all()
    more = len(rows) > PAGE_SIZE
    rows = rows[:PAGE_SIZE]
    author_ids = {t.author_id for t, _ in rows}
    authors = {
        u.id: u for u in session.execute(select(User).where(col(User.id).in_(author_ids))).scalars()
    }
    voted: set[int] = set()
    if viewer.user_id is not None and rows:
        voted = set(
            session.execute(
                select(col(IdeaVote.thread_id)).where(
                    col(IdeaVote.user_id) == viewer.user_id,
                    col(IdeaVote.thread_id).in_([t.id for t, _ in rows]),
                )
            ).scalars()
        )
    out = [IdeaRow(t, i, authors.get(t.author_id), t.id in voted) for t, i in rows]
    return out, more


def public(session: Session, viewer: Viewer, thread: Thread, idea: Idea) -> IdeaPublic:
    category = session.get(Category, thread.category_id)
    author = session.get(User, thread.author_id)
    assert category is not None and thread.id is not None
    voted = has_voted(session, viewer, thread.id)
    return idea_public(thread, idea, category.slug, author.nickname if author else "", voted)


def page_public(
    session: Session, category: Category, rows: list[IdeaRow], page: int, more: bool
) -> IdeasPublic:
    items = [
        idea_public(r.thread, r.idea, category.slug, r.author.nickname if r.author else "", r.voted)
        for r in rows
    ]
    return IdeasPublic(items=items, page=page, has_more=more)
