"""Personal data in the blog: the articles a staff member wrote are in their export. On
erasure the articles stay (company content) and show no author any more
(service.author_names skips an erased account); the events' `author` field is scrubbed
with every other nickname field (community/privacy/scrub.py)."""

from __future__ import annotations

from sqlalchemy import select
from sqlmodel import Session, col

from community.accounts.models import User
from community.blog.models import Article
from community.privacy.sections import export_section


@export_section("articles")
def _export_articles(session: Session, user: User) -> list[dict[str, object]] | None:
    rows = session.execute(
        select(Article).where(col(Article.author_id) == user.id).order_by(col(Article.id))
    ).scalars()
    found = [
        {
            "id": a.id,
            "title": a.title,
            "status": a.status,
            "created_at": a.created_at.isoformat(),
            "published_at": a.published_at.isoformat() if a.published_at else None,
        }
        for a in rows
    ]
    return found or None
