"""The askers' satisfaction with a solved question: the prompt, the rating, and the
comments staff read."""

from __future__ import annotations

from sqlalchemy import select
from sqlmodel import Session, col

from community import clock
from community.accounts.viewer import Viewer
from community.db import insert_once
from community.errors import Conflict, Forbidden, InvalidInput
from community.forum import permissions as perms
from community.forum.models import Category, Thread, ThreadKind
from community.insights.models import SatisfactionRating
from community.insights.service import Window, boards_in_view, live_thread, scope_of


def rating_of(session: Session, thread_id: int) -> SatisfactionRating | None:
    return session.execute(
        select(SatisfactionRating).where(col(SatisfactionRating.thread_id) == thread_id)
    ).scalar_one_or_none()


def may_rate(viewer: Viewer, thread: Thread) -> bool:
    """Only the asker, only for a question with an accepted solution."""
    return (
        viewer.user_id is not None
        and viewer.user_id == thread.author_id
        and thread.kind == ThreadKind.question.value
        and thread.solution_post_id is not None
    )


def satisfaction_prompt(session: Session, viewer: Viewer, thread: Thread) -> dict[str, object]:
    """What the thread page shows the asker: the question once, then their answer."""
    if viewer.user_id is None or viewer.user_id != thread.author_id:
        return {}
    assert thread.id is not None
    rating = rating_of(session, thread.id)
    if rating is not None:
        return {"rating": rating}
    return {"ask": may_rate(viewer, thread)}


def rate_solution(
    session: Session, viewer: Viewer, thread_id: int, *, rating: int, comment: str = ""
) -> SatisfactionRating:
    thread = perms.ensure_thread_visible(session, viewer, session.get(Thread, thread_id))
    perms.require_verified(viewer)
    if viewer.user_id != thread.author_id:
        raise Forbidden(
            "Nur wer die Frage gestellt hat, kann die Lösung bewerten.", code="not_the_asker"
        )
    if thread.kind != ThreadKind.question.value or thread.solution_post_id is None:
        raise InvalidInput(
            "Bewerten lässt sich erst eine Frage mit akzeptierter Lösung.", code="not_solved"
        )
    if not 1 <= rating <= 5:
        raise InvalidInput("Die Bewertung reicht von 1 bis 5.", code="invalid_rating")
    comment = comment.strip()
    if len(comment) > 2000:
        raise InvalidInput("Der Kommentar ist zu lang (höchstens 2000 Zeichen).")
    already = Conflict("Sie haben diese Lösung schon bewertet.", code="already_rated")
    assert thread.id is not None
    if rating_of(session, thread.id) is not None:
        raise already
    values = {
        "thread_id": thread.id,
        "user_id": viewer.user_id,
        "rating": rating,
        "comment": comment,
        "created_at": clock.utcnow(),
    }
    # A rating sent twice at once loses on the unique thread_id.
    added = insert_once(
        session, SatisfactionRating, values, ["thread_id"], col(SatisfactionRating.id)
    )
    if added is None:
        raise already
    entry = session.get(SatisfactionRating, added[0])
    assert entry is not None
    return entry


def satisfaction_comments(
    session: Session,
    viewer: Viewer,
    window: Window,
    *,
    category: Category | None = None,
    limit: int = 20,
) -> list[tuple[SatisfactionRating, Thread]]:
    """The latest comments of the period, for the dashboard (moderators only)."""
    perms.require_moderator(viewer)
    boards = boards_in_view(session, viewer, category)
    scope = scope_of(session, boards, category)
    rows = session.execute(
        select(SatisfactionRating, Thread)
        .join(Thread, col(Thread.id) == col(SatisfactionRating.thread_id))
        .where(
            col(SatisfactionRating.comment) != "",
            col(SatisfactionRating.created_at) >= window.start,
            col(SatisfactionRating.created_at) < window.end,
            scope.where(Thread.category_id),
            *live_thread(),
        )
        .order_by(col(SatisfactionRating.created_at).desc())
        .limit(limit)
    ).all()
    return [(r, t) for r, t in rows]
