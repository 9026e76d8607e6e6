"""Blog rules: four eyes, scheduling decided at read time, visibility like the board,
comments as replies of the article's thread, events and the audit log."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlmodel import Session, col

from community.accounts.models import Role, User
from community.accounts.viewer import ANONYMOUS, viewer_for
from community.blog import revisions, spotlight
from community.blog import service as blog
from community.blog.models import Article
from community.clock import utcnow
from community.errors import Conflict, Forbidden, InvalidInput, NotFound
from community.events.models import Event
from community.events.service import list_events
from community.forum import service as forum
from community.forum.models import Category, Thread
from community.jobs.models import Job
from community.jobs.service import HANDLERS
from community.moderation.models import AuditEntry
from community.privacy import service as privacy
from tests.events.test_catalog import validate_all
from tests.factories import make_category, make_group, make_reply, make_user


def write(
    db: Session, author: User, category: Category, title: str = "Neue Tarife 2027"
) -> Article:
    article = blog.create_article(
        db,
        viewer_for(db, author),
        title=title,
        teaser="Was sich für Geschäftskunden ändert.",
        body="Ab **Januar** gilt:\n\n- mehr Volumen",
        category_slug=category.slug,
    )
    blog.submit_for_review(db, viewer_for(db, author), article.id)  # type: ignore[arg-type]
    return article


@pytest.fixture
def staff(db: Session) -> tuple[User, User]:
    return (
        make_user(db, staff=True, real_name="Anna Korn"),
        make_user(db, role=Role.moderator, staff=True),
    )


def test_the_author_cannot_publish_alone_and_a_second_staff_member_can(
    db: Session, staff: tuple[User, User]
) -> None:
    author, reviewer = staff
    article = write(db, author, make_category(db))
    with pytest.raises(Forbidden) as refused:
        blog.publish(db, viewer_for(db, author), article.id)  # type: ignore[arg-type]
    assert refused.value.code == "four_eyes"
    assert blog.list_articles(db, ANONYMOUS) == []
    blog.publish(db, viewer_for(db, reviewer), article.id)  # type: ignore[arg-type]
    assert [a.id for a in blog.list_articles(db, ANONYMOUS)] == [article.id]
    actions = db.execute(
        select(col(AuditEntry.action)).where(col(AuditEntry.target_type) == "article")
    ).scalars()
    assert list(actions) == ["article.create", "article.submit", "article.publish"]


def test_members_and_drafts_cannot_be_published(db: Session, staff: tuple[User, User]) -> None:
    author, reviewer = staff
    member = make_user(db)
    with pytest.raises(Forbidden):
        blog.create_article(
            db,
            viewer_for(db, member),
            title="Ein Titel hier",
            teaser="x",
            body="y",
            category_slug=make_category(db).slug,
        )
    draft = blog.create_article(
        db,
        viewer_for(db, author),
        title="Nur ein Entwurf",
        teaser="Kurz",
        body="Text",
        category_slug=make_category(db).slug,
    )
    with pytest.raises(Conflict):
        blog.publish(db, viewer_for(db, reviewer), draft.id)  # type: ignore[arg-type]
    with pytest.raises(InvalidInput):
        revisions.update_article(db, viewer_for(db, author), draft.id, teaser=" ")  # type: ignore[arg-type]


def test_a_scheduled_article_stays_invisible_until_its_time(
    db: Session, staff: tuple[User, User]
) -> None:
    author, reviewer = staff
    article = write(db, author, make_category(db))
    at = utcnow() + timedelta(hours=2)
    blog.publish(db, viewer_for(db, reviewer), article.id, at=at)  # type: ignore[arg-type]
    assert blog.list_articles(db, ANONYMOUS) == []
    with pytest.raises(NotFound):
        blog.get_article(db, ANONYMOUS, article.id)  # type: ignore[arg-type]
    job = db.execute(select(Job).where(col(Job.type) == blog.GO_LIVE_JOB)).scalar_one()
    assert abs((job.run_at - at).total_seconds()) < 5
    assert article.thread_id is None
    assert not db.execute(select(Event).where(col(Event.type) == "article.published")).first()
    # The time comes: visible at once (read time), the job opens the comments and announces.
    article.published_at = utcnow() - timedelta(seconds=1)
    db.add(article)
    db.flush()
    assert blog.get_article(db, ANONYMOUS, article.id).id == article.id  # type: ignore[arg-type]
    HANDLERS[blog.GO_LIVE_JOB](db, job.payload)
    assert article.thread_id is not None
    events = db.execute(select(Event).where(col(Event.type) == "article.published")).scalars()
    [event] = list(events)
    assert event.payload["article_id"] == article.id and event.payload["public"] is True
    with pytest.raises(InvalidInput):
        blog.publish(
            db,
            viewer_for(db, reviewer),
            write(db, author, make_category(db)).id,  # type: ignore[arg-type]
            at=utcnow() - timedelta(hours=1),
        )


def test_a_closed_groups_article_is_invisible_to_outsiders_and_withheld_from_events(
    db: Session, staff: tuple[User, User]
) -> None:
    author, reviewer = staff
    insider, outsider = make_user(db), make_user(db)
    group = make_group(db, members=[insider, author])
    article = write(db, author, make_category(db, groups=[group]), title="Nur für Partner")
    blog.publish(db, viewer_for(db, reviewer), article.id)  # type: ignore[arg-type]
    assert blog.get_article(db, viewer_for(db, insider), article.id).id == article.id  # type: ignore[arg-type]
    for viewer in (ANONYMOUS, viewer_for(db, outsider)):
        assert blog.list_articles(db, viewer) == []
        assert blog.newest_article(db, viewer) is None
        with pytest.raises(NotFound):
            blog.get_article(db, viewer, article.id)  # type: ignore[arg-type]
        with pytest.raises(NotFound):
            forum.get_thread(db, viewer, article.thread_id)  # type: ignore[arg-type]
    events, _ = list_events(db, types=["article.published"])
    assert events == []


def test_comments_are_replies_and_follow_the_article(db: Session, staff: tuple[User, User]) -> None:
    author, reviewer = staff
    member = make_user(db)
    article = write(db, author, make_category(db))
    blog.publish(db, viewer_for(db, reviewer), article.id)  # type: ignore[arg-type]
    thread = db.get(Thread, article.thread_id)
    assert thread is not None and thread.kind == "discussion"
    make_reply(db, author=member, thread=thread, body="Gilt das auch für Bestandsverträge?")
    assert blog.comment_count(db, article) == 1
    revisions.update_article(db, viewer_for(db, author), article.id, comments_enabled=False)  # type: ignore[arg-type]
    revisions.approve_revision(db, viewer_for(db, reviewer), article.id)  # type: ignore[arg-type]
    with pytest.raises(Forbidden):
        forum.create_reply(db, viewer_for(db, member), thread.id, "Noch eine Frage dazu?")  # type: ignore[arg-type]
    board = db.get(Category, article.category_id)
    assert board is not None and (board.thread_count, board.post_count) == (1, 2)
    blog.withdraw(db, viewer_for(db, reviewer), article.id, "veraltet")  # type: ignore[arg-type]
    db.refresh(board)
    assert (board.thread_count, board.post_count) == (0, 0)  # as recompute-counters says
    with pytest.raises(NotFound):
        blog.get_article(db, ANONYMOUS, article.id)  # type: ignore[arg-type]
    with pytest.raises(NotFound):
        forum.get_thread(db, viewer_for(db, member), thread.id)  # type: ignore[arg-type]
    types = list(
        db.execute(select(col(Event.type)).where(col(Event.type).like("article.%"))).scalars()
    )
    assert types == ["article.published", "article.updated", "article.withdrawn"]
    assert {"article.published", "article.updated", "article.withdrawn"} <= validate_all(db)


def test_the_spotlight_shows_only_within_its_period(db: Session, staff: tuple[User, User]) -> None:
    author, _ = staff
    now = utcnow()
    assert spotlight.current(db) is None
    spotlight.create(
        db,
        viewer_for(db, author),
        title="Später",
        text="Noch nicht",
        link_url=None,
        starts_at=now + timedelta(days=1),
        ends_at=now + timedelta(days=2),
    )
    assert spotlight.current(db) is None
    spotlight.create(
        db,
        viewer_for(db, author),
        title="Angebot",
        text="Jetzt 20 % sparen",
        link_url="/blog",
        starts_at=now - timedelta(days=1),
        ends_at=now + timedelta(days=1),
    )
    current = spotlight.current(db)
    assert current is not None and current.title == "Angebot"
    with pytest.raises(InvalidInput):
        spotlight.create(
            db,
            viewer_for(db, author),
            title="Böse",
            text="x",
            link_url="javascript:alert(1)",
            starts_at=now,
            ends_at=now + timedelta(days=1),
        )
    with pytest.raises(Forbidden):
        spotlight.create(
            db,
            viewer_for(db, make_user(db)),
            title="Mitglied",
            text="x",
            link_url=None,
            starts_at=now,
            ends_at=now + timedelta(days=1),
        )


def test_the_authors_export_lists_their_articles_and_erasure_keeps_them_without_a_name(
    db: Session, staff: tuple[User, User]
) -> None:
    author, reviewer = staff
    admin = make_user(db, role=Role.admin, staff=True)
    article = write(db, author, make_category(db))
    blog.publish(db, viewer_for(db, reviewer), article.id)  # type: ignore[arg-type]
    exported = privacy.export_data(db, viewer_for(db, author))["articles"]
    assert [(a["id"], a["status"]) for a in exported] == [(article.id, "published")]
    assert blog.author_names(db, [article])[article.id] == (author.nickname, "Anna K.")  # type: ignore[index]
    privacy.erase_by_admin(
        db,
        viewer_for(db, admin),
        author.nickname,
        confirm_nickname=author.nickname,
        remove_posts=False,
    )
    assert blog.get_article(db, ANONYMOUS, article.id).id == article.id  # type: ignore[arg-type]
    assert blog.author_names(db, [article])[article.id] == ("", None)  # type: ignore[index]
