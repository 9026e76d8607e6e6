"""The scene both caches are tested on: a public board's thread with a reply, its author,
the helper who replied, a member who only reads, and a moderator."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from sqlmodel import Session

from community.accounts.models import Role, User
from community.forum.models import Category, Post, Thread
from tests.factories import make_category, make_group, make_reply, make_thread, make_user


@dataclass
class Scene:
    author: User
    helper: User
    reader: User
    moderator: User
    board: Category
    thread: Thread
    reply: Post

    @property
    def path(self) -> str:
        return f"/t/{self.thread.id}/{self.thread.slug}"


@pytest.fixture
def scene(db: Session) -> Scene:
    author = make_user(db, nickname="Fragerin")
    helper = make_user(db, nickname="Helferlein")
    reader = make_user(db, nickname="Leserin")
    moderator = make_user(db, nickname="Aufpasser", role=Role.moderator)
    board = make_category(db, slug="mobilfunk", name="Mobilfunk")
    thread = make_thread(db, author=author, category=board, title="Wie stelle ich VoLTE ein")
    reply = make_reply(db, author=helper, thread=thread, body="Unter Einstellungen, Mobilfunk.")
    return Scene(author, helper, reader, moderator, board, thread, reply)


@dataclass
class ClosedThread:
    """A closed board's thread with a confidential reply: a member of its group, and a
    member outside it."""

    colleague: User
    outsider: User
    path: str


@pytest.fixture
def closed_thread(db: Session) -> ClosedThread:
    insider = make_user(db, nickname="Insiderin")
    colleague = make_user(db, nickname="Kollegin")
    outsider = make_user(db, nickname="Aussenstehende")
    closed = make_category(
        db, slug="grosskunden", groups=[make_group(db, members=[insider, colleague])]
    )
    thread = make_thread(db, author=insider, category=closed, title="Rahmenvertrag 2027")
    make_reply(db, author=insider, thread=thread, body="Preisliste vertraulich.")
    return ClosedThread(colleague, outsider, f"/t/{thread.id}/{thread.slug}")
