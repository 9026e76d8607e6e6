"""FAQ rules: drafts from solved questions, curation with four eyes, following the thread,
and the export (closed boards only for tokens that name their groups)."""

from __future__ import annotations

import base64
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, or_, select
from sqlmodel import Session, col

from community.accounts.models import GROUP_FAQ_SCOPE, Group
from community.accounts.validation import strip_invisible
from community.accounts.viewer import Viewer
from community.clock import utcnow
from community.config import get_settings
from community.db import MAX_ID
from community.errors import Forbidden, InvalidInput, NotFound
from community.events.service import record_event
from community.faq.models import FaqEntry, FaqStatus
from community.forum import permissions as perms
from community.forum.models import Category, CategoryGroup, Post, Thread
from community.forum.permissions import can_see_thread, visible_threads_filter
from community.i18n import N_
from community.moderation import audit
from community.moderation.models import AuditEntry


def _url(thread_id: int, slug: str) -> str:
    return f"{get_settings().public_url.rstrip('/')}/t/{thread_id}/{slug}"


def _thread_url(session: Session, entry: FaqEntry) -> str:
    thread = session.get(Thread, entry.thread_id)
    return _url(entry.thread_id, thread.slug if thread else "")


def _closed_slugs(session: Session, category_ids: set[int]) -> dict[int, set[str]]:
    rows = session.execute(
        select(col(CategoryGroup.category_id), col(Group.slug))
        .join(Group, col(Group.id) == col(CategoryGroup.group_id))
        .where(col(CategoryGroup.category_id).in_(category_ids))
    ).all()
    groups: dict[int, set[str]] = defaultdict(set)
    for category_id, slug in rows:
        groups[category_id].add(slug)
    return groups


def _event_payload(session: Session, entry: FaqEntry) -> dict[str, Any]:
    category = session.get(Category, entry.category_id)
    public = not _closed_slugs(session, {entry.category_id}).get(entry.category_id)
    return {
        "faq_id": entry.id,
        "thread_id": entry.thread_id,
        "category_id": entry.category_id,
        "category_slug": category.slug if category else None,
        "status": entry.status,
        "question_title": entry.published_title or entry.question_title,
        "question": entry.published_question or entry.question_text,
        "answer": entry.published_answer or entry.answer_text,
        "url": _thread_url(session, entry),
        "asker": entry.asker,
        "answerer": entry.answerer,
        "revision": max(entry.revision, 1),
        "public": public,
    }


def _record(session: Session, type_: str, entry: FaqEntry, reason: str | None = None) -> None:
    session.flush()
    payload = _event_payload(session, entry)
    if type_ == "faq.withdrawn":
        for key in ("question", "answer", "asker", "answerer"):
            payload.pop(key)
        payload["reason"] = reason
        if not payload["public"]:
            # A tombstone from a closed board (e.g. its thread moved there): ids are
            # enough to remove it; the board, the title and the URL's slug stay inside.
            payload.update(category_id=None, category_slug=None, question_title=None)
            payload["url"] = _url(entry.thread_id, "")
    record_event(session, type_, payload)


def _withdraw(session: Session, entry: FaqEntry, reason: str, status: FaqStatus) -> None:
    was_live = entry.live
    entry.status = status.value
    entry.live = False
    entry.withdrawn_reason = reason
    if was_live:
        entry.changed_at = utcnow()
        _record(session, "faq.withdrawn", entry, reason)
    session.add(entry)


# ---- following the thread (called from the reputation service) --------------------------------


def _entry_for(session: Session, thread: Thread) -> FaqEntry | None:
    # populate_existing: decide on the row as stored, not on a copy loaded earlier.
    return session.execute(
        select(FaqEntry)
        .where(col(FaqEntry.thread_id) == thread.id)
        .execution_options(populate_existing=True)
    ).scalar_one_or_none()


def on_solved(session: Session, thread: Thread, post: Post) -> None:
    """A solved question gets a draft; a new solution sends a published entry back to review."""
    from community.accounts.models import User

    entry = _entry_for(session, thread)
    opening = session.execute(
        select(Post).where(col(Post.thread_id) == thread.id, col(Post.is_opening).is_(True))
    ).scalar_one()
    asker = session.get(User, thread.author_id)
    answerer = session.get(User, post.author_id)
    if entry is None:
        assert thread.id is not None
        entry = FaqEntry(
            thread_id=thread.id,
            category_id=thread.category_id,
            question_title=thread.title,
            question_text=opening.body,
            answer_text="",
        )
    elif entry.answer_post_id == post.id and entry.status != FaqStatus.withdrawn.value:
        return
    entry.category_id = thread.category_id
    entry.answer_text = post.body
    entry.answer_post_id = post.id
    entry.asker = asker.nickname if asker else None
    entry.answerer = answerer.nickname if answerer else None
    entry.last_editor_id = None
    session.add(entry)
    if entry.live:
        _withdraw(session, entry, "solution_changed", FaqStatus.review)
    elif entry.was_published:
        entry.status = FaqStatus.review.value
    else:
        entry.status = FaqStatus.draft.value
    session.flush()


