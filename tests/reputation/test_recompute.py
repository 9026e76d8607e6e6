"""Kept counters must agree with what `community recompute-reputation` rebuilds from rows."""

from __future__ import annotations

import random

import pytest
from sqlalchemy import select

from community.accounts.models import Role, User
from community.accounts.viewer import viewer_for
from community.errors import CommunityError
from community.forum import service as forum
from community.forum.models import Post, Thread, ThreadKind
from community.reputation import service as reputation
from tests.factories import make_category, make_user


def _snapshot(db):
    db.expire_all()
    users = {
        u.id: (
            u.points,
            u.rank,
            u.solution_count,
            u.kudos_received,
            u.kudos_given,
            u.reply_count,
            u.thread_count,
        )
        for u in db.execute(select(User)).scalars()
    }
    posts = {p.id: p.kudos_count for p in db.execute(select(Post)).scalars()}
    threads = {t.id: t.kudos_count for t in db.execute(select(Thread)).scalars()}
    return users, posts, threads


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_recompute_agrees_with_kept_counters_after_random_actions(db, seed):
    rng = random.Random(seed)
    board = make_category(db)
    members = [make_user(db) for _ in range(5)] + [make_user(db, role=Role.moderator)]
    viewers = lambda: [viewer_for(db, m) for m in members]  # noqa: E731
    threads: list[Thread] = []
    posts: list[Post] = []
    for _ in range(120):
        who = rng.choice(viewers())
        action = rng.random()
        try:
            with db.begin_nested():
                if action < 0.12 or not threads:
                    kind = ThreadKind.question if rng.random() < 0.8 else ThreadKind.discussion
                    thread, opening = forum.create_thread(
                        db,
                        who,
                        category_slug=board.slug,
                        kind=kind,
                        title=f"Frage {len(threads)} zum Anschluss",
                        body="Wie geht das?",
                    )
                    threads.append(thread)
                    posts.append(opening)
                elif action < 0.4:
                    posts.append(forum.create_reply(db, who, rng.choice(threads).id, "Antwort"))
                elif action < 0.6:
                    reputation.give_kudos(db, who, rng.choice(posts).id)
                elif action < 0.67:
                    reputation.take_back_kudos(db, who, rng.choice(posts).id)
                elif action < 0.82:
                    thread = rng.choice(threads)
                    replies = [p for p in posts if p.thread_id == thread.id and not p.is_opening]
                    if replies:
                        reputation.accept_solution(db, who, thread.id, rng.choice(replies).id)
                elif action < 0.88:
                    reputation.withdraw_solution(db, who, rng.choice(threads).id)
                else:
                    forum.delete_post(db, who, rng.choice(posts).id)
        except CommunityError:
            pass  # refused actions (own post, not allowed, already deleted) change nothing
        db.commit()

    kept = _snapshot(db)
    assert any(points for points, *_ in kept[0].values())
    reputation.recompute_all(db)
    db.commit()
    assert _snapshot(db) == kept
