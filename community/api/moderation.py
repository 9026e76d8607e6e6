"""/api/v1 reports, the moderation queue and decisions, and the admins' audit log."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, status
from sqlmodel import Session

from community.accounts.models import User
from community.auth import client_ip
from community.db import MAX_ID
from community.deps import IdPath, SessionDep, ViewerDep
from community.forum import service as forum
from community.moderation import audit, edits
from community.moderation import pending as moderation_pending
from community.moderation import service as moderation
from community.moderation.models import AuditEntry, Report
from community.moderation.schemas import (
    AuditLogPublic,
    AuditPublic,
    Decision,
    MarkDuplicate,
    ModeratorEdit,
    MoveThread,
    PendingPost,
    PendingPublic,
    QueuePost,
    QueuePublic,
    ReportCreate,
    ReportPublic,
    Suspension,
)

router = APIRouter(tags=["moderation"])


def _report_public(
    session: Session, report: Report, reporters: dict[int, User] | None = None
) -> ReportPublic:
    """`reporters`: the nicknames of a whole page, loaded at once (forum.users_by_id)."""
    if report.reporter_id is None:
        reporter = None
    elif reporters is not None:
        reporter = reporters.get(report.reporter_id)
    else:
        reporter = session.get(User, report.reporter_id)
    return ReportPublic(
        id=report.id or 0,
        post_id=report.post_id,
        reason=report.reason,
        comment=report.comment,
        status=report.status,
        created_at=report.created_at,
        outcome=report.outcome,
        reporter=reporter.nickname if reporter else None,
    )


def _audit_public(entry: AuditEntry) -> AuditPublic:
    return AuditPublic.model_validate(entry, from_attributes=True)


@router.post("/posts/{post_id}/reports", status_code=status.HTTP_201_CREATED)
def report_post(
    post_id: IdPath, data: ReportCreate, request: Request, session: SessionDep, viewer: ViewerDep
) -> ReportPublic:
    report = moderation.report_post(
        session,
        viewer,
        post_id,
        reason=data.reason,
        comment=data.comment,
        contact_email=data.contact_email,
        client_ip=client_ip(request),
    )
    return _report_public(session, report)


@router.get("/moderation/queue")
def moderation_queue(session: SessionDep, viewer: ViewerDep) -> QueuePublic:
    items = moderation.queue(session, viewer)
    reporters = forum.users_by_id(session, (r.reporter_id for i in items for r in i.reports))
    return QueuePublic(
        items=[
            QueuePost(
                id=i.post.id or 0,
                thread_id=i.thread.id or 0,
                thread_title=i.thread.title,
                body=i.post.body,
                is_hidden=i.post.is_hidden,
                is_deleted=i.post.is_deleted,
                author=i.author.nickname,
                author_post_count=i.author_post_count,
                author_hidden_count=i.author_hidden_count,
                reports=[_report_public(session, r, reporters) for r in i.reports],
                earlier_decisions=[_audit_public(e) for e in i.earlier_decisions],
            )
            for i in items
        ]
    )


@router.post("/moderation/posts/{post_id}/hide", status_code=status.HTTP_204_NO_CONTENT)
def hide_post(post_id: IdPath, data: Decision, session: SessionDep, viewer: ViewerDep) -> None:
    moderation.hide_post(session, viewer, post_id, data.reason)


@router.post("/moderation/posts/{post_id}/restore", status_code=status.HTTP_204_NO_CONTENT)
def restore_post(post_id: IdPath, data: Decision, session: SessionDep, viewer: ViewerDep) -> None:
    moderation.restore_post(session, viewer, post_id, data.reason)


@router.post(
    "/moderation/posts/{post_id}/delete",
    status_code=status.HTTP_204_NO_CONTENT,
    name="moderation_delete_post",
)
def delete_post(post_id: IdPath, data: Decision, session: SessionDep, viewer: ViewerDep) -> None:
    moderation.delete_post(session, viewer, post_id, data.reason)


@router.post("/moderation/posts/{post_id}/dismiss", status_code=status.HTTP_204_NO_CONTENT)
def dismiss_reports(
    post_id: IdPath, data: Decision, session: SessionDep, viewer: ViewerDep
) -> None:
    moderation.dismiss_reports(session, viewer, post_id, data.reason)


@router.post(
    "/moderation/posts/{post_id}/edit",
    status_code=status.HTTP_204_NO_CONTENT,
    name="moderation_edit_post",
)
def edit_post(post_id: IdPath, data: ModeratorEdit, session: SessionDep, viewer: ViewerDep) -> None:
    """Change a post's text; the post shows "Bearbeitet von der Moderation: <reason>" and
    the earlier text stays as a revision."""
    edits.edit_post(session, viewer, post_id, data.body, data.reason)


@router.get("/moderation/pending")
def pending_posts(session: SessionDep, viewer: ViewerDep) -> PendingPublic:
    """Threads and replies held by pre-moderation, the longest waiting first."""
    return PendingPublic(
        items=[
            PendingPost(
                id=i.post.id or 0,
                thread_id=i.thread.id or 0,
                thread_title=i.thread.title,
                is_opening=i.post.is_opening,
                body=i.post.body,
                author=i.author.nickname,
                created_at=i.post.created_at,
            )
            for i in moderation_pending.pending(session, viewer)
        ]
    )


@router.post("/moderation/posts/{post_id}/approve", status_code=status.HTTP_204_NO_CONTENT)
def approve_post(post_id: IdPath, data: Decision, session: SessionDep, viewer: ViewerDep) -> None:
    """Publish a held thread or reply, with its events, points and search entry."""
    moderation_pending.approve_post(session, viewer, post_id, data.reason)


@router.post("/moderation/posts/{post_id}/reject", status_code=status.HTTP_204_NO_CONTENT)
def reject_post(post_id: IdPath, data: Decision, session: SessionDep, viewer: ViewerDep) -> None:
    moderation_pending.reject_post(session, viewer, post_id, data.reason)


@router.post("/moderation/threads/{thread_id}/duplicate", status_code=status.HTTP_204_NO_CONTENT)
def mark_duplicate(
    thread_id: IdPath, data: MarkDuplicate, session: SessionDep, viewer: ViewerDep
) -> None:
    """Close the thread as a duplicate: it links to the original and takes no replies."""
    edits.mark_duplicate(session, viewer, thread_id, data.original_thread_id, data.reason)


@router.post(
    "/moderation/threads/{thread_id}/not-duplicate", status_code=status.HTTP_204_NO_CONTENT
)
def unmark_duplicate(
    thread_id: IdPath, data: Decision, session: SessionDep, viewer: ViewerDep
) -> None:
    edits.unmark_duplicate(session, viewer, thread_id, data.reason)


@router.post("/moderation/threads/{thread_id}/lock", status_code=status.HTTP_204_NO_CONTENT)
def lock_thread(thread_id: IdPath, data: Decision, session: SessionDep, viewer: ViewerDep) -> None:
    moderation.set_locked(session, viewer, thread_id, True, data.reason)


@router.post("/moderation/threads/{thread_id}/unlock", status_code=status.HTTP_204_NO_CONTENT)
def unlock_thread(
    thread_id: IdPath, data: Decision, session: SessionDep, viewer: ViewerDep
) -> None:
    moderation.set_locked(session, viewer, thread_id, False, data.reason)


@router.post("/moderation/threads/{thread_id}/move", status_code=status.HTTP_204_NO_CONTENT)
def move_thread(
    thread_id: IdPath, data: MoveThread, session: SessionDep, viewer: ViewerDep
) -> None:
    moderation.move_thread(session, viewer, thread_id, data.category, data.reason)


@router.post("/moderation/users/{nickname}/suspend", status_code=status.HTTP_204_NO_CONTENT)
def suspend_user(nickname: str, data: Suspension, session: SessionDep, viewer: ViewerDep) -> None:
    moderation.suspend_user(session, viewer, nickname, days=data.days, reason=data.reason)


@router.post("/moderation/users/{nickname}/ban", status_code=status.HTTP_204_NO_CONTENT)
def ban_user(nickname: str, data: Decision, session: SessionDep, viewer: ViewerDep) -> None:
    moderation.ban_user(session, viewer, nickname, reason=data.reason)


@router.post("/moderation/users/{nickname}/unsuspend", status_code=status.HTTP_204_NO_CONTENT)
def unsuspend_user(nickname: str, data: Decision, session: SessionDep, viewer: ViewerDep) -> None:
    moderation.unsuspend_user(session, viewer, nickname, reason=data.reason)


@router.get("/admin/audit-log")
def audit_log(
    session: SessionDep,
    viewer: ViewerDep,
    before_id: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> AuditLogPublic:
    entries = audit.list_entries(session, viewer, before_id=before_id, limit=limit)
    return AuditLogPublic(items=[_audit_public(e) for e in entries])
