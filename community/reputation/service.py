"""Reputation rules: kudos, accepted solutions, points and ranks.

Hot paths (a kudos, an accepted answer, a new post) change the kept counters with SQL
arithmetic in the same transaction. Rare removals (a deleted post or thread) recompute the
members concerned from the rows, with the same function `community recompute-reputation`
uses for everyone, so the two can never disagree on the rules.

A post is *live* when neither it nor its thread is deleted or hidden. Then:
  thread_count   = live threads the member started
  reply_count    = live replies the member wrote
  solution_count = live threads whose accepted answer the member wrote
  kudos_received = kudos on the member's live posts
  kudos_given    = kudos the member gave
  points         = question x threads + reply x replies + solution x solutions
                   + kudos x (kudos received that count for points)
                   (an idea counts with its own weights: community/ideas/points.py)
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, time, timedelta
from typing import Any

from sqlalchemy import (
    ScalarSelect,
    and_,
    bindparam,
    delete,
    false,
    func,
    or_,
    select,
    true,
    update,
)
from sqlmodel import Session, col

from community.accounts.models import Role, User
from community.accounts.viewer import Viewer
from community.clock import utcnow
from community.config import get_settings
from community.db import JoinedIds, dialect_insert, read_values
from community.errors import Conflict, Forbidden, InvalidInput, NotFound
from community.events.service import record_event
from community.faq import service as faq
from community.forum import permissions as perms
from community.forum.models import Category, Post, Thread, ThreadKind
from community.ideas.points import extra_points, thread_points
from community.indexing import service as indexing
from community.notifications import service as notifications
from community.reputation.models import Kudo, RankChange
from community.reputation.ranks import RankLadder, load_ladder, parse_ladder, rank_for, save_ladder


def _ladder(session: Session) -> RankLadder:
    """Loaded once per transaction: every rank decision in it uses the same ladder."""
    ladder = session.info.get("rank_ladder")
    if ladder is None:
        ladder = session.info["rank_ladder"] = load_ladder(session)
    return ladder


def _url(thread: Thread) -> str:
    return f"{get_settings().public_url.rstrip('/')}/t/{thread.id}/{thread.slug}"


# ---- points and ranks ------------------------------------------------------------------


def _change_user(session: Session, user_id: int, *, points: int = 0, **counters: int) -> None:
    values = {name: getattr(User, name) + delta for name, delta in counters.items() if delta}
    if points:
        values["points"] = col(User.points) + points
    if not values:
        return
    session.execute(update(User).where(col(User.id) == user_id).values(**values))
    _update_rank(session, user_id)


def _update_rank(session: Session, user_id: int) -> None:
    user = session.get(User, user_id)
    assert user is not None
    session.refresh(user, ["points", "rank", "reply_count", "thread_count"])
    step = rank_for(_ladder(session), user.points, user.reply_count + user.thread_count)
    if step.key == user.rank:
        return
    old = user.rank
    user.rank = step.key
    session.add(user)
    change = RankChange(user_id=user_id, old_rank=old, new_rank=step.key, points=user.points)
    session.add(change)
    record_event(
        session,
        "rank.changed",
        {"user": user.nickname, "old_rank": old, "new_rank": step.key, "points": user.points},
    )
    session.flush()
    notifications.on_rank_changed(session, change, _ladder(session))


def on_thread_created(session: Session, thread: Thread) -> None:
    _change_user(session, thread.author_id, points=thread_points(thread), thread_count=1)


def on_reply_created(session: Session, post: Post) -> None:
    _change_user(session, post.author_id, points=get_settings().points_reply, reply_count=1)


def recompute_users(session: Session, user_ids: Iterable[int | None]) -> None:
    """Rebuild the kept counters and rank of these members from the rows."""
    ids = sorted({i for i in user_ids if i is not None})
    if not ids:
        return
    s = get_settings()
    live_thread = and_(col(Thread.is_deleted) == false(), col(Thread.is_hidden) == false())
    live_post = and_(col(Post.is_deleted) == false(), col(Post.is_hidden) == false(), live_thread)

    def counts(query) -> dict[int, int]:  # type: ignore[no-untyped-def]
        return dict(session.execute(query).all())

    threads = counts(
        select(col(Thread.author_id), func.count())
        .where(col(Thread.author_id).in_(ids), live_thread)
        .group_by(col(Thread.author_id))
    )
    replies = counts(
        select(col(Post.author_id), func.count())
        .join(Thread, col(Thread.id) == col(Post.thread_id))
        .where(col(Post.author_id).in_(ids), col(Post.is_opening) == false(), live_post)
        .group_by(col(Post.author_id))
    )
    solutions = counts(
        select(col(Thread.solution_author_id), func.count())
        .where(col(Thread.solution_author_id).in_(ids), live_thread)
        .group_by(col(Thread.solution_author_id))
    )
    received = counts(
        select(col(Kudo.receiver_id), func.count())
        .where(col(Kudo.receiver_id).in_(ids), col(Kudo.post_visible) == true())
        .group_by(col(Kudo.receiver_id))
    )
    counting = counts(
        select(col(Kudo.receiver_id), func.count())
        .where(
            col(Kudo.receiver_id).in_(ids),
            col(Kudo.post_visible) == true(),
            col(Kudo.counts_for_points) == true(),
        )
        .group_by(col(Kudo.receiver_id))
    )
    given = counts(
        select(col(Kudo.giver_id), func.count())
        .where(col(Kudo.giver_id).in_(ids))
        .group_by(col(Kudo.giver_id))
    )
    ideas = extra_points(session, ids)
    for uid in ids:
        points = (
            s.points_question * threads.get(uid, 0)
            + s.points_reply * replies.get(uid, 0)
            + s.points_solution * solutions.get(uid, 0)
            + s.points_kudos * counting.get(uid, 0)
            + ideas.get(uid, 0)
        )
        session.execute(
            update(User)
            .where(col(User.id) == uid)
            .values(
                points=points,
                thread_count=threads.get(uid, 0),
                reply_count=replies.get(uid, 0),
                solution_count=solutions.get(uid, 0),
                kudos_received=received.get(uid, 0),
                kudos_given=given.get(uid, 0),
            )
        )
        _update_rank(session, uid)


def replace_ladder(session: Session, viewer: Viewer, raw: dict[str, object]) -> RankLadder:
    """An admin's new rank ladder; every member's rank is recomputed in the same
    transaction, and the change is audited."""
    perms.require_admin(viewer)
    ladder = parse_ladder(raw)
    before = load_ladder(session)
    save_ladder(session, ladder)
    session.info.pop("rank_ladder", None)
    recompute_all(session)
    from community.moderation import audit

    audit.record(
        session,
        viewer,
        "ranks.replace",
        "settings",
        None,
        before=before.model_dump(),
        after=ladder.model_dump(),
    )
    return ladder


def members_per_rank(session: Session, viewer: Viewer) -> dict[str, int]:
    """How many members hold each rank (key), for the admin choosing the thresholds."""
    perms.require_admin(viewer)
    rows = session.execute(
        select(col(User.rank), func.count())
        .where(col(User.erased_at).is_(None), col(User.is_active))
        .group_by(col(User.rank))
    ).all()
    return {str(rank): int(count) for rank, count in rows}


def recompute_all(session: Session) -> int:
    """`community recompute-reputation`: every member, every post and thread kudos count."""
    post_kudos = (
        select(func.count())
        .where(col(Kudo.post_id) == col(Post.id))
        .correlate(Post)
        .scalar_subquery()
    )
    session.execute(update(Post).values(kudos_count=post_kudos))
    thread_kudos = (
        select(func.count())
        .where(col(Kudo.thread_id) == col(Thread.id), col(Kudo.post_visible) == true())
        .correlate(Thread)
        .scalar_subquery()
    )
    session.execute(update(Thread).values(kudos_count=thread_kudos))
    ids = list(session.execute(select(col(User.id))).scalars())
    for start in range(0, len(ids), 500):
        recompute_users(session, ids[start : start + 500])
    session.expire_all()
    return len(ids)


# ---- kudos -----------------------------------------------------------------------------


def _check_kudos_target(session: Session, viewer: Viewer, post_id: int) -> tuple[Post, Thread]:
    post = session.get(Post, post_id)
    thread = perms.ensure_post_thread_visible(session, viewer, post)
    assert post is not None
    if post.is_deleted or post.is_hidden or thread.is_deleted or thread.is_hidden:
        raise NotFound("Diesen Beitrag gibt es nicht.")
    perms.require_verified(viewer)
    return post, thread


def give_kudos(session: Session, viewer: Viewer, post_id: int) -> Post:
    """Idempotent: a second click, or two at once, leave one kudos."""
    post, thread = _check_kudos_target(session, viewer, post_id)
    assert viewer.user is not None and viewer.user.id is not None
    giver = viewer.user
    if post.author_id == giver.id:
        raise Forbidden("Für eigene Beiträge können Sie keine Kudos geben.", code="own_post")
    s = get_settings()
    now = utcnow()
    day_start = datetime.combine(now.date(), time.min, tzinfo=now.tzinfo)
    counted_today = session.execute(
        select(func.count()).where(
            col(Kudo.giver_id) == giver.id,
            col(Kudo.receiver_id) == post.author_id,
            col(Kudo.counts_for_points) == true(),
            col(Kudo.created_at) >= day_start,
            col(Kudo.created_at) < day_start + timedelta(days=1),
        )
    ).scalar_one()
    counts = counted_today < s.kudos_daily_pair_cap
    insert = dialect_insert(session)
    result = session.execute(
        insert(Kudo)
        .values(
            post_id=post.id,
            thread_id=thread.id,
            category_id=thread.category_id,
            giver_id=giver.id,
            receiver_id=post.author_id,
            created_at=now,
            counts_for_points=counts,
            post_visible=True,
        )
        .on_conflict_do_nothing(index_elements=["post_id", "giver_id"])
        .returning(col(Kudo.id))
    )
    # RETURNING tells reliably on both databases whether this request added the row.
    added = result.first()
    if added is None:
        return post
    session.execute(
        update(Post).where(col(Post.id) == post.id).values(kudos_count=col(Post.kudos_count) + 1)
    )
    session.execute(
        update(Thread)
        .where(col(Thread.id) == thread.id)
        .values(kudos_count=col(Thread.kudos_count) + 1)
    )
    assert giver.id is not None
    _change_user(session, giver.id, kudos_given=1)
    _change_user(session, post.author_id, points=s.points_kudos if counts else 0, kudos_received=1)
    receiver = session.get(User, post.author_id)
    record_event(
        session,
        "kudos.given",
        {
            "post_id": post.id,
            "thread_id": thread.id,
            "category_id": thread.category_id,
            "giver": giver.nickname,
            "receiver": receiver.nickname if receiver else None,
            "counts_for_points": counts,
            "url": f"{_url(thread)}#post-{post.id}",
        },
    )
    notifications.on_kudos(session, added[0], post, thread, giver.id)
    session.refresh(post)
    return post


def take_back_kudos(session: Session, viewer: Viewer, post_id: int) -> Post:
    post = session.get(Post, post_id)
    perms.ensure_post_thread_visible(session, viewer, post)
    assert post is not None
    perms.require_member(viewer)
    kudo = session.execute(
        select(Kudo).where(col(Kudo.post_id) == post_id, col(Kudo.giver_id) == viewer.user_id)
    ).scalar_one_or_none()
    if kudo is None:
        return post
    result = session.execute(delete(Kudo).where(col(Kudo.id) == kudo.id))
    if not result.rowcount:  # type: ignore[attr-defined]
        return post  # taken back at the same moment by another request
    session.execute(
        update(Post).where(col(Post.id) == post_id).values(kudos_count=col(Post.kudos_count) - 1)
    )
    if kudo.post_visible:
        session.execute(
            update(Thread)
            .where(col(Thread.id) == kudo.thread_id)
            .values(kudos_count=col(Thread.kudos_count) - 1)
        )
    s = get_settings()
    _change_user(session, kudo.giver_id, kudos_given=-1)
    if kudo.post_visible:
        _change_user(
            session,
            kudo.receiver_id,
            points=-s.points_kudos if kudo.counts_for_points else 0,
            kudos_received=-1,
        )
    session.refresh(post)
    return post


def has_given_kudos(session: Session, viewer: Viewer, post_ids: list[int]) -> set[int]:
    if viewer.user_id is None or not post_ids:
        return set()
    params = {"viewer_id": viewer.user_id, "ids": post_ids}
    return set(read_values(session, _KUDOS_GIVEN, params).scalars())


# Built once per process. An IN list takes one expanding parameter, as every IN list of the
# project does (figures, forum.users_by_id, searching): one statement for any length of the
# list. Its expansion at each execution no longer weighs on the hot path: a member's shared
# thread page reads their kudos with their other own parts (kudos_given_in_thread_column);
# this is for the pages read in full and the API.
_KUDOS_GIVEN = select(col(Kudo.post_id)).where(
    col(Kudo.giver_id) == bindparam("viewer_id"),
    col(Kudo.post_id).in_(bindparam("ids", expanding=True)),
)


def kudos_given_in_thread_column() -> ScalarSelect[Any]:
    """The posts of the thread (`thread_id`) the member (`viewer_id`) gave kudos to, as a
    column of a statement that reads more: db.JoinedIds (db.split_ids reads it). Posts
    never change thread, so the kudos' copy of the thread is theirs."""
    return (
        select(JoinedIds(col(Kudo.post_id)))
        .where(
            col(Kudo.thread_id) == bindparam("thread_id"),
            col(Kudo.giver_id) == bindparam("viewer_id"),
        )
        .scalar_subquery()
    )


