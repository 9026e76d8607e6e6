"""/api/v1/admin/stats (moderators and admins) and the asker's satisfaction rating."""

from __future__ import annotations

from dataclasses import asdict
from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request, status
from fastapi.responses import Response

from community.deps import IdPath, SessionDep, ViewerDep
from community.forum import boards as forum_boards
from community.i18n import api_locale
from community.ideas.stats import idea_figures
from community.insights import export
from community.insights import satisfaction as insights_satisfaction
from community.insights import service as insights
from community.insights.schemas import (
    IdeaFiguresPublic,
    Period,
    SatisfactionCreate,
    SatisfactionPublic,
    StatsWithIdeasPublic,
)

router = APIRouter(tags=["insights"])


@router.get("/admin/stats", response_model=StatsWithIdeasPublic, name="get_stats")
def stats(
    request: Request,
    session: SessionDep,
    viewer: ViewerDep,
    period: Period = Period.month,
    start: Annotated[date | None, Query(alias="from")] = None,
    end: Annotated[date | None, Query(alias="to")] = None,
    category: Annotated[str | None, Query(max_length=60)] = None,
    format: Literal["json", "csv"] = "json",
) -> Any:
    """Figures per board and overall for the period (`custom`: from and to, dates in UTC,
    both included). Only boards the viewer may see are counted. `format=csv`: one row
    per board and an overall row, which also carries the ideas figures of the period (in
    JSON: `ideas`)."""
    window = insights.resolve_window(period, start, end)
    board = forum_boards.get_category(session, viewer, category) if category else None
    figures = insights.dashboard(session, viewer, window, category=board)
    ideas = idea_figures(session, viewer, window.start, window.end, board)
    if format == "csv":
        name = export.filename(figures, api_locale(request))
        return Response(
            export.as_csv(figures, ideas),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="{name}"'},
        )
    return StatsWithIdeasPublic(
        **dict(figures), ideas=IdeaFiguresPublic.model_validate(asdict(ideas))
    )


@router.post(
    "/threads/{thread_id}/satisfaction",
    status_code=status.HTTP_201_CREATED,
    name="rate_solution",
)
def rate(
    thread_id: IdPath, data: SatisfactionCreate, session: SessionDep, viewer: ViewerDep
) -> SatisfactionPublic:
    """The asker rates the accepted solution once (1–5, optional comment); 409 the second time."""
    entry = insights_satisfaction.rate_solution(
        session, viewer, thread_id, rating=data.rating, comment=data.comment
    )
    return SatisfactionPublic(
        thread_id=entry.thread_id,
        rating=entry.rating,
        comment=entry.comment,
        created_at=entry.created_at,
    )
