"""The statistics page counts ideas by status, the time to a first status and the votes."""

from __future__ import annotations

from datetime import timedelta

from community.accounts.models import Role
from community.accounts.viewer import viewer_for
from community.clock import utcnow
from community.ideas import service as ideas
from community.ideas.models import Idea, IdeaStatus
from community.ideas.stats import idea_figures
from tests.factories import make_user, sign_in
from tests.ideas.helpers import make_idea, make_idea_board


def test_ideas_per_status_time_to_first_status_and_votes(db, client):
    board = make_idea_board(db)
    author = make_user(db)
    moderator = make_user(db, role=Role.moderator)
    planned = make_idea(db, author=author, board=board, title="Rechnungen als CSV exportieren")
    make_idea(db, author=author, board=board, title="Dunkles Design fürs Portal")
    idea = db.get(Idea, planned.id)
    idea.created_at = utcnow() - timedelta(hours=10)  # proposed ten hours before the decision
    db.add(idea)
    db.commit()
    ideas.vote(db, viewer_for(db, make_user(db)), planned.id)
    ideas.vote(db, viewer_for(db, make_user(db, staff=True)), planned.id)
    ideas.set_status(db, viewer_for(db, moderator), planned.id, IdeaStatus.planned, "Im Mai.")
    db.commit()
    now = utcnow()
    figures = idea_figures(db, viewer_for(db, moderator), now - timedelta(days=1), now)
    assert figures.proposed == 2
    assert figures.by_status["planned"] == 1 and figures.by_status["new"] == 1
    assert figures.decided == 1 and 9.9 < figures.first_status_median_hours < 10.1  # type: ignore[operator]
    assert (figures.votes, figures.staff_votes) == (1, 1)
    sign_in(client, moderator)
    page = client.get("/admin/stats")
    assert page.status_code == 200
    assert 'id="ideas-heading"' in page.text and "Bis zum ersten Status (Median)" in page.text


def test_the_statistics_csv_carries_the_ideas_figures_of_the_page(db, client):
    import csv
    import io

    board = make_idea_board(db)
    author, moderator = make_user(db), make_user(db, role=Role.moderator)
    declined = make_idea(db, author=author, board=board, title="Faxversand für Rechnungen")
    waiting = make_idea(db, author=author, board=board, title="Rechnungen per Post bündeln")
    for voter in (make_user(db), make_user(db), make_user(db, staff=True)):
        ideas.vote(db, viewer_for(db, voter), waiting.id)
    ideas.set_status(db, viewer_for(db, moderator), declined.id, IdeaStatus.declined, "Nein.")
    db.commit()
    sign_in(client, moderator)
    for url in ("/admin/stats.csv?period=week", "/api/v1/admin/stats?period=week&format=csv"):
        response = client.get(url)
        assert response.status_code == 200, url
        rows = list(csv.DictReader(io.StringIO(response.text)))
        overall = rows[-1]
        assert overall["scope"] == "overall"
        assert overall["ideas_proposed"] == "2"
        assert (overall["ideas_new"], overall["ideas_declined"]) == ("1", "1")
        assert (overall["ideas_planned"], overall["ideas_done"]) == ("0", "0")
        assert overall["ideas_first_status_count"] == "1"
        assert float(overall["ideas_first_status_median_hours"]) < 0.1
        assert (overall["idea_votes"], overall["idea_staff_votes"]) == ("2", "1")
        assert all(r["ideas_proposed"] == "" for r in rows if r["scope"] == "board")
    # The JSON of the same API carries the same figures, as its OpenAPI schema says.
    from tests.api.test_openapi_errors import _check

    answer = client.get("/api/v1/admin/stats?period=week")
    _check(client.app.openapi(), "get_stats", answer)
    assert answer.json()["ideas"] == {
        "proposed": 2,
        "by_status": {"new": 1, "review": 0, "planned": 0, "done": 0, "declined": 1},
        "decided": 1,
        "first_status_median_hours": answer.json()["ideas"]["first_status_median_hours"],
        "votes": 2,
        "staff_votes": 1,
    }
    assert answer.json()["ideas"]["first_status_median_hours"] < 0.1
    schema = client.app.openapi()["components"]["schemas"]["StatsWithIdeasPublic"]
    assert "ideas" in schema["required"]
