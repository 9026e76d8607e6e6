"""Staff pages of the blog (/admin/blog): the list, writing with the editor and a preview,
the four-eyes steps (to review, back to draft, publish now or at a time, withdraw), the
cover picture, and the "Aktuell" slot. The rules are the blog service's."""

from __future__ import annotations

from datetime import datetime
from functools import partial
from typing import Annotated, Any, Literal

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import select
from sqlmodel import Session, col

from community.accounts.viewer import Viewer
from community.auth import check_csrf
from community.blog import covers, revisions, spotlight
from community.blog import service as blog
from community.blog.models import Article, ArticleRevision
from community.clock import utcnow
from community.deps import IdPath, SessionDep
from community.errors import CommunityError, InvalidInput
from community.forum import boards
from community.forum import permissions as perms
from community.forum import service as forum
from community.forum.markdown import render_markdown
from community.forum.models import Category
from community.moderation import audit_text
from community.moderation.models import AuditEntry
from community.text import CleanStr
from community.web.deps import CsrfField, WebViewer, login_first, see_other
from community.web.forms import form_error
from community.web.pages import render

router = APIRouter(include_in_schema=False)

Title = Annotated[CleanStr, Form(max_length=150)]
Teaser = Annotated[CleanStr, Form(max_length=400)]
Body = Annotated[CleanStr, Form(max_length=20_000)]
Board = Annotated[str, Form(max_length=60)]
Action = Annotated[str, Form(max_length=10)]


def _form_of(article: Article | None, session: Session) -> dict[str, Any]:
    if article is None:
        return {"title": "", "teaser": "", "body": "", "category": "", "comments": True}
    category = session.get(Category, article.category_id)
    # A further edit starts from the pending revision, so it replaces it without losing it.
    text: Article | ArticleRevision = revisions.pending_revision(session, article) or article
    return {
        "title": text.title,
        "teaser": text.teaser,
        "body": text.body,
        "category": category.slug if category else "",
        "comments": text.comments_enabled,
    }


def _history(session: Session, article: Article) -> list[Any]:
    entries = list(
        session.execute(
            select(AuditEntry)
            .where(
                col(AuditEntry.target_type) == "article", col(AuditEntry.target_id) == article.id
            )
            .order_by(col(AuditEntry.id).desc())
        ).scalars()
    )
    return audit_text.describe(session, entries)


def _page(
    session: Session,
    viewer: Viewer,
    article: Article | None,
    form: dict[str, Any] | None = None,
    preview: str | None = None,
) -> dict[str, Any]:
    users = forum.users_by_id(
        session, [article.author_id, article.submitted_by_id] if article else []
    )
    revision = revisions.pending_revision(session, article) if article else None
    return {
        "revision": revision,
        "may_review": revision is not None and revisions.may_review(viewer, revision),
        "revision_cover": covers.revision_cover_path(article)
        if article and revision and revision.cover_change == "replace"
        else None,
        "article": article,
        "form": form or _form_of(article, session),
        "categories": boards.list_categories(session, viewer),
        "preview": preview,
        "author": users.get(article.author_id or 0) if article else None,
        "may_publish": article is not None
        and article.status == "review"
        and viewer.user_id not in (article.author_id, article.submitted_by_id),
        "history": _history(session, article) if article else [],
        "cover": covers.cover_path(article) if article else None,
        "path": blog.article_path(article) if article else None,
        "now": utcnow(),
    }


@router.get("/admin/blog", response_class=HTMLResponse)
def list_page(request: Request, session: SessionDep, viewer: WebViewer) -> Response:
    if viewer.user is None:
        return login_first("/admin/blog")
    articles = blog.staff_articles(session, viewer)
    users = forum.users_by_id(session, [a.author_id for a in articles])
    pending = set(session.execute(select(col(ArticleRevision.article_id))).scalars())
    queue = [a for a in articles if a.status == "review" or a.id in pending]
    return render(
        request,
        "admin_blog.html",
        {"articles": articles, "users": users, "now": utcnow(), "queue": queue, "pending": pending},
    )


@router.get("/admin/blog/new", response_class=HTMLResponse)
def new_page(request: Request, session: SessionDep, viewer: WebViewer) -> Response:
    if viewer.user is None:
        return login_first("/admin/blog/new")
    perms.require_staff(viewer)
    return render(request, "admin_blog_edit.html", _page(session, viewer, None))