# ---- accepted solutions -----------------------------------------------------------------


def may_accept(viewer: Viewer, thread: Thread) -> bool:
    """The asker, experts and moderators accept answers (of question threads only)."""
    user = viewer.user
    if user is None or not user.is_active or not user.is_verified:
        return False
    if thread.kind != ThreadKind.question.value:
        return False
    if thread.is_locked and not viewer.is_moderator:
        return False
    return user.id == thread.author_id or user.role in (Role.expert, Role.moderator, Role.admin)


def _set_solution(
    session: Session, thread: Thread, post: Post | None, expected: int | None
) -> bool:
    """Compare-and-set on the thread row: of two requests at once exactly one wins."""
    current = (
        col(Thread.solution_post_id).is_(None)
        if expected is None
        else col(Thread.solution_post_id) == expected
    )
    result = session.execute(
        update(Thread)
        .where(col(Thread.id) == thread.id, current)
        .values(
            solution_post_id=post.id if post else None,
            solution_author_id=post.author_id if post else None,
            solved_at=utcnow() if post else None,
            # A new solution replaces any that a moderator removed: its restore must not
            # bring the old one back.
            **({"removed_solution_post_id": None} if post else {}),
        )
    )
    session.refresh(thread)
    return bool(result.rowcount)  # type: ignore[attr-defined]


