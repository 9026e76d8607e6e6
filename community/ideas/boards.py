"""Where ideas live, with nothing above the models, so the forum's own services can ask
(community/forum/service.py creates an idea's row with its thread)."""

from __future__ import annotations

from sqlmodel import Session

from community.errors import InvalidInput
from community.forum.models import Category, Thread, ThreadKind
from community.ideas.models import Idea


def is_idea_board(category: Category) -> bool:
    return category.default_kind == ThreadKind.idea.value


def kind_for_board(category: Category, asked: ThreadKind) -> ThreadKind:
    """Every thread on an ideas board is an idea, and ideas live only there."""
    if is_idea_board(category):
        return ThreadKind.idea
    if asked == ThreadKind.idea:
        raise InvalidInput(
            "Ideen können nur in einem Ideen-Bereich vorgeschlagen werden.", code="not_idea_board"
        )
    return asked


def on_thread_created(session: Session, thread: Thread) -> None:
    if thread.kind == ThreadKind.idea.value:
        assert thread.id is not None
        session.add(Idea(thread_id=thread.id, category_id=thread.category_id))
