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
