"""HTML pages: thin, like the API; every rule lives in the services."""

from __future__ import annotations

from html import escape
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import false, select
from sqlmodel import col

from community.accounts import service as accounts
from community.accounts.models import User
from community.accounts.staff import staff_names
from community.accounts.viewer import ANONYMOUS, Viewer
from community.api.deps import IdPath, SessionDep
from community.auth import (
    check_csrf,
    clear_session_cookie,
    client_ip,
    resolve_viewer,
    set_session_cookie,
)
from community.config import get_settings
from community.db import MAX_ID
from community.errors import CommunityError, TooManyRequests
from community.forum import permissions as perms
from community.forum import service as forum
from community.forum.markdown import render_markdown
from community.forum.models import Category, Post, Thread, ThreadKind
from community.forum.permissions import can_see_post_body
from community.insights import service as insights
from community.leads import service as leads
from community.legal import service as legal
from community.legal.service import LegalPageSlug
from community.moderation import antispam
from community.notifications import service as notifications
from community.ratelimit import hit
from community.reputation import service as reputation
from community.reputation.leaderboard import Period, leaderboard
from community.reputation.ranks import RankLabel, display_rank, load_ladder
from community.text import CleanStr
from community.web import i18n, legal_texts
from community.web.i18n import N_
from community.web.pages import render
from community.web.seo import thread_jsonld

web_router = APIRouter(include_in_schema=False)


def _viewer(request: Request, session: SessionDep) -> Viewer:
    return resolve_viewer(request, session)


WebViewer = Annotated[Viewer, Depends(_viewer)]


def _csrf_field(csrf_token: Annotated[str, Form(max_length=200)] = "") -> str:
    """A missing field is a failed CSRF check (403 from check_csrf), not invalid input."""
    return csrf_token


CsrfField = Annotated[str, Depends(_csrf_field)]


def _form_error(
    request: Request, template: str, context: dict[str, object], exc: CommunityError
) -> Response:
    """The form again, with what was typed and the service's message above it; a refusal
    by a limit keeps its 429 and says when to try again."""
    retry_after = exc.retry_after if isinstance(exc, TooManyRequests) else None
    response = render(
        request,
        template,
        {**context, "error": exc.message, "retry_after": retry_after},
        exc.status_code if retry_after is not None else 422,
    )
    if retry_after is not None:
        response.headers["Retry-After"] = str(retry_after)
    return response


