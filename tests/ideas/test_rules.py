"""The rules of ideas: one vote per member, withdrawing, staff votes apart, status by
staff only with notices, audit and event, merging without counting anyone twice, the
reputation weights."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlmodel import Session

from community.accounts.models import Role
from community.accounts.viewer import viewer_for
from community.errors import Forbidden, InvalidInput, NotFound
from community.events.models import Event
from community.forum.models import Thread, ThreadKind
from community.ideas import service as ideas
from community.ideas.models import Idea, IdeaStatus
from community.moderation.models import AuditEntry
from community.notifications.models import Notification
from tests.factories import make_category, make_group, make_thread, make_user
from tests.ideas.helpers import make_idea, make_idea_board


@pytest.fixture
def board(db: Session):  # type: ignore[no-untyped-def]
    return make_idea_board(db)


def _idea(db: Session, thread: Thread) -> Idea:
    db.expire_all()
    idea = db.get(Idea, thread.id)
    assert idea is not None
    return idea


def test_every_thread_on_an_ideas_board_is_an_idea_and_ideas_live_only_there(db, board):
    author = make_user(db)
    asked_question = make_thread(
        db, author=author, category=board, title="Bitte eine Exportfunktion"
    )
    assert asked_question.kind == ThreadKind.idea.value
    assert _idea(db, asked_question).status == IdeaStatus.new.value
    questions = make_category(db)
    with pytest.raises(InvalidInput):
        make_thread(
            db,
            author=author,
            category=questions,
            title="Idee am falschen Ort",
            kind=ThreadKind.idea,
        )


def test_one_vote_per_member_and_the_vote_can_be_withdrawn(db, board):
    author, fan = make_user(db), make_user(db)
    thread = make_idea(db, author=author, board=board, title="Rechnungen als CSV exportieren")
    viewer = viewer_for(db, fan)
    ideas.vote(db, viewer, thread.id)
    ideas.vote(db, viewer, thread.id)  # a second click changes nothing
    db.commit()
    assert _idea(db, thread).vote_count == 1
    ideas.unvote(db, viewer, thread.id)
    db.commit()
    assert _idea(db, thread).vote_count == 0
    assert not ideas.has_voted(db, viewer, thread.id)


def test_the_author_cannot_vote_for_their_own_idea(db, board):
    author = make_user(db)
    thread = make_idea(db, author=author, board=board, title="Eigene Idee ohne Eigenlob")
    with pytest.raises(Forbidden):
        ideas.vote(db, viewer_for(db, author), thread.id)


def test_staff_votes_are_counted_apart(db, board):
    thread = make_idea(db, author=make_user(db), board=board, title="Dunkles Design fürs Portal")
    ideas.vote(db, viewer_for(db, make_user(db)), thread.id)
    ideas.vote(db, viewer_for(db, make_user(db, staff=True)), thread.id)
    db.commit()
    idea = _idea(db, thread)
    assert (idea.vote_count, idea.staff_vote_count) == (1, 1)


def test_only_staff_set_the_status(db, board):
    thread = make_idea(db, author=make_user(db), board=board, title="Mehr Filter in der Suche")
    for who in (make_user(db), make_user(db, role=Role.expert)):
        with pytest.raises(Forbidden):
            ideas.set_status(db, viewer_for(db, who), thread.id, IdeaStatus.planned, "Ja")
    assert _idea(db, thread).status == IdeaStatus.new.value


def test_status_change_notifies_author_and_voters_is_audited_and_sent_as_event(db, board):
    author, voter, bystander = make_user(db), make_user(db), make_user(db)
    staff = make_user(db, staff=True)
    thread = make_idea(db, author=author, board=board, title="Rückrufservice online buchen")
    ideas.vote(db, viewer_for(db, voter), thread.id)
    db.commit()
    ideas.set_status(
        db, viewer_for(db, staff), thread.id, IdeaStatus.planned, "Kommt im zweiten Quartal."
    )
    db.commit()
    idea = _idea(db, thread)
    assert idea.status == "planned" and idea.status_note == "Kommt im zweiten Quartal."
    assert idea.first_status_at is not None
    notified = set(
        db.execute(
            select(Notification.user_id).where(
                Notification.type == "idea", Notification.thread_id == thread.id
            )
        ).scalars()
    )
    assert notified == {author.id, voter.id}
    assert bystander.id not in notified
    entry = db.execute(select(AuditEntry).where(AuditEntry.action == "idea.status")).scalar_one()
    assert entry.target_id == thread.id and entry.after["status"] == "planned"
    event = db.execute(select(Event).where(Event.type == "idea.status_changed")).scalar_one()
    assert event.payload["old_status"] == "new" and event.payload["new_status"] == "planned"
    assert event.payload["votes"] == 1 and event.payload["by"] == staff.nickname


def test_closed_board_idea_notifies_nobody_outside_the_group_and_sends_no_webhook(db):
    insider, former = make_user(db), make_user(db)
    group = make_group(db, members=[insider, former])
    board = make_idea_board(db, slug="ideen-partner", groups=[group])
    thread = make_idea(db, author=insider, board=board, title="Sammelrechnung für Standorte")
    ideas.vote(db, viewer_for(db, former), thread.id)
    db.commit()
    from community.accounts import service as accounts

    accounts.remove_member(db, group, former)  # left the group after voting
    db.commit()
    moderator = make_user(db, role=Role.moderator)
    ideas.set_status(db, viewer_for(db, moderator), thread.id, IdeaStatus.review, "")
    db.commit()
    notified = set(
        db.execute(select(Notification.user_id).where(Notification.type == "idea")).scalars()
    )
    assert notified == {insider.id}
    from community.events.service import list_events

    visible, _ = list_events(db, types=["idea.status_changed"])
    assert visible == []  # the CRM's pull feed withholds a closed board's event


def test_idea_reaching_done_earns_the_author_the_configured_points(
    db, board, settings, monkeypatch
):
    monkeypatch.setattr(settings, "points_idea", 2)
    monkeypatch.setattr(settings, "points_idea_done", 25)
    author = make_user(db)
    thread = make_idea(db, author=author, board=board, title="Störungsmeldung per SMS abonnieren")
    db.refresh(author)
    assert author.points == 2
    staff = make_user(db, staff=True)
    ideas.set_status(db, viewer_for(db, staff), thread.id, IdeaStatus.done, "Ist da!")
    db.commit()
    db.refresh(author)
    assert author.points == 27
    ideas.set_status(db, viewer_for(db, staff), thread.id, IdeaStatus.planned, "Doch noch nicht")
    db.commit()
    db.refresh(author)
    assert author.points == 2


def test_merge_moves_votes_without_counting_anyone_twice(db, board):
    a, b = make_user(db), make_user(db)
    both, only_dup, target_author = make_user(db), make_user(db), make_user(db)
    target = make_idea(
        db, author=target_author, board=board, title="Zweiter Ansprechpartner pro Firma"
    )
    dup = make_idea(db, author=a, board=board, title="Mehrere Ansprechpartner je Firmenkonto")
    for user in (both, b):
        ideas.vote(db, viewer_for(db, user), target.id)
    for user in (both, only_dup):
        ideas.vote(db, viewer_for(db, user), dup.id)
    db.commit()
    ideas.merge(db, viewer_for(db, make_user(db, staff=True)), dup.id, target.id)
    db.commit()
    assert _idea(db, target).vote_count == 3  # both, b, only_dup: "both" counts once
    merged = _idea(db, dup)
    assert merged.vote_count == 0 and merged.merged_into_id == target.id
    assert db.get(Thread, dup.id).duplicate_of_thread_id == target.id  # type: ignore[union-attr]
    with pytest.raises(Forbidden):
        ideas.vote(db, viewer_for(db, b), dup.id)
    board_ideas, _ = ideas.list_ideas(db, viewer_for(db, b), board)
    assert [r.thread.id for r in board_ideas] == [target.id]


def test_merge_tells_the_duplicates_voters_who_still_see_the_target_where_their_vote_went(db):
    from community.accounts import service as accounts
    from community.i18n import translator
    from community.notifications.texts import describe

    voter, both, former, target_author = (make_user(db) for _ in range(4))
    bystander = make_user(db)
    group = make_group(db, members=[voter, both, former, target_author, bystander])
    board = make_idea_board(db, slug="ideen-partner", groups=[group])
    target = make_idea(db, author=target_author, board=board, title="Rechnungen als XRechnung")
    dup = make_idea(db, author=bystander, board=board, title="E-Rechnung im XRechnung-Format")
    for user in (voter, both, former, target_author):
        ideas.vote(db, viewer_for(db, user), dup.id)
    ideas.vote(db, viewer_for(db, both), target.id)
    db.commit()
    accounts.remove_member(db, group, former)  # left the group: the target is closed to them
    db.commit()
    staff = make_user(db, role=Role.moderator)
    ideas.merge(db, viewer_for(db, staff), dup.id, target.id)
    db.commit()
    notices = db.execute(select(Notification).where(Notification.type == "idea")).scalars().all()
    # The target's own author had no vote to move; the duplicate's author did not vote.
    assert {n.user_id for n in notices} == {voter.id, both.id}
    assert {n.thread_id for n in notices} == {target.id}
    mine = next(n for n in notices if n.user_id == voter.id)
    german = describe(db, viewer_for(db, voter), [mine], lambda m: m, "de")[0]
    assert german.text == (
        "Die Idee „E-Rechnung im XRechnung-Format“, die Sie unterstützt haben, wurde mit der "
        "Idee „Rechnungen als XRechnung“ zusammengeführt. Ihre Stimme zählt jetzt dort."
    )
    assert german.path == f"/t/{target.id}/{target.slug}"
    english = describe(db, viewer_for(db, voter), [mine], translator("en"), "en")
    assert english[0].subject == "Idea merged: Rechnungen als XRechnung"


def test_merge_refuses_another_board_and_members(db, board):
    author = make_user(db)
    one = make_idea(db, author=author, board=board, title="Erste Idee zum Zusammenführen")
    other_board = make_idea_board(db, slug="ideen-zwei")
    two = make_idea(db, author=author, board=other_board, title="Zweite Idee woanders")
    staff = viewer_for(db, make_user(db, staff=True))
    with pytest.raises(InvalidInput):
        ideas.merge(db, staff, one.id, two.id)
    with pytest.raises(InvalidInput):
        ideas.merge(db, staff, one.id, one.id)
    three = make_idea(db, author=author, board=board, title="Dritte Idee im selben Bereich")
    with pytest.raises(Forbidden):
        ideas.merge(db, viewer_for(db, make_user(db)), one.id, three.id)


def test_lists_sort_by_votes_newest_and_status_and_filter_by_status(db, board):
    author, staff = make_user(db), viewer_for(db, make_user(db, staff=True))
    old = make_idea(db, author=author, board=board, title="Älteste Idee mit vielen Stimmen")
    mid = make_idea(db, author=author, board=board, title="Mittlere Idee ohne Stimmen")
    new = make_idea(db, author=author, board=board, title="Neueste Idee mit einer Stimme")
    for _ in range(2):
        ideas.vote(db, viewer_for(db, make_user(db)), old.id)
    ideas.vote(db, viewer_for(db, make_user(db)), new.id)
    ideas.set_status(db, staff, mid.id, IdeaStatus.planned, "")
    db.commit()
    viewer = viewer_for(db, author)

    def order(**kw) -> list[int]:  # type: ignore[no-untyped-def]
        return [r.thread.id for r in ideas.list_ideas(db, viewer, board, **kw)[0]]

    assert order(sort="votes") == [old.id, new.id, mid.id]
    assert order(sort="newest") == [new.id, mid.id, old.id]
    assert order(sort="status") == [old.id, new.id, mid.id]  # neu before geplant
    assert order(status=IdeaStatus.planned) == [mid.id]


def test_an_idea_of_a_closed_board_is_not_found_for_an_outsider(db):
    insider, outsider = make_user(db), make_user(db)
    board = make_idea_board(
        db, slug="ideen-geschlossen", groups=[make_group(db, members=[insider])]
    )
    thread = make_idea(db, author=insider, board=board, title="Geheime Idee der Großkunden")
    for action in (ideas.vote, ideas.unvote):
        with pytest.raises(NotFound):
            action(db, viewer_for(db, outsider), thread.id)
    staff_outside = viewer_for(db, make_user(db, staff=True))
    with pytest.raises(NotFound):
        ideas.set_status(db, staff_outside, thread.id, IdeaStatus.planned, "")