def _solution_payload(thread: Thread, post: Post, session: Session) -> dict[str, object]:
    answerer = session.get(User, post.author_id)
    asker = session.get(User, thread.author_id)
    category = session.get(Category, thread.category_id)
    return {
        "thread_id": thread.id,
        "post_id": post.id,
        "title": thread.title,
        "category_id": thread.category_id,
        "category_slug": category.slug if category else None,
        "asker": asker.nickname if asker else None,
        "answerer": answerer.nickname if answerer else None,
        "url": _url(thread),
        "answer_url": f"{_url(thread)}#post-{post.id}",
    }


def accept_solution(session: Session, viewer: Viewer, thread_id: int, post_id: int) -> Thread:
    thread = perms.ensure_thread_visible(session, viewer, session.get(Thread, thread_id))
    perms.require_verified(viewer)
    if thread.kind != ThreadKind.question.value:
        raise InvalidInput("Nur Fragen können gelöst werden.", code="not_a_question")
    if not may_accept(viewer, thread):
        raise Forbidden(
            "Nur wer gefragt hat, Experten und Moderatoren können eine Lösung wählen.",
            code="may_not_accept",
        )
    post = session.get(Post, post_id)
    if post is None or post.thread_id != thread.id or post.is_deleted or post.is_hidden:
        raise InvalidInput("Diese Antwort gibt es in diesem Thema nicht.", code="invalid_post")
    if post.is_opening:
        raise InvalidInput("Die Frage selbst kann nicht die Lösung sein.", code="invalid_post")
    previous = thread.solution_post_id
    if previous == post.id:
        return thread
    if not _set_solution(session, thread, post, previous):
        if thread.solution_post_id == post.id:
            return thread  # the same answer was accepted by a request at the same moment
        raise Conflict("Die Lösung wurde gerade geändert. Bitte laden Sie neu.", code="changed")
    s = get_settings()
    if previous is not None:
        old = session.get(Post, previous)
        if old is not None:
            _change_user(session, old.author_id, points=-s.points_solution, solution_count=-1)
    _change_user(session, post.author_id, points=s.points_solution, solution_count=1)
    payload = _solution_payload(thread, post, session)
    payload["accepted_by"] = viewer.user.nickname if viewer.user else None
    payload["previous_post_id"] = previous
    record_event(session, "thread.solved", payload)
    notifications.on_solution_accepted(session, thread, post, viewer.user_id)
    indexing.thread_changed(session, thread.id)
    faq.on_solved(session, thread, post)
    return thread


