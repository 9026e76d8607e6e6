"""The moderators' figures match a hand-built week exactly (see conftest.py)."""

from __future__ import annotations

import csv
import io

import pytest

from tests.factories import sign_in

from .conftest import World


@pytest.fixture
def moderator_client(make_client, world: World):
    client = make_client()
    sign_in(client, world.moderator)
    return client


def _rate(make_client, user, thread, rating: int, comment: str = ""):
    client = make_client()
    sign_in(client, user)
    return client.post(
        f"/api/v1/threads/{thread.id}/satisfaction", json={"rating": rating, "comment": comment}
    )


def _figures(board: dict) -> dict:
    return {k: v for k, v in board.items() if k not in ("board", "name", "closed")}


def test_the_week_in_figures(fixed_clock, world, moderator_client, make_client):
    assert _rate(make_client, world.asker1, world.q1, 4).status_code == 201
    assert _rate(make_client, world.asker1, world.q3, 5, "Schnell und richtig").status_code == 201

    response = moderator_client.get("/api/v1/admin/stats", params={"period": "week"})
    assert response.status_code == 200, response.text
    stats = response.json()
    assert stats["start"].startswith("2026-11-14T00:00:00")
    assert stats["end"].startswith("2026-11-21T00:00:00")
    assert stats["bucket"] == "day"
    assert stats["unanswered_hours"] == 4

    technik, kunden = stats["boards"]
    assert (technik["board"], technik["closed"]) == ("technik", False)
    assert (kunden["board"], kunden["closed"]) == ("kunden", True)
    assert _figures(technik) == {
        "questions": 3,  # q1, q2, q7 (q5 is older, q6 deleted, the discussion is none)
        "solved": 1,
        "solution_rate": 0.3333,
        "first_reply": {"count": 2, "median_hours": 1.5, "p90_hours": 2.0},
        "solution": {"count": 1, "median_hours": 10.0, "p90_hours": 10.0},
        "answered": 2,
        "answered_by_staff": 1,  # q2: no solution, Support replied first
        "staff_share": 0.5,
        "community_share": 0.5,
        "unanswered": 1,  # q5; q7 is only 2 hours old
        "active_members": 5,
        "kudos_given": 2,
        "satisfaction": {"count": 1, "average": 4.0},
    }
    assert _figures(kunden) == {
        "questions": 2,
        "solved": 1,
        "solution_rate": 0.5,
        "first_reply": {"count": 1, "median_hours": 4.0, "p90_hours": 4.0},
        "solution": {"count": 1, "median_hours": 6.0, "p90_hours": 6.0},
        "answered": 1,  # q4's only reply is hidden
        "answered_by_staff": 1,
        "staff_share": 1.0,
        "community_share": 0.0,
        "unanswered": 1,
        "active_members": 3,  # the hidden reply's author does not count
        "kudos_given": 1,
        "satisfaction": {"count": 1, "average": 5.0},
    }
    assert stats["overall"]["board"] is None
    assert _figures(stats["overall"]) == {
        "questions": 5,
        "solved": 2,
        "solution_rate": 0.4,
        # first replies 1, 2, 4 h: median 2, 90th percentile (nearest rank 3 of 3) 4
        "first_reply": {"count": 3, "median_hours": 2.0, "p90_hours": 4.0},
        # solutions after 10 and 6 h: median 8, nearest rank 2 of 2
        "solution": {"count": 2, "median_hours": 8.0, "p90_hours": 10.0},
        "answered": 3,
        "answered_by_staff": 2,
        "staff_share": 0.6667,
        "community_share": 0.3333,
        "unanswered": 2,
        "active_members": 5,  # distinct over both boards, not the sum
        "kudos_given": 3,  # the kudos of eight days ago is outside the week
        "satisfaction": {"count": 2, "average": 4.5},
    }
    assert stats["top_helpers"] == [
        {"nickname": "Helferin", "solutions": 1, "kudos": 2, "is_staff": False},
        {"nickname": "Support", "solutions": 1, "kudos": 1, "is_staff": True},
    ]
    assert [(p["start"][:10], p["questions"], p["solved"]) for p in stats["timeline"]] == [
        ("2026-11-14", 0, 0),
        ("2026-11-15", 1, 1),
        ("2026-11-16", 1, 0),
        ("2026-11-17", 1, 1),
        ("2026-11-18", 1, 0),
        ("2026-11-19", 0, 0),
        ("2026-11-20", 1, 0),
    ]
    histogram = {b["key"]: b["count"] for b in stats["first_reply_histogram"]}
    assert histogram == {
        "lt1h": 0,
        "1-4h": 2,
        "4-8h": 1,
        "8-24h": 0,
        "1-3d": 0,
        "3-7d": 0,
        "gt7d": 0,
        "none": 2,
    }
    # Nicknames only: nothing private about the helpers.
    assert "@example.com" not in response.text