def on_source_edited(session: Session, thread: Thread, post: Post) -> None:
    """A moderator changed the question or the accepted answer: the entry takes the new
    text, and a live entry leaves the public FAQ until it is looked at again."""
    entry = _entry_for(session, thread)
    if entry is None:
        return
    if post.is_opening:
        entry.question_text = post.body
    elif entry.answer_post_id == post.id:
        entry.answer_text = post.body
    else:
        return
    entry.last_editor_id = None
    if entry.live:
        _withdraw(session, entry, "solution_changed", FaqStatus.review)
    session.add(entry)
    session.flush()


def on_unsolved(session: Session, thread: Thread, reason: str) -> None:
    entry = _entry_for(session, thread)
    if entry is not None:
        _withdraw(
            session, entry, "removed" if reason == "removed" else "unsolved", FaqStatus.withdrawn
        )


def on_board_closed(session: Session, category_id: int) -> None:
    """A board restricted to groups: its public entries leave the public FAQ."""
    for entry in session.execute(
        select(FaqEntry)
        .where(col(FaqEntry.category_id) == category_id, col(FaqEntry.live))
        .execution_options(populate_existing=True)
    ).scalars():
        _withdraw(session, entry, "board_closed", FaqStatus.withdrawn)


def on_member_erased(session: Session, user_id: int, pseudonym: str) -> None:
    """Entries name the asker and the answerer: an erased member's name gives way to the
    pseudonym, and a live entry goes out again (faq.updated) so the website follows."""
    asked = select(col(Thread.id)).where(col(Thread.author_id) == user_id)
    answered = select(col(Post.id)).where(col(Post.author_id) == user_id)
    entries = session.execute(
        select(FaqEntry)
        .where(or_(col(FaqEntry.thread_id).in_(asked), col(FaqEntry.answer_post_id).in_(answered)))
        .execution_options(populate_existing=True)
    ).scalars()
    answered_ids = set(session.execute(answered).scalars())
    asked_ids = set(session.execute(asked).scalars())
    for entry in list(entries):
        if entry.thread_id in asked_ids:
            entry.asker = pseudonym
        if entry.answer_post_id in answered_ids:
            entry.answerer = pseudonym
        session.add(entry)
        if entry.live:
            entry.revision += 1
            entry.changed_at = utcnow()
            _record(session, "faq.updated", entry)
    session.flush()


# ---- curation ---------------------------------------------------------------------------------

NOT_PUBLISHABLE = N_("Nur Entwürfe und Einträge in Prüfung können veröffentlicht werden.")
FOUR_EYES = N_(
    "Vier Augen: Wer den Eintrag zuletzt bearbeitet hat, kann ihn nicht "
    "veröffentlichen. Bitte eine zweite Person."
)
_TEXT_LIMITS = {
    "question_title": N_("Die Frage braucht einen Titel von 1 bis 300 Zeichen."),
    "question_text": N_("Der Text der Frage muss 1 bis 20.000 Zeichen lang sein."),
    "answer_text": N_("Die Antwort muss 1 bis 20.000 Zeichen lang sein."),
}


def can_curate(session: Session, viewer: Viewer, entry: FaqEntry) -> bool:
    """A curator sees an entry where they see its thread: an expert outside a closed
    board's groups gets no further than anyone else (tests/forum/test_permissions.py)."""
    thread = session.get(Thread, entry.thread_id)
    return thread is not None and can_see_thread(session, viewer, thread)


def get_entry(session: Session, viewer: Viewer, faq_id: int) -> FaqEntry:
    perms.require_curator(viewer)
    entry = session.get(FaqEntry, faq_id)
    if entry is None or not can_curate(session, viewer, entry):
        raise NotFound("Diesen FAQ-Eintrag gibt es nicht.")
    return entry


def entry_history(session: Session, entry: FaqEntry) -> list[AuditEntry]:
    """Who edited, published and withdrew the entry, oldest first: the audit log's own
    entries for it, for whoever may curate it (the caller has the entry from get_entry)."""
    return list(
        session.execute(
            select(AuditEntry)
            .where(col(AuditEntry.target_type) == "faq", col(AuditEntry.target_id) == entry.id)
            .order_by(col(AuditEntry.id))
        ).scalars()
    )


