"""/api/v1/articles: the blog as readers see it, and the staff's writing and four-eyes
steps. The rules are the blog service's."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from sqlmodel import Session

from community.blog import covers, revisions
from community.blog import service as blog
from community.blog.models import Article
from community.blog.schemas import (
    ArticleCreate,
    ArticlePublic,
    ArticlePublish,
    ArticleRevisionStaff,
    ArticlesPublic,
    ArticleStaff,
    ArticleStep,
    ArticleUpdate,
)
from community.config import get_settings
from community.deps import IdPath, SessionDep, ViewerDep
from community.forum.models import Category

router = APIRouter(tags=["blog"])


def _public(session: Session, articles: list[Article]) -> list[ArticlePublic]:
    _loaded = blog.preload(session, articles)  # kept alive while the lookups run
    names = blog.author_names(session, articles)
    base = get_settings().public_url.rstrip("/")
    out = []
    for a in articles:
        assert a.id is not None and a.published_at is not None
        category = session.get(Category, a.category_id)
        cover = covers.cover_path(a)
        out.append(
            ArticlePublic(
                id=a.id,
                title=a.title,
                slug=a.slug,
                teaser=a.teaser,
                body=a.body,
                body_html=a.body_html,
                url=blog.article_url(a),
                category_slug=category.slug if category else "",
                author=names[a.id][0] or None,
                author_name=names[a.id][1],
                published_at=a.published_at,
                comments_enabled=a.comments_enabled,
                comment_count=blog.comment_count(session, a),
                thread_id=a.thread_id,
                cover_url=base + cover if cover else None,
            )
        )
    return out


def _staff(session: Session, article: Article) -> ArticleStaff:
    staff = ArticleStaff.model_validate(article, from_attributes=True)
    revision = revisions.pending_revision(session, article)
    if revision is not None:
        staff.pending_revision = ArticleRevisionStaff.model_validate(revision, from_attributes=True)
    return staff


@router.get("/articles", name="list_articles")
def list_articles(
    session: SessionDep,
    viewer: ViewerDep,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> ArticlesPublic:
    """Published articles the viewer may see, newest first."""
    return ArticlesPublic(items=_public(session, blog.list_articles(session, viewer, limit=limit)))


@router.get("/articles/{article_id}", name="get_article")
def get_article(article_id: IdPath, session: SessionDep, viewer: ViewerDep) -> ArticlePublic:
    return _public(session, [blog.get_article(session, viewer, article_id)])[0]


@router.get("/admin/articles", name="list_articles_for_staff")
def list_for_staff(session: SessionDep, viewer: ViewerDep) -> list[ArticleStaff]:
    """Every article in every state (staff only)."""
    return [_staff(session, a) for a in blog.staff_articles(session, viewer)]


@router.post("/articles", name="create_article", status_code=201)
def create(data: ArticleCreate, session: SessionDep, viewer: ViewerDep) -> ArticleStaff:
    return _staff(session, blog.create_article(session, viewer, **data.model_dump()))


@router.patch("/articles/{article_id}", name="update_article")
def update(
    article_id: IdPath, data: ArticleUpdate, session: SessionDep, viewer: ViewerDep
) -> ArticleStaff:
    """Drafts change at once; on a published article the edit waits as `pending_revision`
    until a second staff member approves it (a further edit replaces it)."""
    article = revisions.update_article(session, viewer, article_id, **data.model_dump())
    return _staff(session, article)


@router.post("/articles/{article_id}/review", name="submit_article_for_review")
def submit(article_id: IdPath, session: SessionDep, viewer: ViewerDep) -> ArticleStaff:
    return _staff(session, blog.submit_for_review(session, viewer, article_id))


@router.post("/articles/{article_id}/return", name="return_article_to_draft")
def send_back(
    article_id: IdPath, data: ArticleStep, session: SessionDep, viewer: ViewerDep
) -> ArticleStaff:
    return _staff(session, blog.return_to_draft(session, viewer, article_id, data.note))


@router.post("/articles/{article_id}/publish", name="publish_article")
def publish(
    article_id: IdPath, data: ArticlePublish, session: SessionDep, viewer: ViewerDep
) -> ArticleStaff:
    """By a second staff member: neither the author nor who sent it to review."""
    return _staff(session, blog.publish(session, viewer, article_id, at=data.at))


@router.post("/articles/{article_id}/withdraw", name="withdraw_article")
def withdraw(
    article_id: IdPath, data: ArticleStep, session: SessionDep, viewer: ViewerDep
) -> ArticleStaff:
    return _staff(session, blog.withdraw(session, viewer, article_id, data.note))


@router.post("/articles/{article_id}/revision/approve", name="approve_article_revision")
def approve_revision(article_id: IdPath, session: SessionDep, viewer: ViewerDep) -> ArticleStaff:
    """By staff who did not edit the pending revision: the live article takes it and
    `article.updated` is sent."""
    return _staff(session, revisions.approve_revision(session, viewer, article_id))


@router.post("/articles/{article_id}/revision/reject", name="reject_article_revision")
def reject_revision(
    article_id: IdPath, data: ArticleStep, session: SessionDep, viewer: ViewerDep
) -> ArticleStaff:
    """Discards the pending revision; the note goes to the audit log."""
    return _staff(session, revisions.reject_revision(session, viewer, article_id, data.note))
