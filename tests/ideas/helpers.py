"""An ideas board and ideas for the tests of community/ideas/."""

from __future__ import annotations

from sqlmodel import Session

from community.accounts.models import Group, User
from community.forum.models import Category, Thread, ThreadKind
from tests.factories import make_category, make_thread


def make_idea_board(db: Session, *, slug: str = "ideen", groups: list[Group] = ()) -> Category:  # type: ignore[assignment]
    board = make_category(db, slug=slug, name="Ideen", groups=groups)
    board.default_kind = ThreadKind.idea.value
    db.add(board)
    db.commit()
    return board


def make_idea(db: Session, *, author: User, board: Category, title: str) -> Thread:
    return make_thread(
        db,
        author=author,
        category=board,
        title=title,
        body="Das wäre für viele Geschäftskunden hilfreich.",
        kind=ThreadKind.idea,
    )
