"""Blog rules: staff write articles, a second staff member publishes them (now or at a
set time), and readers see an article exactly where they see its board.

Scheduling is decided at read time (`published_at <= now`), so a scheduled article never
shows early and never late; the go-live job only sends `article.published` and opens
the comment thread."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import delete, select
from sqlmodel import Session, col

from community.accounts.models import User
from community.accounts.staff import staff_display_name, staff_names_shown
from community.accounts.viewer import Viewer
from community.blog.models import Article, ArticleRevision, ArticleStatus
from community.clock import utcnow
from community.config import get_settings
from community.errors import Conflict, Forbidden, InvalidInput, NotFound, check_all
from community.events.service import record_event
from community.forum import permissions as perms
from community.forum.boards import get_category
from community.forum.counters import count_new_post, recompute_category, recount_posts
from community.forum.markdown import render_markdown
from community.forum.models import Category, CategoryGroup, Post, Thread, ThreadKind
from community.forum.service import check_body, check_title, publish_thread
from community.forum.slugs import slugify
from community.indexing import service as indexing
from community.jobs.service import enqueue, handler
from community.moderation import audit

GO_LIVE_JOB = "blog.go_live"
TEASER_MAX = 400


# ---- who sees what (the rules live in community/forum/permissions.py) -------------------


def get_article(session: Session, viewer: Viewer, article_id: int) -> Article:
    article = session.get(Article, article_id)
    if article is None or not perms.can_see_article(session, viewer, article):
        raise NotFound("Diesen Artikel gibt es nicht.")
    return article


def list_articles(
    session: Session, viewer: Viewer, *, limit: int = 20, category_id: int | None = None
) -> list[Article]:
    query = (
        select(Article)
        .where(perms.visible_articles_filter(viewer))
        .order_by(col(Article.published_at).desc(), col(Article.id).desc())
        .limit(limit)
    )
    if category_id is not None:
        query = query.where(col(Article.category_id) == category_id)
    return list(session.execute(query).scalars())


def newest_article(session: Session, viewer: Viewer) -> Article | None:
    found = list_articles(session, viewer, limit=1)
    return found[0] if found else None


def article_path(article: Article) -> str:
    return f"/blog/{article.id}/{article.slug}"


def article_url(article: Article) -> str:
    return get_settings().public_url.rstrip("/") + article_path(article)


def preload(session: Session, articles: list[Article]) -> list[Any]:
    """Authors, boards and comment threads of a list in three queries, so the per-article
    lookups below find them in the session instead of asking once per article. The caller
    keeps the returned rows while it works: the session holds them only weakly."""
    rows: list[Any] = []
    for model, ids in (
        (User, {a.author_id for a in articles}),
        (Category, {a.category_id for a in articles}),
        (Thread, {a.thread_id for a in articles}),
    ):
        wanted = ids - {None}
        if wanted:
            query = select(model).where(col(model.id).in_(wanted))  # type: ignore[attr-defined]
            rows += session.execute(query).scalars()
    return rows


def author_names(session: Session, articles: list[Article]) -> dict[int, tuple[str, str | None]]:
    """Per article id: the author's nickname and, per the staff-display setting, "Anna K."."""
    shown = staff_names_shown(session)
    out: dict[int, tuple[str, str | None]] = {}
    for article in articles:
        user = session.get(User, article.author_id) if article.author_id else None
        if user is None or user.erased_at is not None:
            out[article.id or 0] = ("", None)
        else:
            out[article.id or 0] = (user.nickname, staff_display_name(user, shown=shown))
    return out


def comment_count(session: Session, article: Article) -> int:
    thread = session.get(Thread, article.thread_id) if article.thread_id else None
    return thread.reply_count if thread is not None else 0


# ---- writing (staff) --------------------------------------------------------------------


def check_teaser(teaser: str) -> str:
    teaser = " ".join(teaser.split())
    if not teaser:
        raise InvalidInput("Bitte geben Sie einen Anreißer ein.", code="invalid_teaser")
    if len(teaser) > TEASER_MAX:
        raise InvalidInput(
            "Der Anreißer darf höchstens 400 Zeichen lang sein.", code="invalid_teaser"
        )
    return teaser


def staff_article(session: Session, viewer: Viewer, article_id: int) -> Article:
    perms.require_staff(viewer)
    article = session.get(Article, article_id)
    if article is None:
        raise NotFound("Diesen Artikel gibt es nicht.")
    return article


