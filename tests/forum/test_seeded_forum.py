"""A forum just filled by `seed-demo` (or restored) takes new content at once."""

from __future__ import annotations

from community.demo import seed_demo_content
from tests.factories import login, make_user


def test_member_posts_through_the_api_right_after_seeding_twice(engine, db, client):
    # Seeding writes threads with explicit ids; on PostgreSQL the sequence must follow,
    # or the next thread collides with a seeded one (500, UniqueViolation).
    seed_demo_content(engine, threads=12)
    seed_demo_content(engine, threads=5, seed=2)
    member = make_user(db, nickname="Neuling")
    login(client, member)

    first = client.post(
        "/api/v1/threads",
        json={"category": "mobilfunk", "title": "Roaming in der Schweiz", "body": "Geht das?"},
    )
    assert first.status_code == 201, first.text
    thread_id = first.json()["thread"]["id"]
    assert thread_id > 17
    reply = client.post(f"/api/v1/threads/{thread_id}/posts", json={"body": "Ja, mit Tarif."})
    assert reply.status_code == 201, reply.text
