"""The "Aktuell" slot of the start page: staff pin an announcement or offer for a period.
The newest one whose period covers now is shown; none, and the slot is left out."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select
from sqlmodel import Session, col

from community.accounts.viewer import Viewer
from community.blog.models import Spotlight
from community.clock import utcnow
from community.errors import InvalidInput, NotFound
from community.forum import permissions as perms
from community.moderation import audit


def current(session: Session) -> Spotlight | None:
    now = utcnow()
    return session.execute(
        select(Spotlight)
        .where(col(Spotlight.starts_at) <= now, col(Spotlight.ends_at) > now)
        .order_by(col(Spotlight.starts_at).desc(), col(Spotlight.id).desc())
        .limit(1)
    ).scalar_one_or_none()


def list_all(session: Session, viewer: Viewer) -> list[Spotlight]:
    perms.require_staff(viewer)
    return list(
        session.execute(select(Spotlight).order_by(col(Spotlight.ends_at).desc())).scalars()
    )


def create(
    session: Session,
    viewer: Viewer,
    *,
    title: str,
    text: str,
    link_url: str | None,
    starts_at: datetime,
    ends_at: datetime,
) -> Spotlight:
    perms.require_staff(viewer)
    starts_at, ends_at = (
        m.replace(tzinfo=UTC) if m.tzinfo is None else m.astimezone(UTC)
        for m in (starts_at, ends_at)
    )
    title, text = " ".join(title.split()), " ".join(text.split())
    if not 3 <= len(title) <= 120:
        raise InvalidInput("Der Titel muss 3 bis 120 Zeichen lang sein.", code="invalid_title")
    if not text or len(text) > 400:
        raise InvalidInput("Der Text muss 1 bis 400 Zeichen lang sein.", code="invalid_text")
    link = (link_url or "").strip() or None
    # Only links to the web or within the forum: no javascript: or data: in the start page.
    if link and not (link.startswith(("https://", "http://")) or link.startswith("/")):
        raise InvalidInput(
            "Der Link muss mit https://, http:// oder / beginnen.", code="invalid_link"
        )
    if ends_at <= starts_at:
        raise InvalidInput("Das Ende muss nach dem Beginn liegen.", code="invalid_period")
    row = Spotlight(
        title=title,
        text=text,
        link_url=link,
        starts_at=starts_at,
        ends_at=ends_at,
        created_by_id=viewer.user_id,
    )
    session.add(row)
    session.flush()
    audit.record(session, viewer, "spotlight.create", "spotlight", row.id, after={"title": title})
    return row


def delete(session: Session, viewer: Viewer, spotlight_id: int) -> None:
    perms.require_staff(viewer)
    row = session.get(Spotlight, spotlight_id)
    if row is None:
        raise NotFound("Diesen Eintrag gibt es nicht.")
    audit.record(
        session, viewer, "spotlight.delete", "spotlight", row.id, before={"title": row.title}
    )
    session.delete(row)
    session.flush()
