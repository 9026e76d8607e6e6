"""The small rules behind the figures: percentiles, buckets, periods, the chart's markup."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from community.errors import InvalidInput
from community.insights import service
from community.insights.charts import Bar, bar_chart
from community.insights.schemas import Period


def test_median_and_nearest_rank_90th_percentile():
    ten = service._durations([float(h) for h in (10, 1, 9, 2, 8, 3, 7, 4, 6, 5)])
    assert (ten.count, ten.median_hours, ten.p90_hours) == (10, 5.5, 9.0)
    eleven = service._durations([float(h) for h in range(1, 12)])
    assert (eleven.median_hours, eleven.p90_hours) == (6.0, 10.0)
    assert service._durations([]).median_hours is None


def test_every_reply_lands_in_one_histogram_bucket():
    hours = sorted([-0.1, 0.0, 0.99, 1.0, 3.99, 4.0, 23.9, 24.0, 71.0, 72.0, 167.9, 168.0, 900.0])
    counts = {b.key: b.count for b in service._histogram(hours, questions=len(hours) + 2)}
    assert counts == {
        "lt1h": 3,  # including a reply stamped before its question
        "1-4h": 2,
        "4-8h": 1,
        "8-24h": 1,
        "1-3d": 2,
        "3-7d": 2,
        "gt7d": 2,
        "none": 2,
    }


def test_periods_are_whole_days_in_utc(fixed_clock):
    week = service.resolve_window(Period.week)
    assert (week.start.isoformat(), week.end.isoformat()) == (
        "2026-11-14T00:00:00+00:00",
        "2026-11-21T00:00:00+00:00",
    )
    assert week.bucket == "day"
    assert len(week.bucket_starts()) == 7
    quarter = service.resolve_window(Period.quarter)
    assert quarter.bucket == "week"
    assert len(quarter.bucket_starts()) == 13
    custom = service.resolve_window(Period.custom, date(2026, 1, 1), date(2026, 1, 1))
    assert custom.end - custom.start == timedelta(days=1)
    with pytest.raises(InvalidInput):
        service.resolve_window(Period.custom, date(2026, 1, 2), date(2026, 1, 1))


def test_chart_texts_are_escaped_and_described():
    svg = str(
        bar_chart(
            "c",
            [Bar("<b>", 3, 0.5), Bar("x", 0, None)],
            title="Fragen & Antworten",
            description='Ein "Text"',
            rate_label="Quote",
        )
    )
    assert svg.startswith('<svg class="chart" viewBox="0 0 640 240" role="img"')
    assert 'aria-labelledby="c-title c-desc"' in svg
    assert '<title id="c-title">Fragen &amp; Antworten</title>' in svg
    assert '<desc id="c-desc">Ein &quot;Text&quot;</desc>' in svg
    assert "<b>" not in svg
    assert svg.count("<rect") == 2