def staff_articles(session: Session, viewer: Viewer) -> list[Article]:
    perms.require_staff(viewer)
    return list(
        session.execute(
            select(Article).order_by(col(Article.updated_at).desc(), col(Article.id).desc())
        ).scalars()
    )


def audit_state(article: Article) -> dict[str, Any]:
    return {
        "status": article.status,
        "title": article.title,
        "published_at": article.published_at.isoformat() if article.published_at else None,
        "comments_enabled": article.comments_enabled,
    }


def create_article(
    session: Session,
    viewer: Viewer,
    *,
    title: str,
    teaser: str,
    body: str,
    category_slug: str,
    comments_enabled: bool = True,
) -> Article:
    perms.require_staff(viewer)
    assert viewer.user is not None

    def board() -> Category:
        if not category_slug:
            raise InvalidInput("Bitte wählen Sie einen Bereich.", code="board_required")
        return get_category(session, viewer, category_slug)

    category, title, body = check_all(
        ("category", board),
        ("title", lambda: check_title(title)),
        ("body", lambda: check_body(body)),
    )
    assert category.id is not None
    article = Article(
        category_id=category.id,
        author_id=viewer.user.id,
        title=title,
        slug=slugify(title),
        teaser=check_teaser(teaser),
        body=body,
        body_html=render_markdown(body),
        comments_enabled=comments_enabled,
    )
    session.add(article)
    session.flush()
    audit.record(
        session, viewer, "article.create", "article", article.id, after=audit_state(article)
    )
    return article


def submit_for_review(session: Session, viewer: Viewer, article_id: int) -> Article:
    article = staff_article(session, viewer, article_id)
    if article.status not in (ArticleStatus.draft.value, ArticleStatus.withdrawn.value):
        raise Conflict("Dieser Artikel ist kein Entwurf.", code="not_draft")
    before = audit_state(article)
    article.status = ArticleStatus.review.value
    article.submitted_by_id = viewer.user_id
    article.updated_at = utcnow()
    session.add(article)
    session.flush()
    audit.record(
        session,
        viewer,
        "article.submit",
        "article",
        article.id,
        before=before,
        after=audit_state(article),
    )
    return article


def return_to_draft(session: Session, viewer: Viewer, article_id: int, note: str = "") -> Article:
    article = staff_article(session, viewer, article_id)
    if article.status != ArticleStatus.review.value:
        raise Conflict("Dieser Artikel wartet nicht auf Prüfung.", code="not_in_review")
    before = audit_state(article)
    article.status = ArticleStatus.draft.value
    article.updated_at = utcnow()
    session.add(article)
    session.flush()
    audit.record(
        session,
        viewer,
        "article.return",
        "article",
        article.id,
        reason=note.strip()[:500],
        before=before,
        after=audit_state(article),
    )
    return article


def publish(
    session: Session, viewer: Viewer, article_id: int, *, at: datetime | None = None
) -> Article:
    """The second pair of eyes: neither the author nor who sent it to review may publish."""
    article = staff_article(session, viewer, article_id)
    if article.status != ArticleStatus.review.value:
        raise Conflict(
            "Nur ein Artikel in Prüfung kann veröffentlicht werden.", code="not_in_review"
        )
    if viewer.user_id in (article.author_id, article.submitted_by_id):
        raise Forbidden(
            "Ein zweites Teammitglied muss den Artikel prüfen und veröffentlichen.",
            code="four_eyes",
        )
    now = utcnow()
    if at is not None:
        at = at.replace(tzinfo=UTC) if at.tzinfo is None else at.astimezone(UTC)
    if at is not None and at < now:
        raise InvalidInput(
            "Der Zeitpunkt der Veröffentlichung liegt in der Vergangenheit.", code="invalid_at"
        )
    before = audit_state(article)
    article.status = ArticleStatus.published.value
    article.published_by_id = viewer.user_id
    article.published_at = at or now
    article.announced_at = None
    article.updated_at = now
    session.add(article)
    session.flush()
    audit.record(
        session,
        viewer,
        "article.publish",
        "article",
        article.id,
        before=before,
        after=audit_state(article),
    )
    if article.published_at <= now:
        go_live(session, article)
    else:
        delay = (article.published_at - now).total_seconds()
        enqueue(session, GO_LIVE_JOB, {"article_id": article.id}, delay_seconds=delay)
    return article


