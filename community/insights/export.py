"""The dashboard's figures as CSV: one row per board, then the overall row."""

from __future__ import annotations

import csv
import io

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


def as_csv(stats: StatsPublic) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    for board in stats.boards:
        writer.writerow(_row("board", board))
    writer.writerow(_row("overall", stats.overall))
    return out.getvalue()


def filename(stats: StatsPublic) -> str:
    return f"statistik-{stats.start.date().isoformat()}-{stats.end.date().isoformat()}.csv"