def test_unanswered_hours_come_from_the_setting(fixed_clock, world, moderator_client, settings):
    settings.unanswered_hours = 1
    try:
        stats = moderator_client.get("/api/v1/admin/stats", params={"period": "week"}).json()
    finally:
        settings.unanswered_hours = 4
    assert stats["unanswered_hours"] == 1
    assert stats["overall"]["unanswered"] == 3  # q7, two hours old, now counts too


def test_a_custom_period_and_a_board_narrow_the_figures(fixed_clock, world, moderator_client):
    stats = moderator_client.get(
        "/api/v1/admin/stats", params={"period": "custom", "from": "2026-11-10", "to": "2026-11-15"}
    ).json()
    assert stats["start"].startswith("2026-11-10T00:00:00")
    assert stats["end"].startswith("2026-11-16T00:00:00")
    assert stats["overall"]["questions"] == 2  # q5 (Nov 10) and q1 (Nov 15)
    assert stats["overall"]["solved"] == 1
    assert stats["overall"]["kudos_given"] == 1  # the one of Nov 12

    stats = moderator_client.get(
        "/api/v1/admin/stats", params={"period": "week", "category": "kunden"}
    ).json()
    assert [b["board"] for b in stats["boards"]] == ["kunden"]
    assert stats["overall"]["questions"] == 2
    assert stats["overall"]["active_members"] == 3
    assert stats["top_helpers"] == [
        {"nickname": "Support", "solutions": 1, "kudos": 1, "is_staff": True}
    ]

    stats = moderator_client.get("/api/v1/admin/stats", params={"period": "year"}).json()
    assert stats["bucket"] == "week"
    assert len(stats["timeline"]) == 53
    assert stats["overall"]["questions"] == 6  # q5 is inside the year


@pytest.mark.parametrize(
    "params",
    [
        {"period": "custom"},
        {"period": "custom", "from": "2026-11-15", "to": "2026-11-10"},
        {"period": "custom", "from": "1999-01-01", "to": "2026-11-10"},
        {"period": "custom", "from": "2020-01-01", "to": "2026-11-10"},
        {"period": "custom", "from": "2026-11-10", "to": "9999-12-31"},
        {"period": "decade"},
        {"period": "week", "from": "gestern"},
    ],
)
def test_bad_periods_are_422(fixed_clock, world, moderator_client, params):
    response = moderator_client.get("/api/v1/admin/stats", params=params)
    assert response.status_code == 422
    assert set(response.json()) == {"error", "detail"}


def test_an_unknown_board_is_404(fixed_clock, world, moderator_client):
    response = moderator_client.get("/api/v1/admin/stats", params={"category": "gibt-es-nicht"})
    assert response.status_code == 404


