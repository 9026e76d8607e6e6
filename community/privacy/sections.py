"""The sections of a member's data export, one builder each.

A domain that stores something about a member adds a section here (or registers one from
its own module with `@export_section("name")`): the export is the union of the
registered builders, in registration order. A builder gets the member's row and returns
plain JSON values; it leaves out other people's personal data (who reported or thanked
whom), token hashes and password hashes. A member's own posts in closed boards are theirs
and are included."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlmodel import Session, col

from community.accounts.models import ApiToken, Group, GroupMember, User, UserSession
from community.events.models import Event
from community.forum.models import Category, Post, PostRevision, Thread
from community.leads.models import Lead
from community.moderation.models import AuditEntry, Report
from community.reputation.models import Kudo, RankChange

SectionBuilder = Callable[[Session, User], Any]
SECTIONS: dict[str, SectionBuilder] = {}


def export_section(name: str) -> Callable[[SectionBuilder], SectionBuilder]:
    def register(fn: SectionBuilder) -> SectionBuilder:
        SECTIONS[name] = fn
        return fn

    return register


def _time(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


@export_section("profile")
def profile(session: Session, user: User) -> dict[str, Any]:
    return {
        "id": user.id,
        "nickname": user.nickname,
        "email": user.email,
        "email_verified_at": _time(user.email_verified_at),
        "real_name": user.real_name,
        "company": user.company,
        "settings": {"language": user.locale},
        "role": user.role,
        "is_staff": user.is_staff,
        "is_active": user.is_active,
        "suspended_until": _time(user.suspended_until),
        "created_at": _time(user.created_at),
        "reputation": {
            "points": user.points,
            "rank": user.rank,
            "solutions": user.solution_count,
            "kudos_received": user.kudos_received,
            "kudos_given": user.kudos_given,
            "replies": user.reply_count,
            "threads": user.thread_count,
        },
    }


@export_section("groups")
def groups(session: Session, user: User) -> list[dict[str, Any]]:
    rows = session.execute(
        select(Group, GroupMember)
        .join(GroupMember, col(GroupMember.group_id) == col(Group.id))
        .where(col(GroupMember.user_id) == user.id)
        .order_by(col(Group.slug))
    ).all()
    return [{"slug": g.slug, "name": g.name, "added_at": _time(m.added_at)} for g, m in rows]


@export_section("posts")
def posts(session: Session, user: User) -> list[dict[str, Any]]:
    """Every post, with its earlier versions; deleted and hidden ones too, marked so."""
    rows = session.execute(
        select(Post, Thread, Category)
        .join(Thread, col(Thread.id) == col(Post.thread_id))
        .join(Category, col(Category.id) == col(Thread.category_id))
        .where(col(Post.author_id) == user.id)
        .order_by(col(Post.id))
    ).all()
    versions: dict[int, list[dict[str, Any]]] = {}
    for revision in session.execute(
        select(PostRevision)
        .join(Post, col(Post.id) == col(PostRevision.post_id))
        .where(col(Post.author_id) == user.id)
        .order_by(col(PostRevision.id))
    ).scalars():
        versions.setdefault(revision.post_id, []).append(
            {
                "body": revision.body,
                "written_at": _time(revision.written_at),
                "replaced_at": _time(revision.replaced_at),
            }
        )
    return [
        {
            "id": post.id,
            "thread_id": thread.id,
            "thread_title": thread.title,
            "board": category.slug,
            "kind": "opening" if post.is_opening else "reply",
            "body": post.body,
            "created_at": _time(post.created_at),
            "edited_at": _time(post.edited_at),
            "kudos": post.kudos_count,
            "hidden": post.is_hidden,
            "hidden_reason": post.hidden_reason,
            "deleted": post.is_deleted,
            "earlier_versions": versions.get(post.id or 0, []),
        }
        for post, thread, category in rows
    ]


@export_section("kudos_given")
def kudos_given(session: Session, user: User) -> list[dict[str, Any]]:
    return [
        {"post_id": k.post_id, "thread_id": k.thread_id, "given_at": _time(k.created_at)}
        for k in session.execute(
            select(Kudo).where(col(Kudo.giver_id) == user.id).order_by(col(Kudo.id))
        ).scalars()
    ]


@export_section("kudos_received")
def kudos_received(session: Session, user: User) -> list[dict[str, Any]]:
    # Who gave them is the giver's data: the public pages do not show it either.
    return [
        {
            "post_id": k.post_id,
            "thread_id": k.thread_id,
            "received_at": _time(k.created_at),
            "counts_for_points": k.counts_for_points and k.post_visible,
        }
        for k in session.execute(
            select(Kudo).where(col(Kudo.receiver_id) == user.id).order_by(col(Kudo.id))
        ).scalars()
    ]


@export_section("reports_filed")
def reports_filed(session: Session, user: User) -> list[dict[str, Any]]:
    return [
        {
            "id": r.id,
            "post_id": r.post_id,
            "reason": r.reason,
            "comment": r.comment,
            "status": r.status,
            "outcome": r.outcome,
            "created_at": _time(r.created_at),
            "closed_at": _time(r.closed_at),
        }
        for r in session.execute(
            select(Report).where(col(Report.reporter_id) == user.id).order_by(col(Report.id))
        ).scalars()
    ]


@export_section("moderation_decisions")
def moderation_decisions(session: Session, user: User) -> list[dict[str, Any]]:
    """Decisions on the member's account (suspensions, bans); not who decided."""
    return [
        {"action": e.action, "at": _time(e.at), "reason": e.reason}
        for e in session.execute(
            select(AuditEntry)
            .where(col(AuditEntry.target_type) == "user", col(AuditEntry.target_id) == user.id)
            .order_by(col(AuditEntry.id))
        ).scalars()
    ]


