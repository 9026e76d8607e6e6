"""Recording events. Payloads carry ids and nicknames, never real names or e-mails."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import select
from sqlmodel import Session, col

from community.errors import InvalidInput
from community.events.catalog import CATALOG
from community.events.models import Event
from community.forum.models import CategoryGroup, Thread
from community.i18n import Formatted


def record_event(session: Session, type_: str, payload: dict[str, Any]) -> Event:
    """Add the event to the caller's transaction, so it exists exactly when the change does."""
    from community.webhooks.service import fan_out  # webhooks builds on events

    event = Event(type=type_, payload=payload)
    session.add(event)
    fan_out(session, event)
    return event


def withheld_ids(session: Session, events: list[Event]) -> set[int]:
    """Events that must not leave for a CRM now: those of a closed board, judged by where
    their thread is now (a thread moved into a closed board takes its earlier events with
    it). A tombstone naming no board (faq.withdrawn after such a move) still goes out."""
    closed = set(session.execute(select(col(CategoryGroup.category_id)).distinct()).scalars())
    if not closed:
        return set()
    thread_ids = {e.payload.get("thread_id") for e in events} - {None}
    where_now = dict(
        session.execute(
            select(col(Thread.id), col(Thread.category_id)).where(col(Thread.id).in_(thread_ids))
        ).all()
    )
    out = set()
    for event in events:
        payload = event.payload
        if event.type == "faq.withdrawn" and payload.get("category_id") is None:
            continue
        now = where_now.get(payload.get("thread_id"))
        if payload.get("category_id") in closed or now in closed:
            assert event.id is not None
            out.add(event.id)
    return out


def refuse_unknown_types(types: list[str], known: Iterable[str]) -> None:
    """A misspelt type is said, not answered with nothing (the feed and webhooks alike)."""
    unknown = sorted(set(types) - set(known))
    if unknown:
        raise InvalidInput(
            Formatted("Unbekannter Ereignistyp: %(types)s", types=", ".join(unknown)),
            code="unknown_type",
        )


def list_events(
    session: Session,
    *,
    after: int = 0,
    types: list[str] | None = None,
    limit: int = 100,
    with_leads: bool = False,
) -> tuple[list[Event], int | None]:
    """Events in order, for CRMs that poll, and the id to continue after.
    A closed board's events, and leads unless asked for, are left out (they still advance
    the cursor)."""
    if types:
        refuse_unknown_types(types, CATALOG)
    query = select(Event).where(Event.id > after).order_by(Event.id).limit(limit)  # type: ignore[arg-type,operator]
    if types:
        query = query.where(Event.type.in_(types))  # type: ignore[attr-defined]
    scanned = list(session.execute(query).scalars())
    hidden = withheld_ids(session, scanned)
    visible = [e for e in scanned if e.id not in hidden]
    if not with_leads:  # personal data: only for tokens with leads:read
        visible = [e for e in visible if not e.type.startswith("lead.")]
    return visible, (scanned[-1].id if scanned else None)