def _typed(title: str, teaser: str, body: str, category: str, comments: str) -> dict[str, Any]:
    return {
        "title": title,
        "teaser": teaser,
        "body": body,
        "category": category,
        "comments": comments == "on",
    }


@router.post("/admin/blog/new", response_model=None)
def create(
    request: Request,
    session: SessionDep,
    viewer: WebViewer,
    csrf_token: CsrfField,
    title: Title = "",
    teaser: Teaser = "",
    body: Body = "",
    category: Board = "",
    comments: Annotated[str, Form(max_length=3)] = "",
    action: Action = "save",
) -> Response:
    check_csrf(request, csrf_token)
    form = _typed(title, teaser, body, category, comments)
    if action == "preview":
        context = _page(session, viewer, None, form, render_markdown(body))
        return render(request, "admin_blog_edit.html", context)
    try:
        article = blog.create_article(
            session,
            viewer,
            title=title,
            teaser=teaser,
            body=body,
            category_slug=category,
            comments_enabled=form["comments"],
        )
    except CommunityError as exc:
        again = partial(_page, session, viewer, None, form)
        return form_error(request, session, "admin_blog_edit.html", again, exc)
    return see_other(f"/admin/blog/{article.id}", flash="article_saved")


@router.get("/admin/blog/{article_id}", response_class=HTMLResponse)
def edit_page(
    article_id: IdPath, request: Request, session: SessionDep, viewer: WebViewer
) -> Response:
    if viewer.user is None:
        return login_first(f"/admin/blog/{article_id}")
    article = blog.staff_article(session, viewer, article_id)
    return render(request, "admin_blog_edit.html", _page(session, viewer, article))


@router.post("/admin/blog/{article_id}", response_model=None)
def save(
    article_id: IdPath,
    request: Request,
    session: SessionDep,
    viewer: WebViewer,
    csrf_token: CsrfField,
    title: Title = "",
    teaser: Teaser = "",
    body: Body = "",
    category: Board = "",
    comments: Annotated[str, Form(max_length=3)] = "",
    action: Action = "save",
) -> Response:
    check_csrf(request, csrf_token)
    article = blog.staff_article(session, viewer, article_id)
    form = _typed(title, teaser, body, category, comments)
    if action == "preview":
        context = _page(session, viewer, article, form, render_markdown(body))
        return render(request, "admin_blog_edit.html", context)
    try:
        revisions.update_article(
            session,
            viewer,
            article_id,
            title=title,
            teaser=teaser,
            body=body,
            category_slug=category or None,
            comments_enabled=form["comments"],
        )
    except CommunityError as exc:
        again = partial(_page, session, viewer, article, form)
        return form_error(request, session, "admin_blog_edit.html", again, exc)
    if revisions.pending_revision(session, article) is not None:
        return see_other(f"/admin/blog/{article_id}", flash="article_revision_saved")
    return see_other(f"/admin/blog/{article_id}", flash="article_saved")


def _moment(value: str) -> datetime | None:
    """The publish form's datetime-local field (UTC, as the page says)."""
    if not value.strip():
        return None
    try:
        return datetime.fromisoformat(value.strip())
    except ValueError:
        raise InvalidInput(
            "Bitte geben Sie Datum und Uhrzeit an (JJJJ-MM-TTTHH:MM).", code="invalid_at"
        ) from None


@router.post("/admin/blog/{article_id}/{step}", response_model=None)
def step(
    article_id: IdPath,
    step: Literal["submit", "return", "publish", "withdraw", "approve", "reject"],
    request: Request,
    session: SessionDep,
    viewer: WebViewer,
    csrf_token: CsrfField,
    at: Annotated[str, Form(max_length=20)] = "",
    note: Annotated[CleanStr, Form(max_length=500)] = "",
) -> Response:
    check_csrf(request, csrf_token)
    if step == "submit":
        blog.submit_for_review(session, viewer, article_id)
    elif step == "return":
        blog.return_to_draft(session, viewer, article_id, note)
    elif step == "withdraw":
        blog.withdraw(session, viewer, article_id, note)
    elif step == "approve":
        revisions.approve_revision(session, viewer, article_id)
    elif step == "reject":
        revisions.reject_revision(session, viewer, article_id, note)
    else:
        article = blog.staff_article(session, viewer, article_id)
        try:
            blog.publish(session, viewer, article_id, at=_moment(at))
        except CommunityError as exc:
            again = partial(_page, session, viewer, article)
            return form_error(request, session, "admin_blog_edit.html", again, exc)
    return see_other(f"/admin/blog/{article_id}", flash=f"article_{step}")


