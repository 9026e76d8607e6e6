"""/api/v1 for the editor: @mention suggestions, the preview, and drafts kept on the server.
The pages use the same services (web/writing.py); they work without this API."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from community.db import MAX_ID
from community.deps import IdPath, SessionDep, ViewerDep
from community.errors import NotFound
from community.forum import drafts, mentions
from community.forum import service as forum
from community.forum.markdown import render_markdown
from community.forum.models import Draft
from community.forum.schemas import (
    DraftPublic,
    DraftSave,
    DraftSaved,
    MentionSuggestions,
    PreviewPublic,
    PreviewRequest,
)

router = APIRouter(tags=["editor"])

NO_DRAFT = "Es gibt keinen Entwurf."


def _public(draft: Draft, new_replies: int = 0) -> DraftPublic:
    return DraftPublic(
        body=draft.body,
        title=draft.title,
        category=draft.category_slug,
        kind=draft.kind,  # type: ignore[arg-type]
        updated_at=draft.updated_at,
        new_replies=new_replies,
    )


@router.get("/mentions/suggest")
def suggest_mentions(
    session: SessionDep,
    viewer: ViewerDep,
    q: Annotated[str, Query(max_length=21, description="What follows the @")] = "",
    thread_id: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
) -> MentionSuggestions:
    """Signed-in members only, rate-limited (COMMUNITY_MENTION_SUGGEST_RATE)."""
    return MentionSuggestions(items=mentions.suggest(session, viewer, q, thread_id))


@router.post("/preview")
def preview_markdown(data: PreviewRequest) -> PreviewPublic:
    return PreviewPublic(html=render_markdown(data.body))


@router.get("/drafts/new-thread")
def get_new_thread_draft(session: SessionDep, viewer: ViewerDep) -> DraftPublic:
    draft = drafts.get_draft(session, viewer)
    if draft is None:
        raise NotFound(NO_DRAFT)
    return _public(draft)


@router.put("/drafts/new-thread")
def save_new_thread_draft(data: DraftSave, session: SessionDep, viewer: ViewerDep) -> DraftSaved:
    draft = drafts.save_draft(
        session,
        viewer,
        body=data.body,
        title=data.title,
        category_slug=data.category,
        kind=data.kind,
    )
    return DraftSaved(draft=_public(draft) if draft is not None else None)


@router.get("/threads/{thread_id}/draft")
def get_reply_draft(thread_id: IdPath, session: SessionDep, viewer: ViewerDep) -> DraftPublic:
    thread = forum.get_thread(session, viewer, thread_id)
    draft = drafts.get_draft(session, viewer, thread.id)
    if draft is None:
        raise NotFound(NO_DRAFT)
    seen = draft.seen_post_id
    since = drafts.replies_since(session, viewer, thread, seen) if seen is not None else 0
    return _public(draft, since)


@router.put("/threads/{thread_id}/draft")
def save_reply_draft(
    thread_id: IdPath, data: DraftSave, session: SessionDep, viewer: ViewerDep
) -> DraftSaved:
    draft = drafts.save_draft(
        session, viewer, body=data.body, thread_id=thread_id, seen_post_id=data.seen_post_id
    )
    if draft is None:
        return DraftSaved(draft=None)
    thread = forum.get_thread(session, viewer, thread_id)
    seen = draft.seen_post_id
    since = drafts.replies_since(session, viewer, thread, seen) if seen is not None else 0
    return DraftSaved(draft=_public(draft, since))