def curatable_filter(viewer: Viewer) -> Any:
    """The list form of can_curate (the two must agree)."""
    return col(FaqEntry.thread_id).in_(select(col(Thread.id)).where(visible_threads_filter(viewer)))


def list_for_curation(
    session: Session,
    viewer: Viewer,
    statuses: tuple[FaqStatus, ...] = (FaqStatus.draft, FaqStatus.review),
) -> list[FaqEntry]:
    """Drafts and entries in review by default; the curation page also lists the published
    ones, which a curator may withdraw."""
    perms.require_curator(viewer)
    return list(
        session.execute(
            select(FaqEntry)
            .where(col(FaqEntry.status).in_([s.value for s in statuses]))
            .where(curatable_filter(viewer))
            .order_by(col(FaqEntry.id))
        ).scalars()
    )


def publish_refusal(viewer: Viewer, entry: FaqEntry) -> str | None:
    """Why this viewer may not publish this entry now (None: they may); the same rule
    publish() applies, so the page can say it before anyone presses the button."""
    if entry.status not in (FaqStatus.draft.value, FaqStatus.review.value):
        return NOT_PUBLISHABLE
    if get_settings().faq_four_eyes and entry.last_editor_id == viewer.user_id:
        return FOUR_EYES
    return None


def withdraw(session: Session, viewer: Viewer, faq_id: int) -> FaqEntry:
    """A curator takes an entry out of the FAQ (or discards a draft); the export gets a
    tombstone when it was live. Editing it afterwards is refused, as for any withdrawn one."""
    entry = get_entry(session, viewer, faq_id)
    if entry.status == FaqStatus.withdrawn.value:
        return entry
    before = {"status": entry.status}
    _withdraw(session, entry, "curator", FaqStatus.withdrawn)
    session.flush()
    audit.record(
        session,
        viewer,
        "faq.withdraw",
        "faq",
        entry.id,
        before=before,
        after={"status": entry.status},
    )
    return entry


def edit(
    session: Session,
    viewer: Viewer,
    faq_id: int,
    *,
    question_title: str | None = None,
    question_text: str | None = None,
    answer_text: str | None = None,
) -> FaqEntry:
    entry = get_entry(session, viewer, faq_id)
    if entry.status == FaqStatus.withdrawn.value:
        raise InvalidInput(
            "Ein zurückgezogener Eintrag kann nicht bearbeitet werden.", code="withdrawn"
        )
    fields = ("question_title", "question_text", "answer_text", "status")
    before = {name: getattr(entry, name) for name in fields}
    for name, value, limit in (
        ("question_title", question_title, 300),
        ("question_text", question_text, 20_000),
        ("answer_text", answer_text, 20_000),
    ):
        if value is not None:
            # Titles are shown in lists: no controls that reorder or hide text (as threads).
            value = (strip_invisible(value) if name == "question_title" else value).strip()
            if not value or len(value) > limit:
                raise InvalidInput(_TEXT_LIMITS[name], code="invalid_text")
            setattr(entry, name, value)
    entry.last_editor_id = viewer.user_id
    if entry.status == FaqStatus.published.value:
        entry.status = FaqStatus.review.value  # the live copy stays until a second look
    session.add(entry)
    session.flush()
    after = {name: getattr(entry, name) for name in fields}
    changed = [name for name in fields if before[name] != after[name]]
    if changed:
        audit.record(
            session,
            viewer,
            "faq.edit",
            "faq",
            entry.id,
            before={name: before[name] for name in changed},
            after={name: after[name] for name in changed},
        )
    return entry


def publish(session: Session, viewer: Viewer, faq_id: int) -> FaqEntry:
    entry = get_entry(session, viewer, faq_id)
    refusal = publish_refusal(viewer, entry)
    if refusal == NOT_PUBLISHABLE:
        raise InvalidInput(refusal, code="not_publishable")
    if refusal == FOUR_EYES:
        raise Forbidden(refusal, code="four_eyes")
    update = entry.was_published and entry.live
    before = {"status": entry.status, "revision": entry.revision}
    entry.status = FaqStatus.published.value
    entry.live = True
    entry.was_published = True
    if not _closed_slugs(session, {entry.category_id}).get(entry.category_id):
        entry.was_public = True
    entry.withdrawn_reason = None
    entry.published_title = entry.question_title
    entry.published_question = entry.question_text
    entry.published_answer = entry.answer_text
    entry.published_by_id = viewer.user_id
    entry.published_at = utcnow()
    entry.revision += 1
    entry.changed_at = utcnow()
    session.add(entry)
    _record(session, "faq.updated" if update else "faq.published", entry)
    audit.record(
        session,
        viewer,
        "faq.publish",
        "faq",
        entry.id,
        before=before,
        after={"status": entry.status, "revision": entry.revision},
    )
    return entry


