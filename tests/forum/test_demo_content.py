"""The demo looks like a real business community: nothing dated after the seeding, replies
that fit their question and never twice in a thread, accepted answers that answer, staff
pages with something on them, and search that finds the threads right away."""

from __future__ import annotations

from collections import Counter

from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select
from sqlmodel import Session, col

from community.accounts.models import Role
from community.blog.models import Article
from community.clock import utcnow
from community.demo import ANSWERS, ASKER_REPLIES, OTHER_REPLIES, QUESTIONS, seed_demo_content
from community.forum.models import Post, Thread
from community.jobs.models import Job
from community.notifications.models import Notification
from community.reputation.models import Kudo
from tests.factories import make_user, sign_in


def test_the_demo_reads_like_a_real_community(
    engine: Engine, db: Session, client: TestClient, anon: TestClient
) -> None:
    seed_demo_content(engine, threads=60)
    seeded_at = utcnow()
    db.expire_all()

    latest = [
        db.execute(select(func.max(c))).scalar_one()
        for c in (Post.created_at, Thread.last_post_at, Thread.solved_at, Kudo.created_at)
    ]
    assert all(
        t is not None and t.replace(tzinfo=None) <= seeded_at.replace(tzinfo=None) for t in latest
    )
    oldest = db.execute(select(func.min(Thread.created_at))).scalar_one()
    assert (seeded_at.replace(tzinfo=None) - oldest.replace(tzinfo=None)).days >= 60  # months

    titles = {title for questions in QUESTIONS.values() for title, _ in questions}
    fitting_everywhere = set(ASKER_REPLIES) | set(OTHER_REPLIES)
    # The demo blog's articles hold their comments in threads titled like the article;
    # ideas have titles of their own.
    comment_threads = select(col(Article.thread_id)).where(col(Article.thread_id).is_not(None))
    threads = list(
        db.execute(
            select(Thread).where(
                col(Thread.is_pending) == False,  # noqa: E712
                col(Thread.kind) != "idea",
                col(Thread.id).not_in(comment_threads),
            )
        ).scalars()
    )
    assert {t.title for t in threads} <= titles  # no random suffixes
    for thread in threads:
        replies = [
            p.body
            for p in db.execute(
                select(Post).where(col(Post.thread_id) == thread.id, col(Post.is_opening) == False)  # noqa: E712
            ).scalars()
        ]
        twice = [text for text, n in Counter(replies).items() if n > 1]
        assert twice == [], thread.title
        own = set(ANSWERS[thread.title]) | fitting_everywhere
        seeded_replies = [r for r in replies if r in own]
        assert len(seeded_replies) >= len(replies) - 2, thread.title  # staff content aside
        if thread.solution_post_id is not None:
            solution = db.get(Post, thread.solution_post_id)
            assert solution is not None and solution.body in ANSWERS[thread.title], thread.title

    # Staff find work on their pages at once.
    moderator = make_user(db, nickname="Pruefer", role=Role.admin, staff=True)
    sign_in(client, moderator)
    queue = client.get("/moderation").text
    assert "Werbung." in queue  # the reported spam
    assert "Rechnung doppelt abgebucht" in queue  # the held question
    audit = client.get("/admin/audit-log").text
    assert "Unfreundlicher Ton" in audit
    assert "Noch keine" not in client.get("/admin/faq").text
    published = next(slug for slug in QUESTIONS if "faq-entry" in anon.get(f"/c/{slug}/faq").text)
    assert published

    # Search finds a seeded thread right after seeding, without a reindex.
    found = anon.get("/api/v1/search", params={"q": "Zwangstrennung Router"}).json()
    assert any("Router verliert nachts" in hit["title"] for hit in found["items"]), found


def test_the_demo_mails_nobody(engine: Engine, db: Session) -> None:
    """Its members read their notices in the forum: a forum started with SMTP set up would
    otherwise mail its decisions, solutions and ideas to example.com's addresses."""
    seed_demo_content(engine, threads=20)
    db.expire_all()
    notices = db.execute(select(func.count()).select_from(Notification)).scalar_one()
    mails = db.execute(select(Job).where(col(Job.type).startswith("mail."))).scalars().all()
    assert notices > 0  # the demo's staff scenario does notify
    assert mails == []


def test_the_demos_admin_reads_notices_in_the_forum(engine: Engine, db: Session) -> None:
    """`serve` makes admin@example.com on a first start: no mail for it either."""
    from community.demo import demo_admin_without_mail
    from community.notifications import preferences
    from community.notifications.models import Channel

    admin = make_user(db, email="admin@example.com", role=Role.admin)
    assert admin.id is not None
    assert Channel.email in preferences.channels(db, admin.id).values()
    demo_admin_without_mail(engine, "admin@example.com")
    db.expire_all()
    assert Channel.email not in preferences.channels(db, admin.id).values()
