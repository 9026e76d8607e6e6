"""The rank ladder: configurable (admin API, or a JSON file), German and English names."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass

from pydantic import BaseModel, Field, ValidationError, field_validator
from sqlmodel import Session

from community.accounts.models import Role, User
from community.config import get_settings
from community.errors import InvalidInput
from community.i18n import N_, Formatted
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
        # The messages are the catalog's: parse_ladder hands them on as the refusal.
        keys = [s.key for s in steps]
        if len(set(keys)) != len(keys):
            raise ValueError(N_("Jede Stufe braucht einen eigenen Schlüssel."))
        if steps[0].min_points != 0 or steps[0].min_posts != 0:
            raise ValueError(N_("Die erste Stufe gilt ab 0 Punkten und 0 Beiträgen."))
        pairs = [(s.min_points, s.min_posts) for s in steps]
        if pairs != sorted(pairs) or len(set(pairs)) != len(pairs):
            raise ValueError(
                N_(
                    "Die Stufen steigen nach Punkten, bei gleichen Punkten nach Beiträgen; "
                    "zwei Stufen mit denselben Schwellen gibt es nicht."
                )
            )
        if {"team", "moderator"} & set(keys):
            raise ValueError(N_("Die Schlüssel „team“ und „moderator“ sind für das Team vergeben."))
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


# What a step's field needs, said as the refusal of that field.
_FIELD_PROBLEMS = {
    "key": N_("Stufe %(step)s: Der Schlüssel hat 2 bis 40 Zeichen: a-z, 0-9, '_' und '-'."),
    "name_de": N_("Stufe %(step)s: Der deutsche Name hat 1 bis 40 Zeichen."),
    "name_en": N_("Stufe %(step)s: Der englische Name hat 1 bis 40 Zeichen."),
    "min_points": N_("Stufe %(step)s: Die Punkte sind eine ganze Zahl von 0 bis 10.000.000."),
    "min_posts": N_("Stufe %(step)s: Die Beiträge sind eine ganze Zahl von 0 bis 1.000.000."),
}
_STEPS = N_("Die Rangliste hat 1 bis 30 Stufen.")


def parse_ladder(data: object) -> RankLadder:
    try:
        return RankLadder.model_validate(data)
    except ValidationError as exc:
        raise InvalidInput(_problem(exc), code="invalid_ladder") from exc


def _problem(exc: ValidationError) -> str:
    """The first problem, in the admin's words (pydantic's own are English)."""
    error = exc.errors()[0]
    where = error["loc"]
    if error["type"] == "value_error":
        return str(error["ctx"]["error"])
    if len(where) >= 3 and isinstance(where[1], int) and where[2] in _FIELD_PROBLEMS:
        return Formatted(_FIELD_PROBLEMS[str(where[2])], step=where[1] + 1)
    return _STEPS


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