# ---- export -----------------------------------------------------------------------------------


@dataclass
class ExportItem:
    entry: FaqEntry
    category_slug: str
    category_name: str
    url: str
    public: bool


def _encode(at: datetime, id_: int) -> str:
    return base64.urlsafe_b64encode(f"{at.isoformat()}|{id_}".encode()).decode()


def _decode(cursor: str) -> tuple[datetime, int]:
    """The cursor _encode made; anything else (an id beyond the column, a time without its
    zone, as a hand-made cursor has) is refused, never handed to the database."""
    try:
        at, id_ = base64.urlsafe_b64decode(cursor.encode()).decode().split("|")
        when, number = datetime.fromisoformat(at), int(id_)
    except (ValueError, UnicodeDecodeError) as exc:
        raise InvalidInput("Ungültiger Cursor.", code="invalid_cursor") from exc
    if when.tzinfo is None or not 0 <= number <= MAX_ID:
        raise InvalidInput("Ungültiger Cursor.", code="invalid_cursor")
    return when, number


def export(
    session: Session,
    viewer: Viewer,
    *,
    updated_since: str | None = None,
    limit: int = 100,
    category_id: int | None = None,
    public_only: bool = False,
) -> tuple[list[ExportItem], str | None]:
    """Published entries and tombstones of withdrawn ones, in the order they changed.
    A closed board's entries only for tokens with faq:read:group:<slug> of one of its groups."""
    scopes = viewer.token_scopes or frozenset()
    granted = {s.removeprefix(GROUP_FAQ_SCOPE) for s in scopes if s.startswith(GROUP_FAQ_SCOPE)}
    query = (
        select(FaqEntry)
        .where(col(FaqEntry.was_published))
        .order_by(col(FaqEntry.changed_at), col(FaqEntry.id))
    )
    if category_id is not None:
        query = query.where(col(FaqEntry.category_id) == category_id)
    if updated_since:
        at, id_ = _decode(updated_since)
        query = query.where(
            or_(
                col(FaqEntry.changed_at) > at,
                and_(col(FaqEntry.changed_at) == at, col(FaqEntry.id) > id_),
            )
        )
    rows = list(session.execute(query.limit(limit)).scalars())
    cursor = _encode(rows[-1].changed_at, rows[-1].id or 0) if rows else updated_since
    closed = _closed_slugs(session, {e.category_id for e in rows})
    categories = {
        c.id: c
        for c in session.execute(
            select(Category).where(col(Category.id).in_({e.category_id for e in rows}))
        ).scalars()
    }
    slugs = {
        t.id: t.slug
        for t in session.execute(
            select(Thread).where(col(Thread.id).in_({e.thread_id for e in rows}))
        ).scalars()
    }
    items = []
    for entry in rows:
        groups = closed.get(entry.category_id, set())
        if groups and not (entry.was_public and not entry.live):
            if public_only:
                continue
            if not (groups & granted) and not (viewer.token_scopes is None and viewer.is_admin):
                continue
        category = categories.get(entry.category_id)
        # A tombstone of a board that is closed now names neither the board nor the
        # title's slug to those outside its groups.
        anonymous_tombstone = bool(groups) and not entry.live and not (groups & granted)
        if anonymous_tombstone or category is None:
            category_slug = category_name = ""
        else:
            category_slug, category_name = category.slug, category.name
        slug = "" if anonymous_tombstone else slugs.get(entry.thread_id, "")
        items.append(
            ExportItem(
                entry=entry,
                category_slug=category_slug,
                category_name=category_name,
                url=_url(entry.thread_id, slug),
                public=not groups,
            )
        )
    return items, cursor


def public_entries(session: Session, category_id: int) -> list[ExportItem]:
    """What the board's public FAQ page shows: live entries, and none of a closed board."""
    if _closed_slugs(session, {category_id}).get(category_id):
        return []
    items: list[ExportItem] = []
    cursor: str | None = None
    from community.accounts.viewer import ANONYMOUS

    while True:
        batch, cursor = export(
            session,
            ANONYMOUS,
            updated_since=cursor,
            limit=500,
            category_id=category_id,
            public_only=True,
        )
        items.extend(i for i in batch if i.entry.live)
        if len(batch) < 500:
            return items