def _see_other(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


@web_router.get("/", response_class=HTMLResponse)
def index(request: Request, session: SessionDep, viewer: WebViewer) -> Response:
    categories = forum.list_categories(session, viewer)
    newest = forum.newest_threads(session, viewer, categories)
    latest = forum.list_threads(session, viewer, kind=ThreadKind.question, limit=8).items
    solved = forum.list_threads(session, viewer, solved="solved", limit=5).items
    users = forum.users_by_id(session, [t.author_id for t in latest + solved])
    return render(
        request,
        "index.html",
        {
            "categories": categories,
            "newest": newest,
            "latest": latest,
            "solved_threads": solved,
            "users": users,
        },
    )


@web_router.get("/c/{slug}", response_class=HTMLResponse)
def board(
    slug: str,
    request: Request,
    session: SessionDep,
    viewer: WebViewer,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
    solved: Literal["all", "solved", "unsolved"] = "all",
    sort: Literal["latest", "active"] = "latest",
) -> Response:
    category = forum.get_category(session, viewer, slug)
    page = forum.list_threads(
        session, viewer, category=category, solved=solved, cursor=cursor, limit=25, sort=sort
    )
    users = forum.users_by_id(
        session, [t.author_id for t in page.items] + [t.last_poster_id for t in page.items]
    )
    return render(
        request,
        "board.html",
        {
            "category": category,
            "page": page,
            "users": users,
            "solved": solved,
            "sort": sort,
            "closed": _is_closed(session, category),
            "watching": notifications.is_watching_category(session, viewer, category),
        },
    )


@web_router.get("/t/{thread_id}", response_class=HTMLResponse)
@web_router.get("/t/{thread_id}/{slug}", response_class=HTMLResponse)
def thread_page(
    thread_id: IdPath,
    request: Request,
    session: SessionDep,
    viewer: WebViewer,
    slug: str | None = None,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
) -> Response:
    thread = forum.get_thread(session, viewer, thread_id)
    if slug != thread.slug and cursor is None:
        return RedirectResponse(f"/t/{thread.id}/{thread.slug}", status_code=301)
    return render(request, "thread.html", _thread_context(session, viewer, thread, cursor))


def _thread_context(
    session: SessionDep, viewer: Viewer, thread: Thread, cursor: str | None = None
) -> dict[str, object]:
    category = session.get(Category, thread.category_id)
    page = forum.list_posts(session, viewer, thread, cursor=cursor, limit=50)
    solution = session.get(Post, thread.solution_post_id) if thread.solution_post_id else None
    shown = page.items + ([solution] if solution is not None else [])
    users = forum.users_by_id(session, [p.author_id for p in shown])
    original = (
        session.get(Thread, thread.duplicate_of_thread_id)
        if thread.duplicate_of_thread_id
        else None
    )
    if original is not None and not perms.can_see_thread(session, viewer, original):
        original = None  # a closed board's thread is not even named
    return {
        "thread": thread,
        "original": original,
        "category": category,
        "page": page,
        "users": users,
        "ranks": _ranks(session, users),
        "staff_names": staff_names(session, users.values()),
        "solution": solution,
        "may_accept": reputation.may_accept(viewer, thread),
        "kudos_given": reputation.has_given_kudos(
            session, viewer, [p.id for p in shown if p.id is not None]
        ),
        "visible": {p.id: can_see_post_body(viewer, p) for p in shown},
        "closed": category is not None and _is_closed(session, category),
        "jsonld": thread_jsonld(thread, page.items, solution, users) if cursor is None else None,
        "crm": leads.thread_box(session, viewer, thread),
        "watching": notifications.is_watching_thread(session, viewer, thread),
        "satisfaction": insights.satisfaction_prompt(session, viewer, thread),
    }


def _is_closed(session: SessionDep, category: Category) -> bool:
    """A closed board is never offered to search engines (noindex)."""
    assert category.id is not None
    return bool(forum.category_group_slugs(session, [category.id]).get(category.id))


def _ranks(session: SessionDep, users: dict[int, User]) -> dict[int, RankLabel]:
    ladder = load_ladder(session)
    return {uid: display_rank(u, ladder) for uid, u in users.items()}


def _back_to_post(session: SessionDep, viewer: Viewer, thread_id: int, post_id: int) -> Response:
    thread = forum.get_thread(session, viewer, thread_id)
    return _see_other(f"/t/{thread.id}/{thread.slug}#post-{post_id}")


@web_router.post("/t/{thread_id}/reply")
def reply(
    thread_id: IdPath,
    request: Request,
    session: SessionDep,
    viewer: WebViewer,
    csrf_token: CsrfField,
    body: Annotated[CleanStr, Form(max_length=100_000)],
) -> Response:
    check_csrf(request, csrf_token)
    try:
        post = forum.create_reply(session, viewer, thread_id, body)
    except CommunityError as exc:
        if exc.status_code not in (422, 429):
            raise
        # The thread again with the reply still in the box, so no typed text is lost.
        thread = forum.get_thread(session, viewer, thread_id)
        context = {**_thread_context(session, viewer, thread), "reply_body": body}
        return _form_error(request, "thread.html", context, exc)
    thread = forum.get_thread(session, viewer, thread_id)
    return _see_other(f"/t/{thread.id}/{thread.slug}#post-{post.id}")


@web_router.post("/p/{post_id}/kudos")
def kudos(
    post_id: IdPath,
    request: Request,
    session: SessionDep,
    viewer: WebViewer,
    csrf_token: CsrfField,
    action: Annotated[str, Form(max_length=10)] = "give",
) -> Response:
    check_csrf(request, csrf_token)
    if action == "take":
        post = reputation.take_back_kudos(session, viewer, post_id)
    else:
        post = reputation.give_kudos(session, viewer, post_id)
    return _back_to_post(session, viewer, post.thread_id, post_id)


@web_router.post("/t/{thread_id}/solution")
def solution(
    thread_id: IdPath,
    request: Request,
    session: SessionDep,
    viewer: WebViewer,
    csrf_token: CsrfField,
    post_id: Annotated[int | None, Form(ge=1, le=MAX_ID)] = None,
) -> Response:
    check_csrf(request, csrf_token)
    if post_id is None:
        reputation.withdraw_solution(session, viewer, thread_id)
        thread = forum.get_thread(session, viewer, thread_id)
        return _see_other(f"/t/{thread.id}/{thread.slug}")
    reputation.accept_solution(session, viewer, thread_id, post_id)
    return _back_to_post(session, viewer, thread_id, post_id)


def _postable_boards(session: SessionDep, viewer: Viewer) -> list[Category]:
    """Boards the viewer sees are the boards they may start threads in (closed ones for members)."""
    return forum.list_categories(session, viewer)


@web_router.get("/new", response_class=HTMLResponse)
def new_thread_form(
    request: Request,
    session: SessionDep,
    viewer: WebViewer,
    board: Annotated[str | None, Query(max_length=60)] = None,
    kind: ThreadKind = ThreadKind.question,
    title: Annotated[str, Query(max_length=150)] = "",
) -> Response:
    if viewer.user is None:
        return _see_other("/login?next=/new")
    return render(
        request,
        "new_thread.html",
        {
            "categories": _postable_boards(session, viewer),
            "form": {"category": board, "kind": kind.value, "title": title},
        },
    )


@web_router.post("/new", response_model=None)
def new_thread(
    request: Request,
    session: SessionDep,
    viewer: WebViewer,
    csrf_token: CsrfField,
    category: Annotated[CleanStr, Form(max_length=60)],
    kind: Annotated[ThreadKind, Form()],
    title: Annotated[CleanStr, Form(max_length=1000)],
    body: Annotated[CleanStr, Form(max_length=100_000)],
    action: Annotated[str, Form(max_length=20)] = "publish",
) -> Response:
    check_csrf(request, csrf_token)
    form = {"category": category, "kind": kind.value, "title": title, "body": body}
    context: dict[str, object] = {"categories": _postable_boards(session, viewer), "form": form}
    if action == "preview":
        # Works without JavaScript: the whole form comes back with the rendered text.
        return render(request, "new_thread.html", {**context, "preview": render_markdown(body)})
    try:
        thread, _post = forum.create_thread(
            session, viewer, category_slug=category, kind=kind, title=title, body=body
        )
    except CommunityError as exc:
        if exc.status_code not in (422, 429):
            raise
        return _form_error(request, "new_thread.html", context, exc)
    return _see_other(f"/t/{thread.id}/{thread.slug}")


@web_router.post("/preview", response_class=HTMLResponse)
def preview(
    request: Request,
    csrf_token: CsrfField,
    body: Annotated[CleanStr, Form(max_length=100_000)] = "",
) -> Response:
    """The htmx enhancement of the "Vorschau" button: only the rendered fragment."""
    check_csrf(request, csrf_token)
    return render(request, "_preview.html", {"preview": render_markdown(body)})


@web_router.get("/p/{post_id}/edit", response_class=HTMLResponse)
def edit_form(
    post_id: IdPath, request: Request, session: SessionDep, viewer: WebViewer
) -> Response:
    if viewer.user is None:
        return _see_other(f"/login?next=/p/{post_id}/edit")
    post, thread = forum.get_post(session, viewer, post_id)
    perms.check_may_edit_post(session, viewer, thread, post)
    return render(request, "edit_post.html", {"post": post, "thread": thread, "body": post.body})


@web_router.post("/p/{post_id}/edit", response_model=None)
def edit(
    post_id: IdPath,
    request: Request,
    session: SessionDep,
    viewer: WebViewer,
    csrf_token: CsrfField,
    body: Annotated[CleanStr, Form(max_length=100_000)],
    action: Annotated[str, Form(max_length=20)] = "save",
) -> Response:
    check_csrf(request, csrf_token)
    post, thread = forum.get_post(session, viewer, post_id)
    context = {"post": post, "thread": thread, "body": body}
    if action == "preview":
        return render(request, "edit_post.html", {**context, "preview": render_markdown(body)})
    try:
        forum.edit_post(session, viewer, post_id, body)
    except CommunityError as exc:
        if exc.status_code not in (422, 429):
            raise
        return _form_error(request, "edit_post.html", context, exc)
    return _see_other(f"/t/{thread.id}/{thread.slug}#post-{post_id}")


# ---- accounts --------------------------------------------------------------------------------


def _safe_next(url: str | None) -> str:
    return url if url and url.startswith("/") and not url.startswith("//") else "/"


@web_router.get("/login", response_class=HTMLResponse)
def login_form(request: Request, next: str | None = None) -> Response:
    return render(request, "login.html", {"next": _safe_next(next)})


@web_router.post("/login", response_model=None)
def login(
    request: Request,
    session: SessionDep,
    csrf_token: CsrfField,
    email: Annotated[CleanStr, Form(max_length=254)],
    password: Annotated[CleanStr, Form(max_length=1000)],
    next: Annotated[CleanStr, Form(max_length=500)] = "/",
) -> Response:
    check_csrf(request, csrf_token)
    hit(get_settings().login_rate, "login", client_ip(request))
    try:
        user = accounts.authenticate(session, email, password)
    except CommunityError as exc:
        return render(
            request,
            "login.html",
            {"error": exc.message, "email": email, "next": _safe_next(next)},
            exc.status_code,  # 401, or 429 while the account's wait runs
        )
    old = request.cookies.get(get_settings().session_cookie)
    if old:
        accounts.end_session(session, old)
    response = _see_other(_safe_next(next))
    set_session_cookie(response, accounts.start_session(session, user))
    return response


@web_router.post("/logout")
def logout(request: Request, session: SessionDep, csrf_token: CsrfField) -> Response:
    check_csrf(request, csrf_token)
    raw = request.cookies.get(get_settings().session_cookie)
    if raw:
        accounts.end_session(session, raw)
    response = _see_other("/")
    clear_session_cookie(response)
    return response


@web_router.get("/register", response_class=HTMLResponse)
def register_form(request: Request) -> Response:
    return render(request, "register.html", {"form": {}})


@web_router.post("/register", response_model=None)
def register(
    request: Request,
    session: SessionDep,
    csrf_token: CsrfField,
    email: Annotated[CleanStr, Form(max_length=254)],
    nickname: Annotated[CleanStr, Form(max_length=100)],
    password: Annotated[CleanStr, Form(max_length=1000)],
    real_name: Annotated[CleanStr, Form(max_length=100)] = "",
    company: Annotated[CleanStr, Form(max_length=100)] = "",
) -> Response:
    check_csrf(request, csrf_token)
    form = {"email": email, "nickname": nickname, "real_name": real_name, "company": company}
    try:
        antispam.check_registration(client_ip(request))
        if "@" not in email or len(email) < 3:
            raise CommunityError(N_("Bitte geben Sie eine gültige E-Mail-Adresse an."), 422)
        user = accounts.sign_up(
            session,
            email=email,
            password=password,
            nickname=nickname,
            real_name=real_name,
            company=company,
            locale=i18n.pick_locale(request),  # mails and pages in the language they signed up in
        )
    except CommunityError as exc:
        if exc.status_code not in (409, 422, 429):
            raise
        return _form_error(request, "register.html", {"form": form}, exc)
    response = _see_other("/welcome")
    if user is not None:  # None: the address has an account; its owner was mailed
        set_session_cookie(response, accounts.start_session(session, user))
    return response


@web_router.get("/welcome", response_class=HTMLResponse)
def welcome(request: Request, viewer: WebViewer) -> Response:
    return render(
        request,
        "message.html",
        {
            "title": N_("Fast geschafft"),
            "message": N_(
                "Wir haben Ihnen eine E-Mail geschickt. Bitte bestätigen Sie Ihre Adresse "
                "mit dem Link darin; danach können Sie Fragen stellen und antworten."
            ),
        },
    )


@web_router.get("/verify-email", response_class=HTMLResponse)
def verify_email(
    request: Request, session: SessionDep, token: Annotated[str, Query(max_length=200)] = ""
) -> Response:
    accounts.verify_email(session, token)
    return render(
        request,
        "message.html",
        {
            "title": N_("E-Mail-Adresse bestätigt"),
            "message": N_("Vielen Dank! Sie können jetzt Fragen stellen und antworten."),
        },
    )


@web_router.get("/forgot-password", response_class=HTMLResponse)
def forgot_form(request: Request) -> Response:
    return render(request, "forgot.html", {})


@web_router.post("/forgot-password", response_class=HTMLResponse)
def forgot(
    request: Request,
    session: SessionDep,
    csrf_token: CsrfField,
    email: Annotated[CleanStr, Form(max_length=254)],
) -> Response:
    check_csrf(request, csrf_token)
    hit("5/hour", "reset", client_ip(request))
    accounts.request_password_reset(session, email)
    return render(
        request,
        "message.html",
        {
            "title": N_("E-Mail unterwegs"),
            "message": N_(
                "Wenn es ein Konto mit dieser Adresse gibt, erhalten Sie gleich einen Link."
            ),
        },
    )


@web_router.get("/reset-password", response_class=HTMLResponse)
def reset_form(request: Request, token: Annotated[str, Query(max_length=200)] = "") -> Response:
    return render(request, "reset.html", {"token": token})


@web_router.post("/reset-password", response_model=None)
def reset(
    request: Request,
    session: SessionDep,
    csrf_token: CsrfField,
    token: Annotated[CleanStr, Form(max_length=200)],
    password: Annotated[CleanStr, Form(max_length=1000)],
) -> Response:
    check_csrf(request, csrf_token)
    try:
        accounts.reset_password(session, token, password)
    except CommunityError as exc:
        if exc.status_code != 422:
            raise
        return render(request, "reset.html", {"token": token, "error": exc.message}, 422)
    return render(
        request,
        "message.html",
        {
            "title": N_("Passwort geändert"),
            "message": N_("Ihr neues Passwort gilt. Bitte melden Sie sich an."),
        },
    )


@web_router.get("/u/{nickname}", response_class=HTMLResponse)
def profile(nickname: str, request: Request, session: SessionDep, viewer: WebViewer) -> Response:
    user = accounts.get_user_by_nickname(session, nickname)
    # Recent posts, only where the viewer may read them (closed boards stay invisible).
    rows = session.execute(
        select(Post, Thread)
        .join(Thread, col(Thread.id) == col(Post.thread_id))
        .where(
            col(Post.author_id) == user.id,
            col(Post.is_deleted) == false(),
            col(Post.is_hidden) == false(),
            perms.visible_threads_filter(viewer),
        )
        .order_by(col(Post.id).desc())
        .limit(10)
    ).all()
    rank = display_rank(user, load_ladder(session))
    return render(
        request,
        "profile.html",
        {"user": user, "posts": [(p, t) for p, t in rows], "rank": rank},
    )


# ---- settings and language -------------------------------------------------------------------


def _settings_page(
    request: Request, user: User, status_code: int = 200, **extra: object
) -> Response:
    return render(
        request,
        "settings.html",
        {"user": user, **notifications.settings_context(user), **extra},
        status_code,
    )


@web_router.get("/settings", response_class=HTMLResponse)
def settings_form(request: Request, viewer: WebViewer) -> Response:
    if viewer.user is None:
        return _see_other("/login?next=/settings")
    return _settings_page(request, viewer.user, saved=request.query_params.get("saved"))


@web_router.post("/settings", response_model=None)
def save_settings(
    request: Request,
    session: SessionDep,
    viewer: WebViewer,
    csrf_token: CsrfField,
    nickname: Annotated[CleanStr, Form(max_length=100)],
    locale: Annotated[Literal["de", "en"], Form()],
    real_name: Annotated[CleanStr, Form(max_length=100)] = "",
    company: Annotated[CleanStr, Form(max_length=100)] = "",
) -> Response:
    check_csrf(request, csrf_token)
    perms.require_member(viewer)
    assert viewer.user is not None
    try:
        accounts.update_profile(
            session,
            viewer.user,
            nickname=nickname,
            real_name=real_name,
            company=company,
            locale=locale,
        )
    except CommunityError as exc:
        if exc.status_code not in (409, 422):
            raise
        session.rollback()  # nothing half-saved; the page shows the stored values again
        return _settings_page(request, viewer.user, 422, error=exc.message)
    return _see_other("/settings?saved=1")


@web_router.post("/settings/password", response_model=None)
def save_password(
    request: Request,
    session: SessionDep,
    viewer: WebViewer,
    csrf_token: CsrfField,
    current: Annotated[CleanStr, Form(max_length=1000)],
    new: Annotated[CleanStr, Form(max_length=1000)],
) -> Response:
    check_csrf(request, csrf_token)
    perms.require_member(viewer)
    assert viewer.user is not None
    try:
        raw = accounts.change_password(session, viewer.user, current, new)
    except CommunityError as exc:
        if exc.status_code not in (403, 422):
            raise
        return _settings_page(request, viewer.user, 422, password_error=exc.message)
    response = _see_other("/settings?saved=password")
    set_session_cookie(response, raw)
    return response


@web_router.post("/language", response_model=None)
def language(
    request: Request,
    session: SessionDep,
    viewer: WebViewer,
    csrf_token: CsrfField,
    locale: Annotated[Literal["de", "en"], Form()],
    next: Annotated[CleanStr, Form(max_length=500)] = "/",
) -> Response:
    """The footer's language switch: a member's setting, a visitor's cookie."""
    check_csrf(request, csrf_token)
    if viewer.user is not None:
        accounts.update_profile(session, viewer.user, locale=locale)
    response = _see_other(_safe_next(next))
    response.set_cookie(
        i18n.LANG_COOKIE, locale, max_age=365 * 86400, samesite="lax", httponly=True, path="/"
    )
    return response


# ---- leaderboard and search engines -----------------------------------------------------------


@web_router.get("/leaderboard", response_class=HTMLResponse)
def leaderboard_page(
    request: Request,
    session: SessionDep,
    viewer: WebViewer,
    period: Period = Period.all,
    board: Annotated[str | None, Query(max_length=60)] = None,
) -> Response:
    categories = forum.list_categories(session, viewer)
    category = forum.get_category(session, viewer, board) if board else None
    board_ranks = leaderboard(session, viewer, period=period, category=category)
    everyone = [s.user for s in board_ranks.members + (board_ranks.staff or [])]
    return render(
        request,
        "leaderboard.html",
        {
            "board": board_ranks,
            "period": period.value,
            "category": category,
            "categories": categories,
            "ranks": _ranks(session, {u.id: u for u in everyone if u.id is not None}),
        },
    )


@web_router.get("/sitemap.xml")
def sitemap(session: SessionDep) -> Response:
    """Only what a visitor may read: closed boards never appear here."""
    base = get_settings().public_url.rstrip("/")
    threads = session.execute(
        select(col(Thread.id), col(Thread.slug), col(Thread.last_post_at))
        .where(perms.visible_threads_filter(ANONYMOUS))
        .order_by(col(Thread.last_post_at).desc())
        .limit(50_000)
    ).all()
    lines = ['<?xml version="1.0" encoding="UTF-8"?>']
    lines.append('<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">')
    lines.append(f"<url><loc>{escape(base)}/</loc></url>")
    for ident, slug, at in threads:
        loc = escape(f"{base}/t/{ident}/{slug}")
        lines.append(f"<url><loc>{loc}</loc><lastmod>{at.date().isoformat()}</lastmod></url>")
    lines.append("</urlset>")
    return Response("\n".join(lines), media_type="application/xml")


@web_router.get("/robots.txt")
def robots() -> Response:
    base = get_settings().public_url.rstrip("/")
    return Response(
        f"User-agent: *\nDisallow: /api/\nSitemap: {base}/sitemap.xml\n", media_type="text/plain"
    )


@web_router.get("/{page}", response_class=HTMLResponse)
def legal_page(page: str, request: Request, session: SessionDep, viewer: WebViewer) -> Response:
    """Legal pages must be reachable from every page; an admin may point them elsewhere."""
    try:
        slug = LegalPageSlug(page)
    except ValueError:
        raise CommunityError(N_("Diese Seite gibt es nicht."), 404, "not_found") from None
    resolved = legal.resolve_page(session, slug)
    if resolved.url:
        return RedirectResponse(resolved.url, status_code=302)
    # The built-in text is translated here, before render() would set the language.
    i18n.set_locale(i18n.pick_locale(request))
    return render(
        request,
        "legal.html",
        {
            "title": legal_texts.TITLES[slug],
            "html": resolved.html or legal_texts.default_html(slug),
            "variable": legal.env_variable(slug),
        },
    )