def withdraw_solution(session: Session, viewer: Viewer, thread_id: int) -> Thread:
    thread = perms.ensure_thread_visible(session, viewer, session.get(Thread, thread_id))
    perms.require_verified(viewer)
    if not may_accept(viewer, thread):
        raise Forbidden(
            "Nur wer gefragt hat, Experten und Moderatoren können die Lösung ändern.",
            code="may_not_accept",
        )
    _unsolve(session, thread, by=viewer.user.nickname if viewer.user else None)
    return thread


def _unsolve(
    session: Session, thread: Thread, *, by: str | None, reason: str = "withdrawn"
) -> None:
    previous = thread.solution_post_id
    if previous is None or not _set_solution(session, thread, None, previous):
        return
    old = session.get(Post, previous)
    if old is not None:
        _change_user(
            session, old.author_id, points=-get_settings().points_solution, solution_count=-1
        )
    record_event(
        session,
        "thread.unsolved",
        {
            "thread_id": thread.id,
            "post_id": previous,
            "category_id": thread.category_id,
            "title": thread.title,
            "by": by,
            "reason": reason,
            "url": _url(thread),
        },
    )
    indexing.thread_changed(session, thread.id)
    faq.on_unsolved(session, thread, reason)


# ---- removal (delete now; hide and restore come with moderation) -----------------------------


