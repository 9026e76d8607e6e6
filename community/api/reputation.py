"""/api/v1 kudos, accepted solutions, the leaderboard and the rank ladder."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from community.accounts.viewer import Viewer
from community.deps import IdPath, SessionDep, ViewerDep
from community.forum import boards, present
from community.forum.schemas import ThreadDetail
from community.reputation import service as reputation
from community.reputation.leaderboard import Period, Standing, leaderboard
from community.reputation.ranks import display_rank, load_ladder
from community.reputation.schemas import (
    KudosState,
    LeaderboardEntry,
    LeaderboardPublic,
    RankLadderPublic,
    RankPublic,
    SolutionSet,
)

router = APIRouter(tags=["reputation"])


def _kudos_state(session: SessionDep, viewer: Viewer, post_id: int, count: int) -> KudosState:
    given = post_id in reputation.has_given_kudos(session, viewer, [post_id])
    return KudosState(post_id=post_id, kudos_count=count, given=given)


@router.post("/posts/{post_id}/kudos")
def give_kudos(post_id: IdPath, session: SessionDep, viewer: ViewerDep) -> KudosState:
    """Idempotent: giving twice leaves one kudos."""
    post = reputation.give_kudos(session, viewer, post_id)
    return _kudos_state(session, viewer, post_id, post.kudos_count)


@router.delete("/posts/{post_id}/kudos")
def take_back_kudos(post_id: IdPath, session: SessionDep, viewer: ViewerDep) -> KudosState:
    post = reputation.take_back_kudos(session, viewer, post_id)
    return _kudos_state(session, viewer, post_id, post.kudos_count)


@router.put("/threads/{thread_id}/solution")
def accept_solution(
    thread_id: IdPath, data: SolutionSet, session: SessionDep, viewer: ViewerDep
) -> ThreadDetail:
    thread = reputation.accept_solution(session, viewer, thread_id, data.post_id)
    return present.thread_detail(session, viewer, thread)


@router.delete("/threads/{thread_id}/solution")
def withdraw_solution(thread_id: IdPath, session: SessionDep, viewer: ViewerDep) -> ThreadDetail:
    thread = reputation.withdraw_solution(session, viewer, thread_id)
    return present.thread_detail(session, viewer, thread)


@router.get("/leaderboard")
def get_leaderboard(
    session: SessionDep,
    viewer: ViewerDep,
    period: Period = Period.all,
    category: Annotated[str | None, Query(max_length=60)] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> LeaderboardPublic:
    board = boards.get_category(session, viewer, category) if category else None
    result = leaderboard(session, viewer, period=period, category=board, limit=limit)
    ladder = load_ladder(session)

    def entries(standings: list[Standing]) -> list[LeaderboardEntry]:
        return [
            LeaderboardEntry(
                position=i,
                nickname=s.user.nickname,
                rank=RankPublic(**display_rank(s.user, ladder).as_dict()),
                solutions=s.solutions,
                kudos=s.kudos,
            )
            for i, s in enumerate(standings, start=1)
        ]

    return LeaderboardPublic(
        period=period.value,
        category=category,
        items=entries(result.members),
        staff=entries(result.staff) if result.staff is not None else None,
    )


@router.get("/ranks")
def get_ranks(session: SessionDep) -> RankLadderPublic:
    return RankLadderPublic(steps=load_ladder(session).steps)


@router.put("/admin/ranks")
def set_ranks(data: RankLadderPublic, session: SessionDep, viewer: ViewerDep) -> RankLadderPublic:
    """Replace the ladder; every member's rank is recomputed in the same transaction."""
    ladder = reputation.replace_ladder(session, viewer, data.model_dump())
    return RankLadderPublic(steps=ladder.steps)
