"""The dashboard's figures as CSV: one row per board, then the overall row. The ideas
figures of the page (community/ideas/stats.py) are counted for the period as a whole, so
they fill the overall row's ideas columns and stay empty on the board rows."""

from __future__ import annotations

import csv
import io

from community import i18n
from community.i18n import N_
from community.ideas.models import IdeaStatus
from community.ideas.stats import IdeaFigures
from community.insights.schemas import BoardFigures, StatsPublic

COLUMNS = (
    "scope",
    "board",
    "name",
    "closed",
    "questions",
    "solved",
    "solution_rate",
    "first_reply_count",
    "first_reply_median_hours",
    "first_reply_p90_hours",
    "solution_count",
    "solution_median_hours",
    "solution_p90_hours",
    "answered",
    "answered_by_staff",
    "staff_share",
    "community_share",
    "unanswered",
    "active_members",
    "kudos_given",
    "satisfaction_count",
    "satisfaction_average",
    "ideas_proposed",
    *(f"ideas_{status.value}" for status in IdeaStatus),
    "ideas_first_status_count",
    "ideas_first_status_median_hours",
    "idea_votes",
    "idea_staff_votes",
)


def _text(value: str | None) -> str:
    """A board name starting with = + - @ would run as a formula in a spreadsheet."""
    if value and value[0] in "=+-@\t\r":
        return "'" + value
    return value or ""


def _number(value: float | int | None) -> str:
    return "" if value is None else str(value)


def _row(scope: str, f: BoardFigures) -> list[str]:
    return [
        scope,
        _text(f.board),
        _text(f.name),
        "1" if f.closed else "0",
        _number(f.questions),
        _number(f.solved),
        _number(f.solution_rate),
        _number(f.first_reply.count),
        _number(f.first_reply.median_hours),
        _number(f.first_reply.p90_hours),
        _number(f.solution.count),
        _number(f.solution.median_hours),
        _number(f.solution.p90_hours),
        _number(f.answered),
        _number(f.answered_by_staff),
        _number(f.staff_share),
        _number(f.community_share),
        _number(f.unanswered),
        _number(f.active_members),
        _number(f.kudos_given),
        _number(f.satisfaction.count),
        _number(f.satisfaction.average),
    ]


def _idea_cells(ideas: IdeaFigures | None) -> list[str]:
    if ideas is None:
        return [""] * (len(IdeaStatus) + 5)
    return [
        _number(ideas.proposed),
        *(_number(ideas.by_status.get(status.value, 0)) for status in IdeaStatus),
        _number(ideas.decided),
        _number(ideas.first_status_median_hours),
        _number(ideas.votes),
        _number(ideas.staff_votes),
    ]


def as_csv(stats: StatsPublic, ideas: IdeaFigures | None = None) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    for board in stats.boards:
        writer.writerow(_row("board", board) + _idea_cells(None))
    writer.writerow(_row("overall", stats.overall) + _idea_cells(ideas))
    return out.getvalue()


def filename(stats: StatsPublic, locale: str) -> str:
    """In the language of the member of staff who downloads it."""
    stem = i18n.translator(locale)(N_("statistik"))
    return f"{stem}-{stats.start.date().isoformat()}-{stats.end.date().isoformat()}.csv"
