"""The post count beside every post is kept per member and board (AuthorBoardPosts) by
every path that changes whether a post counts; it must show every viewer the figures the
former count over all posts showed (`reference` below is that query, kept as the rule)."""

from __future__ import annotations

import random

import pytest
from sqlalchemy import delete, false, func, select
from sqlmodel import Session, col

from community.accounts.models import Role, User
from community.accounts.viewer import ANONYMOUS, Viewer, viewer_for
from community.blog import service as blog
from community.demo import seed_demo_content
from community.errors import CommunityError
from community.forum import permissions as perms
from community.forum import service as forum
from community.forum.counters import rebuild_post_counts, recompute_counters
from community.forum.models import AuthorBoardPosts, Category, Post, Thread, ThreadKind
from community.moderation import pending
from community.moderation import service as moderation
from community.privacy import service as privacy
from community.reputation.figures import post_counts
from tests.factories import make_category, make_group, make_reply, make_thread, make_user


def reference(db: Session, viewer: Viewer, user_ids: list[int]) -> dict[int, int]:
    """The count as the thread page computed it before it was kept: every live post of
    each author in the threads the viewer may see."""
    rows = db.execute(
        select(col(Post.author_id), func.count(col(Post.id)))
        .join(Thread, col(Thread.id) == col(Post.thread_id))
        .where(
            col(Post.author_id).in_(user_ids),
            col(Post.is_deleted) == false(),
            col(Post.is_pending) == false(),
            perms.visible_threads_filter(viewer),
        )
        .group_by(col(Post.author_id))
    ).all()
    return {int(u): int(n) for u, n in rows}


def _kept(db: Session) -> dict[tuple[int, int], tuple[int, int]]:
    rows = db.execute(select(AuthorBoardPosts)).scalars()
    return {(r.user_id, r.category_id): (r.posts, r.live_posts) for r in rows if r.posts}


def _assert_same_figures(db: Session, extra_viewers: list[User] = ()) -> None:  # type: ignore[assignment]
    db.expire_all()
    users = list(db.execute(select(User)).scalars())
    ids = [u.id for u in users if u.id is not None]
    for viewer in [ANONYMOUS, *(viewer_for(db, u) for u in users)]:
        assert post_counts(db, viewer, ids) == reference(db, viewer, ids), viewer.user_id
    kept = _kept(db)
    rebuild_post_counts(db)
    assert _kept(db) == kept  # what `recompute-counters` would rebuild


def _premoderated(db: Session, board: Category) -> None:
    board.premoderated = True
    db.add(board)
    db.commit()


@pytest.mark.parametrize("seed", [1, 2])
def test_kept_post_counts_show_every_viewer_the_counted_figures_after_random_actions(
    db: Session, seed: int
) -> None:
    rng = random.Random(seed)
    group = make_group(db)
    insider = make_user(db)
    members = [make_user(db) for _ in range(4)]
    group_members = [insider, members[0]]
    closed_group = make_group(db, members=group_members)
    public = make_category(db)
    closed = make_category(db, groups=[closed_group])
    held = make_category(db, groups=[group])
    _premoderated(db, held)
    moderator = make_user(db, role=Role.moderator)
    writers = [*members, insider]
    boards = [public, closed, held]
    threads: list[int] = []
    posts: list[int] = []
    for step in range(140):
        who = viewer_for(db, rng.choice(writers))
        mod = viewer_for(db, moderator)
        action = rng.random()
        try:
            with db.begin_nested():
                if action < 0.12 or not threads:
                    board = rng.choice(boards)
                    thread, opening = forum.create_thread(
                        db,
                        who if board is not closed else viewer_for(db, insider),
                        category_slug=board.slug,
                        kind=ThreadKind.question,
                        title=f"Frage {step} zum Anschluss",
                        body="Wie geht das?",
                    )
                    threads.append(thread.id)  # type: ignore[arg-type]
                    posts.append(opening.id)  # type: ignore[arg-type]
                elif action < 0.42:
                    post = forum.create_reply(db, who, rng.choice(threads), "Eine Antwort")
                    posts.append(post.id)  # type: ignore[arg-type]
                elif action < 0.5:
                    pending.approve_post(db, mod, rng.choice(posts))
                elif action < 0.54:
                    pending.reject_post(db, mod, rng.choice(posts))
                elif action < 0.64:
                    moderation.hide_post(db, mod, rng.choice(posts), "Werbung")
                elif action < 0.72:
                    moderation.restore_post(db, mod, rng.choice(posts))
                elif action < 0.78:
                    moderation.delete_post(db, mod, rng.choice(posts), "Doppelt")
                elif action < 0.84:
                    forum.delete_post(db, who, rng.choice(posts))
                else:
                    target = rng.choice(boards)
                    moderation.move_thread(db, mod, rng.choice(threads), target.slug)
        except CommunityError:
            pass  # a refused action (not allowed, already so) changes nothing
        db.commit()
        if step % 35 == 34:
            _assert_same_figures(db)
    assert any(n for n, _live in _kept(db).values())
    assert any(posts != live for posts, live in _kept(db).values())  # hidden threads met
    # An erasure with the posts takes them out of every count.
    admin = make_user(db, role=Role.admin)
    gone = rng.choice(writers)
    privacy.erase_by_admin(
        db,
        viewer_for(db, admin),
        gone.nickname,
        confirm_nickname=gone.nickname,
        remove_posts=True,
    )
    db.commit()
    _assert_same_figures(db)