def test_members_and_visitors_get_no_figures(world, make_client, anon):
    member = make_client()
    sign_in(member, world.member)
    assert member.get("/api/v1/admin/stats").status_code == 403
    assert member.get("/api/v1/admin/stats?format=csv").status_code == 403
    assert member.get("/admin/stats").status_code == 403
    assert member.get("/admin/stats.csv").status_code == 403
    assert "/admin/stats" not in member.get("/").text
    # Company staff without the moderator role neither: the figures cover closed boards.
    staff = make_client()
    sign_in(staff, world.staff)
    assert staff.get("/api/v1/admin/stats").status_code == 403
    assert anon.get("/api/v1/admin/stats").status_code == 401
    page = anon.get("/admin/stats", follow_redirects=False)
    assert page.status_code == 303
    assert page.headers["location"] == "/login?next=/admin/stats"


def _csv(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def test_csv_has_a_row_per_board_and_one_overall(fixed_clock, world, moderator_client):
    stats = moderator_client.get("/api/v1/admin/stats", params={"period": "week"}).json()
    for url in ("/api/v1/admin/stats?period=week&format=csv", "/admin/stats.csv?period=week"):
        response = moderator_client.get(url)
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/csv")
        assert 'attachment; filename="statistik-' in response.headers["content-disposition"]
        header = response.text.splitlines()[0]
        assert header.startswith("scope,board,name,closed,questions,solved,solution_rate")
        rows = _csv(response.text)
        assert [(r["scope"], r["board"]) for r in rows] == [
            ("board", "technik"),
            ("board", "kunden"),
            ("overall", ""),
        ]
        for row, figures in zip(rows, [*stats["boards"], stats["overall"]], strict=True):
            assert int(row["questions"]) == figures["questions"]
            assert int(row["solved"]) == figures["solved"]
            assert float(row["solution_rate"]) == figures["solution_rate"]
            assert float(row["first_reply_median_hours"]) == figures["first_reply"]["median_hours"]
            assert float(row["first_reply_p90_hours"]) == figures["first_reply"]["p90_hours"]
            assert float(row["solution_median_hours"]) == figures["solution"]["median_hours"]
            assert float(row["staff_share"]) == figures["staff_share"]
            assert int(row["unanswered"]) == figures["unanswered"]
            assert int(row["active_members"]) == figures["active_members"]
            assert int(row["kudos_given"]) == figures["kudos_given"]
            assert int(row["satisfaction_count"]) == figures["satisfaction"]["count"]
            assert row["satisfaction_average"] == ""  # nobody rated in this test


def test_the_page_shows_figures_and_charts(fixed_clock, world, moderator_client, make_client):
    assert _rate(make_client, world.asker1, world.q3, 2, "Hat gedauert").status_code == 201
    page = moderator_client.get("/admin/stats", params={"period": "week"})
    assert page.status_code == 200
    html = page.text
    assert html.count("<svg") == 2
    assert 'role="img"' in html
    assert '<title id="chart-questions-title">Neue Fragen und Lösungsquote je Tag</title>' in html
    assert '<title id="chart-first-reply-title">Zeit bis zur ersten Antwort</title>' in html
    assert "Median 2 Std., 90 % innerhalb von 4 Std." in html  # the chart's text alternative
    assert "Kundenbereich" in html  # the closed board, for moderators
    assert "Hat gedauert" in html  # the comment, for moderators
    assert "Helferin" in html
    assert "/admin/stats.csv?period=week" in html
    assert 'href="/admin/stats"' in html  # the moderators' menu entry


def test_the_page_explains_a_bad_period(fixed_clock, world, moderator_client):
    page = moderator_client.get(
        "/admin/stats", params={"period": "custom", "from": "2026-11-15", "to": "2026-11-10"}
    )
    assert page.status_code == 422
    assert "Das Enddatum liegt vor dem Anfangsdatum." in page.text
    assert "<svg" not in page.text


def test_the_csv_is_named_in_the_readers_language(fixed_clock, world, moderator_client):
    english = moderator_client.get(
        "/api/v1/admin/stats?period=week&format=csv", headers={"Accept-Language": "en"}
    )
    assert 'filename="statistics-' in english.headers["content-disposition"]
