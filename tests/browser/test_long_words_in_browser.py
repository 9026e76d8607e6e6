"""Text members type may hold a word longer than a phone's line: a title of X's, a pasted
address, the longest nickname. Every page that shows it wraps it instead of scrolling
sideways, at 1280 px and at 390 px."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine
from sqlmodel import Session

from community.accounts.models import Role
from community.accounts.viewer import viewer_for
from community.blog import service as blog
from community.jobs.worker import Worker
from tests.browser.axe import DESKTOP, PHONE, horizontal_overflow
from tests.browser.test_forum_in_browser import log_in
from tests.factories import make_category, make_reply, make_thread, make_user

pytestmark = pytest.mark.commits

LONG_NICKNAME = "W" * 20  # the longest a nickname may be
LONG_TITLE = "Warum " + "X" * 60 + " " + "Y" * 64
LONG_BODY = (
    "Siehe https://example.com/" + "a" * 180 + " und " + "Z" * 200 + "\n\n"
    "```\n" + "echo " + "0123456789" * 30 + "\n```"
)


@pytest.mark.sqlite_only  # the layout is the same on both databases
def test_long_words_wrap_on_every_page_that_shows_them(
    new_page, engine: Engine, db: Session
) -> None:
    board = make_category(db, slug="technik", name="Technik")
    asker = make_user(db, nickname=LONG_NICKNAME, email="lang@example.com")
    thread = make_thread(db, author=asker, category=board, title=LONG_TITLE, body=LONG_BODY)
    reply = make_reply(db, author=make_user(db, nickname="Helfer"), thread=thread, body=LONG_BODY)
    admin = make_user(db, role=Role.admin, staff=True, email="chefin@example.com")
    article = blog.create_article(
        db,
        viewer_for(db, admin),
        title="Blog " + "Z" * 120,
        teaser="Kurz",
        body=LONG_BODY,
        category_slug=board.slug,
    )
    db.commit()
    Worker(engine).run_until_empty()  # the search index, the asker's notice

    member, _ = new_page()
    log_in(member, asker.email)
    staff, _ = new_page()
    log_in(staff, admin.email)
    wide = []
    for page, url, shown in (
        (member, "/", "X" * 60),
        (member, f"/c/{board.slug}", "X" * 60),
        (member, f"/t/{thread.id}/{thread.slug}", "X" * 60),
        (member, "/search?q=Warum", "X" * 60),
        (member, f"/u/{LONG_NICKNAME}", LONG_NICKNAME),
        (member, "/notifications", "X" * 60),
        (staff, f"/admin/members/{asker.id}", "X" * 60),
        (member, f"/p/{reply.id}/report", "X" * 60),  # the title in the breadcrumb
        (staff, f"/moderation/posts/{reply.id}/edit", "X" * 60),
        (staff, "/admin/blog", "Z" * 120),
        (staff, f"/admin/blog/{article.id}", "Z" * 120),
    ):
        page.set_viewport_size(DESKTOP)
        page.goto(url)
        assert shown in page.content(), url
        for name, size in (("1280 px", DESKTOP), ("390 px", PHONE)):
            page.set_viewport_size(size)
            if extra := horizontal_overflow(page):
                wide.append(f"{url} at {name} scrolls sideways by {extra} px")
    assert wide == []
