"""The board's pager goes back as well as on ("zurück" and "weiter"), without JavaScript."""

from __future__ import annotations

import html
import re

import pytest
from sqlmodel import Session

from tests.factories import make_category, make_reply, make_thread, make_user

TITLE = r'class="thread-title" href="[^"]+" dir="auto"><bdi>([^<]+)<'


def _link(page: str, rel: str) -> str | None:
    match = re.search(rf'rel="{rel}" href="([^"]+)"', page)
    return html.unescape(match.group(1)) if match else None


@pytest.mark.parametrize("sort", ["latest", "active"])
def test_the_board_pages_forward_and_back(anon, db: Session, sort: str) -> None:
    author = make_user(db)
    board = make_category(db)
    for i in range(28):
        thread = make_thread(db, author=author, category=board, title=f"Frage im Pager {i:02d}")
        if i % 3 == 0:
            make_reply(db, author=author, thread=thread)
    first = anon.get(f"/c/{board.slug}?sort={sort}").text
    assert _link(first, "prev") is None
    forward = _link(first, "next")
    assert forward is not None
    second = anon.get(forward).text
    assert len(re.findall(TITLE, second)) == 3 and _link(second, "next") is None
    back = _link(second, "prev")
    assert back is not None and "before=" in back
    again = anon.get(back).text
    assert re.findall(TITLE, again) == re.findall(TITLE, first)
    assert _link(again, "prev") is None and _link(again, "next") == forward