def test_an_articles_comment_thread_counts_while_the_article_is_published(db: Session) -> None:
    author = make_user(db, staff=True)
    reviewer = make_user(db, role=Role.moderator, staff=True)
    reader = make_user(db)
    board = make_category(db)
    article = blog.create_article(
        db,
        viewer_for(db, author),
        title="Neue Tarife 2027",
        teaser="Was sich für Geschäftskunden ändert.",
        body="Ab **Januar** gilt:",
        category_slug=board.slug,
    )
    assert article.id is not None and author.id is not None and reader.id is not None
    blog.submit_for_review(db, viewer_for(db, author), article.id)
    blog.publish(db, viewer_for(db, reviewer), article.id)
    db.commit()
    thread = db.get(Thread, article.thread_id)
    assert thread is not None
    make_reply(db, author=reader, thread=thread)
    ids = [author.id, reader.id]
    assert post_counts(db, ANONYMOUS, ids) == {author.id: 1, reader.id: 1}
    blog.withdraw(db, viewer_for(db, reviewer), article.id)
    db.commit()
    assert post_counts(db, ANONYMOUS, ids) == {}
    assert post_counts(db, viewer_for(db, reviewer), ids) == {author.id: 1, reader.id: 1}
    _assert_same_figures(db)


def test_the_demo_seed_and_recompute_counters_fill_the_kept_counts(engine, db: Session) -> None:
    seed_demo_content(engine, threads=15, index=False)
    db.expire_all()
    kept = _kept(db)
    assert kept
    _assert_same_figures(db)
    # Lost or wrong rows (e.g. written by hand) are rebuilt by `community recompute-counters`.
    db.execute(delete(AuthorBoardPosts))
    recompute_counters(db)
    db.commit()
    assert _kept(db) == kept


def test_a_member_sees_the_posts_of_their_own_hidden_thread_counted(db: Session) -> None:
    board = make_category(db)
    asker, helper = make_user(db), make_user(db)
    moderator = make_user(db, role=Role.moderator)
    thread = make_thread(db, author=asker, category=board)
    make_reply(db, author=helper, thread=thread)
    make_thread(db, author=helper, category=board)
    assert thread.last_post_id is not None and helper.id is not None and asker.id is not None
    opening = db.execute(
        select(col(Post.id)).where(col(Post.thread_id) == thread.id, col(Post.is_opening))
    ).scalar_one()
    moderation.hide_post(db, viewer_for(db, moderator), opening, "Werbung")
    db.commit()
    ids = [asker.id, helper.id]
    assert post_counts(db, ANONYMOUS, ids) == {helper.id: 1}
    assert post_counts(db, viewer_for(db, asker), ids) == {asker.id: 1, helper.id: 2}
    assert post_counts(db, viewer_for(db, moderator), ids) == {asker.id: 1, helper.id: 2}
    _assert_same_figures(db)
