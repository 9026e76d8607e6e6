"""A member's public profile and the leaderboard. The figures come from
community/reputation/profile.py, the same as the API's."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from community.deps import SessionDep
from community.forum import boards as forum_boards
from community.reputation.leaderboard import Period, leaderboard
from community.reputation.profile import member_profile, rank_labels
from community.web.deps import WebViewer
from community.web.pages import render

router = APIRouter()


@router.get("/u/{nickname}", response_class=HTMLResponse)
def profile(nickname: str, request: Request, session: SessionDep, viewer: WebViewer) -> Response:
    shown = member_profile(session, viewer, nickname, recent=10)
    return render(
        request,
        "profile.html",
        {
            "user": shown.user,
            "figures": shown.figures,
            "posts": shown.recent_posts,
            "rank": shown.rank,
        },
    )


@router.get("/leaderboard", response_class=HTMLResponse)
def leaderboard_page(
    request: Request,
    session: SessionDep,
    viewer: WebViewer,
    period: Period = Period.all,
    board: Annotated[str | None, Query(max_length=60)] = None,
) -> Response:
    categories = forum_boards.list_categories(session, viewer)
    category = forum_boards.get_category(session, viewer, board) if board else None
    board_ranks = leaderboard(session, viewer, period=period, category=category)
    everyone = [s.user for s in board_ranks.members + (board_ranks.staff or [])]
    return render(
        request,
        "leaderboard.html",
        {
            "board": board_ranks,
            "period": period.value,
            "category": category,
            "categories": categories,
            "ranks": rank_labels(session, {u.id: u for u in everyone if u.id is not None}),
        },
    )
