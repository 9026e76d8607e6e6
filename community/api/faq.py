"""/api/v1/faq: the FAQ export (scope faq:read) and curation by experts and moderators."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field

from community.deps import IdPath, SessionDep, ViewerDep, require_scope
from community.faq import formats
from community.faq import service as faq
from community.faq.models import FaqEntry
from community.text import CleanStr

router = APIRouter(tags=["faq"])


class FaqEdit(BaseModel):
    question_title: CleanStr | None = Field(default=None, max_length=300)
    question_text: CleanStr | None = Field(default=None, max_length=20_000)
    answer_text: CleanStr | None = Field(default=None, max_length=20_000)


def _draft(e: FaqEntry) -> dict[str, Any]:
    return {
        "id": e.id,
        "thread_id": e.thread_id,
        "status": e.status,
        "question_title": e.question_title,
        "question_text": e.question_text,
        "answer_text": e.answer_text,
        "asker": e.asker,
        "answerer": e.answerer,
        "revision": e.revision,
        "live": e.live,
    }


_NEXT_CURSOR = {
    "X-Next-Cursor": {
        "description": "Pass as updated_since for the next page; empty at the end.",
        "schema": {"type": "string"},
    }
}
_EXPORT_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "The published entries (tombstones for withdrawn ones), oldest "
        "change first; format=csv and format=jsonld give text/csv and FAQPage JSON-LD.",
        "headers": _NEXT_CURSOR,
        "content": {
            "application/json": {
                "schema": {
                    "type": "object",
                    "required": ["items", "next_cursor"],
                    "properties": {
                        "items": {"type": "array", "items": {"type": "object"}},
                        "next_cursor": {"type": ["string", "null"]},
                    },
                }
            },
            "text/csv": {"schema": {"type": "string"}},
            "application/ld+json": {"schema": {"type": "object"}},
        },
    }
}


@router.get(
    "/faq",
    dependencies=[Depends(require_scope("faq:read"))],
    response_model=None,
    responses=_EXPORT_RESPONSES,
    name="faq_export",
)
def export(
    session: SessionDep,
    viewer: ViewerDep,
    updated_since: Annotated[str | None, Query(max_length=200)] = None,
    format: Literal["json", "csv", "jsonld"] = "json",
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> Any:
    items, cursor = faq.export(session, viewer, updated_since=updated_since, limit=limit)
    if format == "csv":
        return Response(
            formats.as_csv(items),
            media_type="text/csv; charset=utf-8",
            headers={"X-Next-Cursor": cursor or ""},
        )
    if format == "jsonld":
        return JSONResponse(
            formats.as_jsonld(items),
            media_type="application/ld+json",
            headers={"X-Next-Cursor": cursor or ""},
        )
    return {"items": [formats.item_json(i) for i in items], "next_cursor": cursor}


@router.get("/faq/entries", name="faq_curation_queue")
def curation_queue(session: SessionDep, viewer: ViewerDep) -> list[dict[str, Any]]:
    return [_draft(e) for e in faq.list_for_curation(session, viewer)]


@router.patch("/faq/entries/{faq_id}", name="faq_edit")
def edit(faq_id: IdPath, data: FaqEdit, session: SessionDep, viewer: ViewerDep) -> dict[str, Any]:
    return _draft(faq.edit(session, viewer, faq_id, **data.model_dump()))


@router.post("/faq/entries/{faq_id}/publish", name="faq_publish")
def publish(faq_id: IdPath, session: SessionDep, viewer: ViewerDep) -> dict[str, Any]:
    return _draft(faq.publish(session, viewer, faq_id))
