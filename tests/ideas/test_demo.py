"""`seed-demo` brings an ideas board with ideas in every state, votes and a merged duplicate."""

from __future__ import annotations

from sqlalchemy import Engine, select
from sqlmodel import Session

from community.demo import seed_demo_content
from community.ideas.models import Idea


def test_the_demo_has_an_ideas_board_with_ideas_in_every_state(engine: Engine, db: Session, anon):
    seed_demo_content(engine, threads=8, index=False)
    db.expire_all()
    rows = list(db.execute(select(Idea)).scalars())
    assert {i.status for i in rows} == {"new", "review", "planned", "done", "declined"}
    assert sum(i.vote_count for i in rows) >= 10
    assert any(i.staff_vote_count for i in rows)
    assert [i.merged_into_id is not None for i in rows].count(True) == 1
    page = anon.get("/ideas/ideen")
    assert page.status_code == 200 and "Rechnungen als CSV" in page.text
    seed_demo_content(engine, threads=2, index=False)  # a second seeding adds no ideas
    db.expire_all()
    assert len(list(db.execute(select(Idea)).scalars())) == len(rows)