@router.get("/admin/blog/{article_id}/revision-cover.webp")
def revision_cover(article_id: IdPath, session: SessionDep, viewer: WebViewer) -> Response:
    image = covers.revision_cover(session, viewer, article_id)
    return Response(image, media_type="image/webp", headers={"Cache-Control": "private, no-store"})


@router.post("/admin/blog/{article_id}/cover/upload", response_model=None)
def upload_cover(
    article_id: IdPath,
    request: Request,
    session: SessionDep,
    viewer: WebViewer,
    csrf_token: CsrfField,
    picture: Annotated[UploadFile | None, File()] = None,
    remove: Annotated[str, Form(max_length=3)] = "",
) -> Response:
    check_csrf(request, csrf_token)
    article = blog.staff_article(session, viewer, article_id)
    try:
        if remove:
            covers.remove_cover(session, viewer, article_id)
        elif picture is None or not picture.filename:
            raise InvalidInput("Bitte wählen Sie ein Bild aus.", code="avatar_type")
        else:
            data = picture.file.read(covers.MAX_UPLOAD_BYTES + 1)
            covers.save_cover(session, viewer, article_id, data)
    except CommunityError as exc:
        again = partial(_page, session, viewer, article)
        return form_error(request, session, "admin_blog_edit.html", again, exc, key="cover_error")
    if revisions.pending_revision(session, article) is not None:
        return see_other(f"/admin/blog/{article_id}", flash="article_revision_saved")
    return see_other(f"/admin/blog/{article_id}", flash="article_saved")


# ---- the "Aktuell" slot ------------------------------------------------------------------


def _spotlight_page(
    session: Session, viewer: Viewer, form: dict[str, str] | None = None
) -> dict[str, Any]:
    return {
        "spotlights": spotlight.list_all(session, viewer),
        "current": spotlight.current(session),
        "form": form or {"title": "", "text": "", "link_url": "", "starts_at": "", "ends_at": ""},
    }


@router.get("/admin/spotlight", response_class=HTMLResponse)
def spotlight_page(request: Request, session: SessionDep, viewer: WebViewer) -> Response:
    if viewer.user is None:
        return login_first("/admin/spotlight")
    return render(request, "admin_spotlight.html", _spotlight_page(session, viewer))


@router.post("/admin/spotlight", response_model=None)
def spotlight_create(
    request: Request,
    session: SessionDep,
    viewer: WebViewer,
    csrf_token: CsrfField,
    title: Annotated[CleanStr, Form(max_length=120)] = "",
    text: Annotated[CleanStr, Form(max_length=400)] = "",
    link_url: Annotated[str, Form(max_length=500)] = "",
    starts_at: Annotated[str, Form(max_length=20)] = "",
    ends_at: Annotated[str, Form(max_length=20)] = "",
) -> Response:
    check_csrf(request, csrf_token)
    form = {
        "title": title,
        "text": text,
        "link_url": link_url,
        "starts_at": starts_at,
        "ends_at": ends_at,
    }
    try:
        start, end = _moment(starts_at), _moment(ends_at)
        if start is None or end is None:
            raise InvalidInput("Bitte geben Sie Beginn und Ende an.", code="invalid_period")
        spotlight.create(
            session,
            viewer,
            title=title,
            text=text,
            link_url=link_url,
            starts_at=start,
            ends_at=end,
        )
    except CommunityError as exc:
        again = partial(_spotlight_page, session, viewer, form)
        return form_error(request, session, "admin_spotlight.html", again, exc)
    return see_other("/admin/spotlight", flash="spotlight_saved")


@router.post("/admin/spotlight/{spotlight_id}/delete", response_model=None)
def spotlight_delete(
    spotlight_id: IdPath,
    request: Request,
    session: SessionDep,
    viewer: WebViewer,
    csrf_token: CsrfField,
) -> Response:
    check_csrf(request, csrf_token)
    spotlight.delete(session, viewer, spotlight_id)
    return see_other("/admin/spotlight", flash="spotlight_deleted")
