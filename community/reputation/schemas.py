from __future__ import annotations

from pydantic import BaseModel, Field

from community.db import MAX_ID
from community.reputation.ranks import RankStep


class RankPublic(BaseModel):
    key: str
    name_de: str
    name_en: str


class KudosState(BaseModel):
    post_id: int
    kudos_count: int
    given: bool = Field(description="Whether the viewer has given kudos to this post")


class SolutionSet(BaseModel):
    post_id: int = Field(ge=1, le=MAX_ID)


class LeaderboardEntry(BaseModel):
    position: int
    nickname: str
    rank: RankPublic
    solutions: int
    kudos: int


class LeaderboardPublic(BaseModel):
    period: str
    category: str | None
    items: list[LeaderboardEntry]
    staff: list[LeaderboardEntry] | None = Field(
        description="Staff listed apart; null when staff are excluded (the default)"
    )


class RankLadderPublic(BaseModel):
    steps: list[RankStep]