def withdraw(session: Session, viewer: Viewer, article_id: int, reason: str = "") -> Article:
    article = staff_article(session, viewer, article_id)
    if article.status != ArticleStatus.published.value:
        raise Conflict("Dieser Artikel ist nicht veröffentlicht.", code="not_published")
    before = audit_state(article)
    was_announced = article.announced_at is not None
    # A pending edit was meant for the live article; a withdrawn one is edited freely.
    session.execute(delete(ArticleRevision).where(col(ArticleRevision.article_id) == article.id))
    article.status = ArticleStatus.withdrawn.value
    article.updated_at = utcnow()
    session.add(article)
    sync_thread(session, article)
    session.flush()
    audit.record(
        session,
        viewer,
        "article.withdraw",
        "article",
        article.id,
        reason=reason.strip()[:500],
        before=before,
        after=audit_state(article),
    )
    if was_announced:
        send_event(session, "article.withdrawn", article)
    article.announced_at = None
    session.add(article)
    session.flush()
    return article


# ---- going live -------------------------------------------------------------------------


def go_live(session: Session, article: Article) -> None:
    """Once per publication, when it is due: open (or reopen) the comment thread and send
    `article.published`."""
    if (
        article.status != ArticleStatus.published.value
        or article.published_at is None
        or article.published_at > utcnow()
        or article.announced_at is not None
    ):
        return
    if article.thread_id is None or session.get(Thread, article.thread_id) is None:
        _open_thread(session, article)
    article.announced_at = utcnow()
    session.add(article)
    sync_thread(session, article)
    session.flush()
    send_event(session, "article.published", article)


@handler(GO_LIVE_JOB)
def _go_live_job(session: Session, payload: dict[str, Any]) -> None:
    article = session.get(Article, payload.get("article_id"))
    if article is not None:
        go_live(session, article)


def opening_text(article: Article) -> str:
    return f"{article.teaser}\n\n[→ {article.title}]({article_url(article)})"


def _open_thread(session: Session, article: Article) -> None:
    """The comments are the replies of a discussion in the article's board, so kudos,
    reports, moderation, limits and search work as for any reply."""
    author_id = article.author_id or article.published_by_id
    assert author_id is not None and article.id is not None
    now = utcnow()
    body = opening_text(article)
    thread = Thread(
        category_id=article.category_id,
        author_id=author_id,
        kind=ThreadKind.discussion.value,
        title=article.title,
        slug=article.slug,
        created_at=now,
        last_post_at=now,
        last_poster_id=author_id,
    )
    session.add(thread)
    session.flush()
    post = Post(
        thread_id=thread.id,  # type: ignore[arg-type]
        author_id=author_id,
        is_opening=True,
        body=body,
        body_html=render_markdown(body),
        created_at=now,
    )
    session.add(post)
    session.flush()
    thread.last_post_id = post.id
    session.add(thread)
    article.thread_id = thread.id
    session.add(article)
    session.flush()
    recompute_category(session, article.category_id)
    count_new_post(session, thread, author_id)
    publish_thread(session, thread, post)


def sync_thread(session: Session, article: Article) -> None:
    """The comment thread follows the article: hidden while it is not live, locked while
    comments are off."""
    thread = session.get(Thread, article.thread_id) if article.thread_id else None
    if thread is None:
        return
    hidden = article.status != ArticleStatus.published.value
    locked = not article.comments_enabled
    if (thread.is_hidden, thread.is_locked) != (hidden, locked):
        was_hidden = thread.is_hidden
        thread.is_hidden, thread.is_locked = hidden, locked
        session.add(thread)
        session.flush()
        if was_hidden != hidden:  # the board's counters leave hidden threads out
            recompute_category(session, thread.category_id)
            recount_posts(session, thread)
        indexing.thread_changed(session, thread.id)


def send_event(session: Session, type_: str, article: Article) -> None:
    category = session.get(Category, article.category_id)
    closed = session.execute(
        select(col(CategoryGroup.group_id)).where(
            col(CategoryGroup.category_id) == article.category_id
        )
    ).first()
    author = session.get(User, article.author_id) if article.author_id else None
    payload: dict[str, Any] = {
        "article_id": article.id,
        "thread_id": article.thread_id,
        "category_id": article.category_id,
        "category_slug": category.slug if category else None,
        "title": article.title,
        "teaser": article.teaser,
        "url": article_url(article),
        "author": author.nickname if author and author.erased_at is None else None,
        "published_at": article.published_at.isoformat() if article.published_at else None,
        "public": closed is None,
    }
    if type_ == "article.withdrawn":
        payload.pop("teaser")
    record_event(session, type_, payload)