@export_section("consents")
def consents(session: Session, user: User) -> list[dict[str, Any]]:
    """Contact by sales: each consent, and what was passed on with it."""
    leads = list(
        session.execute(
            select(Lead).where(col(Lead.user_id) == user.id).order_by(col(Lead.id))
        ).scalars()
    )
    events = {
        e.id: e
        for e in session.execute(
            select(Event).where(col(Event.id).in_([lead.event_id for lead in leads]))
        ).scalars()
    }
    out = []
    for lead in leads:
        event = events.get(lead.event_id) if lead.event_id else None
        passed = (
            {k: v for k, v in event.payload.items() if k not in ("lead_id", "consent")}
            if event is not None
            else None
        )
        out.append(
            {
                "id": lead.id,
                "thread_id": lead.thread_id,
                "status": lead.status,
                "consent_text_version": lead.consent_text_version,
                "consent_given_at": _time(lead.consent_given_at),
                "withdrawn_at": _time(lead.withdrawn_at),
                "created_at": _time(lead.created_at),
                "passed_to_sales": passed,
            }
        )
    return out


@export_section("sessions")
def sessions(session: Session, user: User) -> list[dict[str, Any]]:
    # The token's hash stays out: it is a credential, not information about the member.
    return [
        {
            "created_at": _time(s.created_at),
            "last_seen_at": _time(s.last_seen_at),
            "expires_at": _time(s.expires_at),
        }
        for s in session.execute(
            select(UserSession)
            .where(col(UserSession.user_id) == user.id)
            .order_by(col(UserSession.id))
        ).scalars()
    ]


@export_section("integration_tokens")
def integration_tokens(session: Session, user: User) -> list[dict[str, Any]]:
    """Tokens the member (an admin) created."""
    return [
        {
            "name": t.name,
            "prefix": t.prefix,
            "scopes": t.scope_list,
            "created_at": _time(t.created_at),
            "last_used_at": _time(t.last_used_at),
            "revoked_at": _time(t.revoked_at),
        }
        for t in session.execute(
            select(ApiToken).where(col(ApiToken.created_by_id) == user.id).order_by(ApiToken.id)  # type: ignore[arg-type]
        ).scalars()
    ]


@export_section("rank_history")
def rank_history(session: Session, user: User) -> list[dict[str, Any]]:
    return [
        {
            "old_rank": r.old_rank,
            "new_rank": r.new_rank,
            "points": r.points,
            "changed_at": _time(r.changed_at),
        }
        for r in session.execute(
            select(RankChange)
            .where(col(RankChange.user_id) == user.id)
            .order_by(col(RankChange.id))
        ).scalars()
    ]
