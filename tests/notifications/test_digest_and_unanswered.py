"""Periodic work of the worker, on a fixed clock: the daily kudos digest and the experts'
queue of unanswered questions."""

from __future__ import annotations

from sqlmodel import Session

from community.accounts.models import Role
from community.accounts.viewer import viewer_for
from community.forum.models import CategoryGroup, ThreadKind
from community.jobs.worker import Worker
from community.reputation import service as reputation
from tests.factories import (
    make_category,
    make_group,
    make_reply,
    make_thread,
    make_user,
    sign_in,
)
from tests.notifications.conftest import Clock, notices
from tests.smtp import Mailbox


def _run(engine) -> None:  # type: ignore[no-untyped-def]
    # A new worker ticks on its first round.
    Worker(engine).run_until_empty()


def test_kudos_are_bundled_into_one_mail_a_day(
    db: Session, engine, clock: Clock, mailbox: Mailbox
) -> None:
    board = make_category(db)
    helper = make_user(db, nickname="Helferin", email="helferin@example.com", locale="en")
    thread = make_thread(db, author=make_user(db), category=board)
    post = make_reply(db, author=helper, thread=thread)
    assert post.id is not None
    for name in ("Dankbar", "Froh", "Zufrieden"):
        reputation.give_kudos(db, viewer_for(db, make_user(db, nickname=name)), post.id)
        db.commit()
        clock.advance(hours=1)
    _run(engine)
    assert mailbox.to("helferin@example.com") == []  # not yet a day since the first kudos

    clock.advance(hours=21)  # 24 hours after the first kudos
    _run(engine)
    _run(engine)
    [digest] = mailbox.to("helferin@example.com")
    assert digest.subject.endswith("You received kudos (3)")
    for name in ("Dankbar", "Froh", "Zufrieden"):
        assert f"{name} gave you kudos" in digest.text
    assert digest.message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert {n.mail_state for n in notices(db, helper.id) if n.type == "kudos"} == {"sent"}

    reputation.give_kudos(db, viewer_for(db, make_user(db, nickname="Spaet")), post.id)
    db.commit()
    clock.advance(hours=23)
    _run(engine)
    assert len(mailbox.to("helferin@example.com")) == 1
    clock.advance(hours=1)
    _run(engine)
    second = mailbox.to("helferin@example.com")[1]
    assert "(1)" in second.subject and "Spaet gave you kudos" in second.text


def _board_with_expert(db: Session, client, slug: str, hours: int | None = None):  # type: ignore[no-untyped-def]
    board = make_category(db, slug=slug)
    if hours is not None:
        board.unanswered_after_hours = hours
        db.add(board)
        db.commit()
    expert = make_user(
        db, nickname=f"Expertin-{slug}", email=f"{slug}@example.com", role=Role.expert
    )
    sign_in(client, expert)
    assert client.put(f"/api/v1/categories/{slug}/watch").json() == {"watching": True}
    return board, expert


def test_unanswered_question_is_queued_after_n_hours_and_told_to_experts_once(
    db: Session, engine, client, anon, clock: Clock, mailbox: Mailbox
) -> None:
    board, expert = _board_with_expert(db, client, "router")
    asker = make_user(db, nickname="Wartende")
    waiting = make_thread(db, author=asker, category=board, title="Router blinkt rot, was tun?")
    answered = make_thread(db, author=asker, category=board, title="WLAN bricht dauernd ab")
    make_reply(db, author=make_user(db), thread=answered)
    discussion = make_thread(db, author=asker, category=board, kind=ThreadKind.discussion)
    _run(engine)
    # A new question in a followed board is news at once.
    assert [n.type for n in notices(db, expert.id)] == ["new_thread", "new_thread", "new_thread"]
    assert len(mailbox.to("router@example.com")) == 3
    mailbox.clear()

    clock.advance(hours=3, minutes=59)
    assert client.get("/api/v1/unanswered").json()["items"] == []
    _run(engine)
    assert len(notices(db, expert.id)) == 3

    clock.advance(minutes=1)  # four hours: COMMUNITY_UNANSWERED_HOURS
    queue = client.get("/api/v1/unanswered").json()["items"]
    assert [t["id"] for t in queue] == [waiting.id]
    assert discussion.id not in [t["id"] for t in queue]
    assert "Router blinkt rot, was tun?" in client.get("/unanswered").text
    _run(engine)
    _run(engine)
    told = [n for n in notices(db, expert.id) if n.type == "unanswered"]
    assert len(told) == 1 and told[0].thread_id == waiting.id
    [mail] = mailbox.to("router@example.com")
    assert "wartet seit 4 Stunden auf eine Antwort" in mail.text

    sign_in(anon, asker)
    assert anon.get("/api/v1/unanswered").status_code == 403
    assert anon.get("/unanswered").status_code == 403


def test_a_board_can_have_its_own_limit(
    db: Session, engine, client, clock: Clock, mailbox: Mailbox
) -> None:
    board, expert = _board_with_expert(db, client, "dringend", hours=1)
    thread = make_thread(db, author=make_user(db), category=board)
    clock.advance(hours=1)
    assert [t["id"] for t in client.get("/api/v1/unanswered").json()["items"]] == [thread.id]
    _run(engine)
    assert [n.type for n in notices(db, expert.id)] == ["new_thread", "unanswered"]


def test_experts_who_cannot_see_a_board_any_more_are_not_told(
    db: Session, engine, client, clock: Clock
) -> None:
    board, expert = _board_with_expert(db, client, "intern")
    asker = make_user(db)
    group = make_group(db, members=[asker])
    # The board is closed to a group after the expert followed it.
    assert board.id is not None and group.id is not None
    db.add(CategoryGroup(category_id=board.id, group_id=group.id))
    db.commit()
    make_thread(db, author=asker, category=board)
    clock.advance(hours=5)
    assert client.get("/api/v1/unanswered").json()["items"] == []
    _run(engine)
    assert notices(db, expert.id) == []
