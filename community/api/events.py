"""/api/v1/events: the pull feed of the event log (scope events:read)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query

from community.db import MAX_ID
from community.deps import SessionDep, ViewerDep, require_scope
from community.events import service as events
from community.events.schemas import EventPublic, EventsPublic

router = APIRouter(tags=["events"])


@router.get("/events", dependencies=[Depends(require_scope("events:read"))])
def list_events(
    session: SessionDep,
    viewer: ViewerDep,
    after: Annotated[int, Query(ge=0, le=MAX_ID)] = 0,
    types: Annotated[str | None, Query(max_length=500, description="Comma-separated")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> EventsPublic:
    wanted = [t.strip() for t in types.split(",") if t.strip()] if types else None
    with_leads = viewer.is_admin or "leads:read" in (viewer.token_scopes or ())
    rows, last_scanned = events.list_events(
        session, after=after, types=wanted, limit=limit, with_leads=with_leads
    )
    items = [
        EventPublic(id=e.id, type=e.type, occurred_at=e.occurred_at, payload=e.payload)
        for e in rows
        if e.id is not None
    ]
    return EventsPublic(items=items, next_after=last_scanned)
