"""The rank ladder: configurable (admin API, or a JSON file), German and English names."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass

from pydantic import BaseModel, Field, field_validator
from sqlmodel import Session

from community.accounts.models import Role, User
from community.config import get_settings
from community.errors import InvalidInput
from community.site import service as site

LADDER_KEY = "rank_ladder"


class RankStep(BaseModel):
    key: str = Field(pattern=r"^[a-z0-9_-]{2,40}$")
    name_de: str = Field(min_length=1, max_length=40)
    name_en: str = Field(min_length=1, max_length=40)
    min_points: int = Field(ge=0, le=10_000_000)
    min_posts: int = Field(default=0, ge=0, le=1_000_000)


class RankLadder(BaseModel):
    steps: list[RankStep] = Field(min_length=1, max_length=30)

    @field_validator("steps")
    @classmethod
    def ordered(cls, steps: list[RankStep]) -> list[RankStep]:
        keys = [s.key for s in steps]
        if len(set(keys)) != len(keys):
            raise ValueError("rank keys must be unique")
        if steps[0].min_points != 0 or steps[0].min_posts != 0:
            raise ValueError("the first rank must need 0 points and 0 posts")
        pairs = [(s.min_points, s.min_posts) for s in steps]
        if pairs != sorted(pairs) or len(set(pairs)) != len(pairs):
            raise ValueError("ranks must be ordered by points, then posts, without ties")
        if {"team", "moderator"} & set(keys):
            raise ValueError("'team' and 'moderator' are reserved for staff")
        return steps


DEFAULT_LADDER = RankLadder(
    steps=[
        RankStep(key="newcomer", name_de="Neuling", name_en="Newcomer", min_points=0),
        RankStep(key="member", name_de="Mitglied", name_en="Member", min_points=0, min_posts=1),
        RankStep(key="advanced", name_de="Fortgeschrittener", name_en="Advanced", min_points=100),
        RankStep(key="expert", name_de="Experte", name_en="Expert", min_points=500),
        RankStep(key="guru", name_de="Guru", name_en="Guru", min_points=2000),
    ]
)


@dataclass(frozen=True)
class RankLabel:
    key: str
    name_de: str
    name_en: str

    def name(self, locale: str) -> str:
        return self.name_en if locale == "en" else self.name_de

    def as_dict(self) -> dict[str, str]:
        return asdict(self)


TEAM = RankLabel("team", "Team", "Team")
MODERATOR = RankLabel("moderator", "Moderator", "Moderator")


def load_ladder(session: Session) -> RankLadder:
    """The admin's ladder if set, else the settings file, else the defaults."""
    stored = site.get_value(session, LADDER_KEY)
    if stored is not None:
        return RankLadder.model_validate(stored)
    path = get_settings().ranks_file
    if path is not None:
        return RankLadder.model_validate(json.loads(path.read_text("utf-8")))
    return DEFAULT_LADDER


def save_ladder(session: Session, ladder: RankLadder) -> None:
    site.set_value(session, LADDER_KEY, ladder.model_dump())


def parse_ladder(data: object) -> RankLadder:
    try:
        return RankLadder.model_validate(data)
    except ValueError as exc:
        raise InvalidInput(str(exc), code="invalid_ladder") from exc


def rank_for(ladder: RankLadder, points: int, posts: int) -> RankStep:
    reached = ladder.steps[0]
    for step in ladder.steps:
        if points >= step.min_points and posts >= step.min_posts:
            reached = step
    return reached


def display_rank(user: User, ladder: RankLadder) -> RankLabel:
    """Staff show their role instead of a points rank."""
    if user.role == Role.moderator:
        return MODERATOR
    if user.is_staff or user.role == Role.admin:
        return TEAM
    step = next((s for s in ladder.steps if s.key == user.rank), ladder.steps[0])
    return RankLabel(step.key, step.name_de, step.name_en)