def check_may_remove(viewer: Viewer, thread: Thread, post: Post) -> None:
    """The accepted answer stays unless a moderator removes it."""
    if thread.solution_post_id == post.id and not viewer.is_moderator:
        raise Conflict(
            "Die akzeptierte Lösung kann nur die Moderation entfernen.", code="accepted_answer"
        )


def on_post_removed(session: Session, viewer: Viewer, thread: Thread, post: Post) -> None:
    """Called after a post (or, for the opening post, its thread) was deleted or hidden."""
    if post.is_opening:
        faq.on_unsolved(session, thread, "removed")
        affected_posts = select(col(Post.id)).where(col(Post.thread_id) == thread.id)
        authors = set(
            session.execute(
                select(col(Post.author_id)).where(col(Post.thread_id) == thread.id)
            ).scalars()
        )
    else:
        affected_posts = select(col(Post.id)).where(col(Post.id) == post.id)
        authors = {post.author_id}
    if thread.solution_post_id is not None and (
        post.is_opening or thread.solution_post_id == post.id
    ):
        authors.add(thread.solution_author_id)  # type: ignore[arg-type]
        if thread.solution_post_id == post.id:
            # Remembered, so that restoring the answer solves the thread again.
            session.execute(
                update(Thread)
                .where(col(Thread.id) == thread.id)
                .values(removed_solution_post_id=post.id)
            )
            _unsolve(
                session, thread, by=viewer.user.nickname if viewer.user else None, reason="removed"
            )
    session.execute(
        update(Kudo).where(col(Kudo.post_id).in_(affected_posts)).values(post_visible=False)
    )
    _recount_thread(session, thread, authors)


