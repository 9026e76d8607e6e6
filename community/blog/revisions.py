"""Editing an article, with four eyes on what readers already see.

Drafts, articles in review and withdrawn ones change at once. An edit of a published
article (live or scheduled) is kept as a pending revision that readers do not see; a
second staff member who did not edit it approves it (the live article takes it, audited,
`article.updated`) or rejects it (discarded, audited). There is one revision per article:
an edit before the review replaces it, starting from it (the edit form shows the pending
text), and whoever edited it is excluded from approving it."""

from __future__ import annotations

import secrets
from typing import Any

from sqlalchemy import delete, select
from sqlmodel import Session, col

from community.accounts.viewer import Viewer
from community.blog import service
from community.blog.models import Article, ArticleCover, ArticleRevision, ArticleStatus
from community.clock import utcnow
from community.errors import Conflict, Forbidden
from community.forum.boards import get_category
from community.forum.markdown import render_markdown
from community.forum.models import Post, Thread
from community.forum.service import check_body, check_title
from community.forum.slugs import slugify
from community.indexing import service as indexing
from community.moderation import audit

NOT_OWN = "Ein zweites Teammitglied muss die Änderung prüfen."


def pending_revision(session: Session, article: Article) -> ArticleRevision | None:
    return session.get(ArticleRevision, article.id) if article.id is not None else None


def may_review(viewer: Viewer, revision: ArticleRevision) -> bool:
    return viewer.user_id is not None and viewer.user_id not in revision.editor_ids


def _live(article: Article) -> bool:
    return article.status == ArticleStatus.published.value


def update_article(
    session: Session,
    viewer: Viewer,
    article_id: int,
    *,
    title: str | None = None,
    teaser: str | None = None,
    body: str | None = None,
    category_slug: str | None = None,
    comments_enabled: bool | None = None,
) -> Article:
    article = service.staff_article(session, viewer, article_id)
    if category_slug:
        category = get_category(session, viewer, category_slug)
        assert category.id is not None
        if article.thread_id is not None and category.id != article.category_id:
            raise Conflict(
                "Ein veröffentlichter Artikel bleibt in seinem Bereich.", code="board_fixed"
            )
    else:
        category = None
    title = check_title(title) if title is not None else None
    teaser = service.check_teaser(teaser) if teaser is not None else None
    body = check_body(body) if body is not None else None
    if _live(article):
        _stage(
            session,
            viewer,
            article,
            title=title,
            teaser=teaser,
            body=body,
            comments_enabled=comments_enabled,
        )
        return article
    before = service.audit_state(article)
    if title is not None:
        article.title, article.slug = title, slugify(title)
    if teaser is not None:
        article.teaser = teaser
    if body is not None:
        article.body, article.body_html = body, render_markdown(body)
    if category is not None:
        assert category.id is not None
        article.category_id = category.id
    if comments_enabled is not None:
        article.comments_enabled = comments_enabled
    article.updated_at = utcnow()
    session.add(article)
    service.sync_thread(session, article)
    session.flush()
    after = service.audit_state(article)
    audit.record(session, viewer, "article.edit", "article", article.id, before=before, after=after)
    return article


def _stage(
    session: Session,
    viewer: Viewer,
    article: Article,
    *,
    title: str | None = None,
    teaser: str | None = None,
    body: str | None = None,
    comments_enabled: bool | None = None,
    cover: tuple[str, bytes | None] | None = None,
) -> ArticleRevision | None:
    """Fields left None keep what the pending revision (or else the live article) has."""
    revision = pending_revision(session, article)
    base: Article | ArticleRevision = revision or article
    values: dict[str, Any] = {
        "title": title if title is not None else base.title,
        "teaser": teaser if teaser is not None else base.teaser,
        "body": body if body is not None else base.body,
        "comments_enabled": base.comments_enabled if comments_enabled is None else comments_enabled,
    }
    if revision is None:
        unchanged = all(getattr(article, k) == v for k, v in values.items())
        if unchanged and cover is None:
            return None  # nothing for a second pair of eyes to look at
        assert article.id is not None
        revision = ArticleRevision(article_id=article.id, **values, slug="", body_html="")
    for key, value in values.items():
        setattr(revision, key, value)
    revision.slug = slugify(revision.title)
    revision.body_html = render_markdown(revision.body)
    if cover is not None:
        revision.cover_change, revision.cover_image = cover
    if viewer.user_id not in revision.editor_ids:
        revision.editor_ids = [*revision.editor_ids, viewer.user_id]
    revision.updated_at = utcnow()
    session.add(revision)
    session.flush()
    audit.record(
        session,
        viewer,
        "article.revise",
        "article",
        article.id,
        before=service.audit_state(article),
        after=revision_state(revision),
    )
    return revision


