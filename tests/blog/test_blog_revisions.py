"""Four eyes on a published article: an edit waits as a revision readers do not see until a
second staff member approves it (or rejects it); the article's words are in the search,
for its readers only."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select
from sqlmodel import Session, col

from community.accounts.models import Role, User
from community.accounts.viewer import ANONYMOUS, viewer_for
from community.blog import revisions
from community.blog import service as blog
from community.blog.models import Article, ArticleRevision
from community.errors import Conflict, Forbidden
from community.events.models import Event
from community.forum.models import Thread
from community.indexing import service as indexing
from community.jobs.worker import Worker
from community.moderation.models import AuditEntry
from tests.api.test_openapi_errors import _check
from tests.factories import make_category, make_group, make_user, sign_in


def _post(client: TestClient, url: str, **fields: str) -> Any:
    fields["csrf_token"] = client.cookies.get("community_csrf") or ""
    return client.post(url, data=fields, follow_redirects=False)


@pytest.fixture
def staff(db: Session) -> tuple[User, User, User]:
    return (
        make_user(db, nickname="Autorin", staff=True),
        make_user(db, nickname="Pruefer", role=Role.moderator, staff=True),
        make_user(db, nickname="Dritte", staff=True),
    )


def _live(db: Session, staff: tuple[User, ...], groups: Any = ()) -> Article:
    author, reviewer = staff[0], staff[1]
    board = make_category(db, groups=list(groups))
    article = blog.create_article(
        db,
        viewer_for(db, author),
        title="Neue Tarife 2027",
        teaser="Was sich für Geschäftskunden ändert.",
        body="Ab Januar gilt das Glasfaserpaket.",
        category_slug=board.slug,
    )
    assert article.id is not None
    blog.submit_for_review(db, viewer_for(db, author), article.id)
    blog.publish(db, viewer_for(db, reviewer), article.id)
    return article


def _actions(db: Session) -> list[str]:
    return list(
        db.execute(
            select(col(AuditEntry.action))
            .where(col(AuditEntry.target_type) == "article")
            .order_by(col(AuditEntry.id))
        ).scalars()
    )


def _events(db: Session) -> list[str]:
    return list(
        db.execute(
            select(col(Event.type)).where(col(Event.type).like("article.%")).order_by(col(Event.id))
        ).scalars()
    )


def test_an_edit_of_a_live_article_waits_for_a_second_staff_member(
    db: Session, staff: tuple[User, User, User]
) -> None:
    author, reviewer, _ = staff
    article = _live(db, staff)
    assert article.id is not None
    revisions.update_article(
        db, viewer_for(db, author), article.id, title="Neue Tarife ab März", body="Ab März."
    )
    shown = blog.get_article(db, ANONYMOUS, article.id)
    assert (shown.title, shown.body) == ("Neue Tarife 2027", "Ab Januar gilt das Glasfaserpaket.")
    assert _events(db) == ["article.published"]
    with pytest.raises(Forbidden) as refused:
        revisions.approve_revision(db, viewer_for(db, author), article.id)
    assert refused.value.code == "four_eyes"
    revisions.approve_revision(db, viewer_for(db, reviewer), article.id)
    shown = blog.get_article(db, ANONYMOUS, article.id)
    assert (shown.title, shown.slug, shown.body) == (
        "Neue Tarife ab März",
        "neue-tarife-ab-maerz",
        "Ab März.",
    )
    thread = db.get(Thread, article.thread_id)
    assert thread is not None and thread.title == "Neue Tarife ab März"
    assert db.get(ArticleRevision, article.id) is None
    assert _events(db) == ["article.published", "article.updated"]
    assert _actions(db)[-2:] == ["article.revise", "article.approve_revision"]
    with pytest.raises(Conflict):  # nothing waits any more
        revisions.approve_revision(db, viewer_for(db, reviewer), article.id)


def test_a_second_edit_replaces_the_pending_one_and_no_editor_may_approve(
    db: Session, staff: tuple[User, User, User]
) -> None:
    author, reviewer, third = staff
    article = _live(db, staff)
    assert article.id is not None
    revisions.update_article(db, viewer_for(db, author), article.id, teaser="Erste Fassung.")
    revisions.update_article(db, viewer_for(db, reviewer), article.id, title="Tarife 2027 neu")
    revision = db.get(ArticleRevision, article.id)
    # The second edit builds on the first: one revision holding both changes.
    assert revision is not None
    assert (revision.title, revision.teaser) == ("Tarife 2027 neu", "Erste Fassung.")
    for editor in (author, reviewer):
        with pytest.raises(Forbidden):
            revisions.approve_revision(db, viewer_for(db, editor), article.id)
    revisions.reject_revision(db, viewer_for(db, third), article.id, "Titel bleibt")
    assert db.get(ArticleRevision, article.id) is None
    shown = blog.get_article(db, ANONYMOUS, article.id)
    assert (shown.title, shown.teaser) == (
        "Neue Tarife 2027",
        "Was sich für Geschäftskunden ändert.",
    )
    rejected = db.execute(
        select(AuditEntry).where(col(AuditEntry.action) == "article.reject_revision")
    ).scalar_one()
    assert rejected.reason == "Titel bleibt" and rejected.actor_id == third.id
    assert _events(db) == ["article.published"]


def test_drafts_change_at_once_and_withdrawing_drops_a_pending_edit(
    db: Session, staff: tuple[User, User, User]
) -> None:
    author, reviewer, _ = staff
    draft = blog.create_article(
        db,
        viewer_for(db, author),
        title="Entwurf eines Artikels",
        teaser="Kurz.",
        body="Text.",
        category_slug=make_category(db).slug,
    )
    assert draft.id is not None
    revisions.update_article(db, viewer_for(db, author), draft.id, title="Besserer Entwurf")
    assert draft.title == "Besserer Entwurf" and db.get(ArticleRevision, draft.id) is None
    article = _live(db, staff)
    assert article.id is not None
    revisions.update_article(db, viewer_for(db, author), article.id, body="Geändert.")
    blog.withdraw(db, viewer_for(db, reviewer), article.id, "veraltet")
    assert db.get(ArticleRevision, article.id) is None
    with pytest.raises(Conflict):
        revisions.approve_revision(db, viewer_for(db, reviewer), article.id)


def test_the_article_text_is_found_by_its_readers_only(
    db: Session, engine: Engine, staff: tuple[User, User, User]
) -> None:
    author, reviewer, _ = staff
    insider, outsider = make_user(db), make_user(db)
    group = make_group(db, members=[insider, author])
    public = _live(db, staff)
    closed = _live(db, staff, groups=[group])
    db.commit()
    Worker(engine).run_until_empty()

    def found(viewer_user: User | None, words: str) -> set[int]:
        viewer = viewer_for(db, viewer_user) if viewer_user else ANONYMOUS
        hits = indexing.search(db, viewer, indexing.SearchQuery(q=words)).hits
        return {h.id for h in hits}

    # "Glasfaserpaket" is only in the articles' bodies, not in title or teaser.
    assert found(insider, "Glasfaserpaket") == {public.thread_id, closed.thread_id}
    assert found(outsider, "Glasfaserpaket") == {public.thread_id}
    assert found(None, "Glasfaserpaket") == {public.thread_id}
    assert public.id is not None
    revisions.update_article(db, viewer_for(db, author), public.id, body="Jetzt mit Richtfunk.")
    db.commit()
    Worker(engine).run_until_empty()
    assert found(None, "Richtfunk") == set()  # a pending edit is not live, nor searchable
    revisions.approve_revision(db, viewer_for(db, reviewer), public.id)
    db.commit()
    Worker(engine).run_until_empty()
    assert found(None, "Richtfunk") == {public.thread_id}
    blog.withdraw(db, viewer_for(db, reviewer), public.id)
    db.commit()
    Worker(engine).run_until_empty()
    assert found(insider, "Richtfunk") == set()


def test_the_staff_pages_show_queue_review_and_keep_a_refused_edit(
    db: Session, make_client: Any, staff: tuple[User, User, User]
) -> None:
    author, reviewer, _ = staff
    article = _live(db, staff)
    db.commit()
    writer, checker, reader = make_client(), make_client(), make_client()
    sign_in(writer, author)
    sign_in(checker, reviewer)
    url = f"/admin/blog/{article.id}"
    edit = {"title": "Tarife ab März", "teaser": "Neu.", "body": "Ab **März**.", "comments": "on"}
    refused = _post(writer, url, **{**edit, "title": "ab"})
    assert refused.status_code == 422 and "Ab **März**." in refused.text
    saved = _post(writer, url, **edit)
    assert saved.status_code == 303
    own = writer.get(url).text
    assert "Änderung wartet auf Prüfung" in own and "sobald ein zweites Teammitglied" in own
    assert 'value="Tarife ab März"' in own  # the next edit starts from the pending one
    assert "Änderung freigeben" not in own
    assert _post(writer, f"{url}/approve").status_code == 403
    live = reader.get(f"/blog/{article.id}/{article.slug}").text
    assert "Neue Tarife 2027" in live and "Tarife ab März" not in live
    queue = checker.get("/admin/blog").text
    assert f'href="{url}"' in queue.split("Alle Artikel")[0]
    assert "Änderung wartet auf Prüfung" in queue
    review = checker.get(url).text
    assert "Änderung freigeben" in review and "<strong>März</strong>" in review
    reviewer.locale = "en"
    db.add(reviewer)
    db.commit()
    english = checker.get(url).text
    assert "Change awaiting review" in english and "Approve the change" in english
    assert _post(checker, f"{url}/approve").status_code == 303
    page = reader.get(f"/blog/{article.id}/tarife-ab-maerz")
    assert page.status_code == 200 and "Tarife ab März" in page.text
    assert "Nichts wartet auf Prüfung." in writer.get("/admin/blog").text
    history = writer.get(url).text
    assert "Änderung am Blog-Artikel" in history and "freigegeben" in history


def test_the_api_shows_the_pending_revision_and_approves_with_four_eyes(
    db: Session, app: Any, make_client: Any, staff: tuple[User, User, User]
) -> None:
    author, reviewer, _ = staff
    article = _live(db, staff)
    db.commit()
    spec = app.openapi()
    writer, checker = make_client(), make_client()
    sign_in(writer, author)
    sign_in(checker, reviewer)
    edited = writer.patch(f"/api/v1/articles/{article.id}", json={"teaser": "Kürzer."})
    assert edited.status_code == 200
    _check(spec, "update_article", edited)
    assert edited.json()["teaser"] == "Was sich für Geschäftskunden ändert."
    assert edited.json()["pending_revision"]["teaser"] == "Kürzer."
    assert edited.json()["pending_revision"]["editor_ids"] == [author.id]
    own = writer.post(f"/api/v1/articles/{article.id}/revision/approve")
    assert own.status_code == 403 and own.json()["error"] == "four_eyes"
    approved = checker.post(f"/api/v1/articles/{article.id}/revision/approve")
    _check(spec, "approve_article_revision", approved)
    assert approved.json()["teaser"] == "Kürzer." and approved.json()["pending_revision"] is None
    nothing = checker.post(f"/api/v1/articles/{article.id}/revision/reject", json={})
    assert nothing.status_code == 409 and nothing.json()["error"] == "no_revision"
