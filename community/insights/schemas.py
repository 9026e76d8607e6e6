"""Input and output of the statistics and the satisfaction rating."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import BaseModel, Field

from community.text import CleanStr


class Period(StrEnum):
    week = "week"
    month = "month"
    quarter = "quarter"
    year = "year"
    custom = "custom"


# ---- satisfaction ----------------------------------------------------------------------------


class SatisfactionCreate(BaseModel):
    rating: int = Field(ge=1, le=5, description="1 = not helpful at all … 5 = very helpful")
    comment: Annotated[CleanStr, Field(max_length=2000)] = ""


class SatisfactionPublic(BaseModel):
    thread_id: int
    rating: int
    comment: str
    created_at: datetime


# ---- statistics ------------------------------------------------------------------------------


class Durations(BaseModel):
    """Hours from the question to an event, over the questions where it happened."""

    count: int
    median_hours: float | None
    p90_hours: float | None = Field(description="Nearest rank: 90 % took at most this long")


class Satisfaction(BaseModel):
    count: int
    average: float | None


class BoardFigures(BaseModel):
    """One board's figures (or all boards' together: `board` is null) for the period."""

    board: str | None = Field(description="Board slug; null in the overall row")
    name: str | None
    closed: bool = Field(default=False, description="Restricted to closed groups")
    questions: int = Field(description="Questions asked in the period (hidden, deleted excluded)")
    solved: int = Field(description="Of those, the ones with an accepted solution now")
    solution_rate: float | None = Field(description="solved / questions, 0..1")
    first_reply: Durations = Field(description="First reply by someone other than the asker")
    solution: Durations = Field(description="Until the accepted solution")
    answered: int = Field(description="Questions with a solution or a reply by someone else")
    answered_by_staff: int = Field(
        description="The accepted solution is by staff; without one, the first reply is"
    )
    staff_share: float | None = Field(description="answered_by_staff / answered, 0..1")
    community_share: float | None
    unanswered: int = Field(description="Now: open questions older than unanswered_hours")
    active_members: int = Field(description="Distinct authors of visible posts in the period")
    kudos_given: int
    satisfaction: Satisfaction


class TimelinePoint(BaseModel):
    start: datetime
    questions: int
    solved: int
    solution_rate: float | None


class HistogramBucket(BaseModel):
    key: str
    min_hours: float | None
    max_hours: float | None = Field(description="Exclusive; null: open-ended")
    count: int


class Helper(BaseModel):
    nickname: str
    solutions: int
    kudos: int
    is_staff: bool


class StatsPublic(BaseModel):
    period: Period
    start: datetime
    end: datetime
    bucket: Literal["day", "week"]
    unanswered_hours: int
    generated_at: datetime
    overall: BoardFigures
    boards: list[BoardFigures]
    timeline: list[TimelinePoint]
    first_reply_histogram: list[HistogramBucket] = Field(
        description="Time to first reply; the bucket `none` holds questions without one"
    )
    top_helpers: list[Helper]


class IdeaFiguresPublic(BaseModel):
    """The ideas of the period on the boards counted (the CSV's ideas columns)."""

    proposed: int = Field(description="ideas proposed in the period (merged ones left out)")
    by_status: dict[str, int] = Field(
        description="those ideas per current status: new, review, planned, done, declined"
    )
    decided: int = Field(description="those ideas that got a first status from staff")
    first_status_median_hours: float | None = Field(
        description="median hours from proposal to the first status; null when none got one"
    )
    votes: int = Field(description="members' votes cast in the period")
    staff_votes: int = Field(description="staff votes cast in the period, counted apart")


class StatsWithIdeasPublic(StatsPublic):
    ideas: IdeaFiguresPublic