def stage_cover(session: Session, viewer: Viewer, article: Article, image: bytes | None) -> None:
    """A new cover (or its removal, image None) for a published article waits like text."""
    if image is None and not article.cover_key:
        revision = pending_revision(session, article)
        if revision is None or revision.cover_change != "replace":
            return
    _stage(session, viewer, article, cover=("replace", image) if image else ("remove", None))


def revision_state(revision: ArticleRevision) -> dict[str, Any]:
    return {
        "title": revision.title,
        "comments_enabled": revision.comments_enabled,
        "cover": revision.cover_change or None,
    }


def put_cover(session: Session, article: Article, image: bytes | None) -> None:
    """The cover pictures's row and the key in its URL, which changes with every picture."""
    if image is None:
        session.execute(delete(ArticleCover).where(col(ArticleCover.article_id) == article.id))
        article.cover_key = None
        return
    assert article.id is not None
    key = secrets.token_urlsafe(12)
    row = session.get(ArticleCover, article.id)
    if row is None:
        row = ArticleCover(article_id=article.id, key=key, image=image)
    else:
        row.key, row.image = key, image
    article.cover_key = key
    session.add(row)


def _reviewable(
    session: Session, viewer: Viewer, article_id: int
) -> tuple[Article, ArticleRevision]:
    article = service.staff_article(session, viewer, article_id)
    revision = pending_revision(session, article)
    if revision is None or not _live(article):
        raise Conflict("Für diesen Artikel wartet keine Änderung auf Prüfung.", code="no_revision")
    return article, revision


def approve_revision(session: Session, viewer: Viewer, article_id: int) -> Article:
    article, revision = _reviewable(session, viewer, article_id)
    if not may_review(viewer, revision):
        raise Forbidden(NOT_OWN, code="four_eyes")
    before = service.audit_state(article)
    article.title, article.slug = revision.title, revision.slug
    article.teaser = revision.teaser
    article.body, article.body_html = revision.body, revision.body_html
    article.comments_enabled = revision.comments_enabled
    if revision.cover_change:
        put_cover(session, article, revision.cover_image)
    article.updated_at = utcnow()
    session.delete(revision)
    session.add(article)
    session.flush()
    _sync_discussion(session, article)
    audit.record(
        session,
        viewer,
        "article.approve_revision",
        "article",
        article.id,
        before=before,
        after=service.audit_state(article),
    )
    if article.announced_at is not None:
        service.send_event(session, "article.updated", article)
    return article


def reject_revision(session: Session, viewer: Viewer, article_id: int, note: str = "") -> Article:
    article, revision = _reviewable(session, viewer, article_id)
    after = revision_state(revision)
    session.delete(revision)
    session.flush()
    audit.record(
        session,
        viewer,
        "article.reject_revision",
        "article",
        article.id,
        reason=note.strip()[:500],
        before=after,
    )
    return article


def _sync_discussion(session: Session, article: Article) -> None:
    """The comment thread carries the article's title and teaser (and its body in the
    search index), so they change with it."""
    service.sync_thread(session, article)
    thread = session.get(Thread, article.thread_id) if article.thread_id else None
    if thread is None:
        return
    thread.title, thread.slug = article.title, article.slug
    session.add(thread)
    opening = session.execute(
        select(Post).where(col(Post.thread_id) == thread.id, col(Post.is_opening))
    ).scalar_one_or_none()
    if opening is not None:
        opening.body = service.opening_text(article)
        opening.body_html = render_markdown(opening.body)
        session.add(opening)
    session.flush()
    indexing.thread_changed(session, thread.id)