def on_post_restored(session: Session, thread: Thread, post: Post) -> None:
    """Called after a hidden or deleted post (or, for the opening post, its thread) came
    back: its kudos count again, and a restored accepted answer is the solution again
    (unless another answer was accepted meanwhile)."""
    live_posts = select(col(Post.id)).where(
        col(Post.thread_id) == thread.id, ~col(Post.is_hidden), ~col(Post.is_deleted)
    )
    if not post.is_opening:
        live_posts = live_posts.where(col(Post.id) == post.id)
    thread_live = not thread.is_hidden and not thread.is_deleted
    if thread_live:
        session.execute(
            update(Kudo).where(col(Kudo.post_id).in_(live_posts)).values(post_visible=True)
        )
    was_solution = thread.removed_solution_post_id == post.id
    if thread_live and thread.solution_post_id is None and was_solution:
        _resolve(session, thread, post)
    elif thread_live and post.is_opening and thread.solution_post_id is not None:
        # The question came back: its FAQ entry, withdrawn with it, returns to curation.
        solution = session.get(Post, thread.solution_post_id)
        if solution is not None and not solution.is_hidden and not solution.is_deleted:
            faq.on_solved(session, thread, solution)
    authors = set(
        session.execute(select(col(Post.author_id)).where(col(Post.thread_id) == thread.id))
        .scalars()
        .all()
    )
    _recount_thread(session, thread, authors)


def _resolve(session: Session, thread: Thread, post: Post) -> None:
    """The accepted answer a moderator had removed is back: the thread is solved again.
    Points follow from the recount the caller does."""
    if not _set_solution(session, thread, post, None):
        return
    payload = _solution_payload(thread, post, session)
    payload["accepted_by"] = None
    payload["previous_post_id"] = None
    record_event(session, "thread.solved", payload)
    indexing.thread_changed(session, thread.id)
    faq.on_solved(session, thread, post)


def _recount_thread(session: Session, thread: Thread, authors: set[int | None]) -> None:
    """After kudos changed visibility: the thread's kudos count and everyone concerned."""
    visible_kudos = (
        select(func.count())
        .where(col(Kudo.thread_id) == thread.id, col(Kudo.post_visible) == true())
        .scalar_subquery()
    )
    session.execute(
        update(Thread).where(col(Thread.id) == thread.id).values(kudos_count=visible_kudos)
    )
    recompute_users(session, authors | set(_receivers_of(session, thread)))
    session.refresh(thread)


def _receivers_of(session: Session, thread: Thread) -> list[int]:
    return list(
        session.execute(
            select(col(Kudo.receiver_id)).where(col(Kudo.thread_id) == thread.id).distinct()
        ).scalars()
    )


def thread_filter_solved(solved: str | None):  # type: ignore[no-untyped-def]
    """all / unsolved / solved, for thread lists. Only questions are (un)solved."""
    if solved == "solved":
        return col(Thread.solution_post_id).is_not(None)
    if solved == "unsolved":
        return and_(
            col(Thread.kind) == ThreadKind.question.value, col(Thread.solution_post_id).is_(None)
        )
    return or_(true())
