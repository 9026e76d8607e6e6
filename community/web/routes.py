"""HTML pages: thin, like the API; every rule lives in the services."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select

from community.accounts import service as accounts
from community.accounts.models import User
from community.accounts.viewer import Viewer
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
from community.errors import CommunityError
from community.forum import service as forum
from community.forum.models import Category, Post, ThreadKind
from community.forum.permissions import can_see_post_body
from community.leads import service as leads
from community.ratelimit import hit
from community.reputation import service as reputation
from community.reputation.ranks import RankLabel, display_rank, load_ladder
from community.text import CleanStr
from community.web.pages import render

web_router = APIRouter(include_in_schema=False)


def _viewer(request: Request, session: SessionDep) -> Viewer:
    return resolve_viewer(request, session)


WebViewer = Annotated[Viewer, Depends(_viewer)]


def _csrf_field(csrf_token: Annotated[str, Form(max_length=200)] = "") -> str:
    """A missing field is a failed CSRF check (403 from check_csrf), not invalid input."""
    return csrf_token


CsrfField = Annotated[str, Depends(_csrf_field)]


def _see_other(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


@web_router.get("/", response_class=HTMLResponse)
def index(request: Request, session: SessionDep, viewer: WebViewer) -> Response:
    categories = forum.list_categories(session, viewer)
    newest = forum.newest_threads(session, viewer, categories)
    latest = forum.list_threads(session, viewer, kind=ThreadKind.question, limit=10).items
    users = forum.users_by_id(session, [t.author_id for t in latest])
    return render(
        request,
        "index.html",
        {"categories": categories, "newest": newest, "latest": latest, "users": users},
    )


@web_router.get("/c/{slug}", response_class=HTMLResponse)
def board(
    slug: str,
    request: Request,
    session: SessionDep,
    viewer: WebViewer,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
    solved: Literal["all", "solved", "unsolved"] = "all",
) -> Response:
    category = forum.get_category(session, viewer, slug)
    page = forum.list_threads(
        session, viewer, category=category, solved=solved, cursor=cursor, limit=25
    )
    users = forum.users_by_id(
        session, [t.author_id for t in page.items] + [t.last_poster_id for t in page.items]
    )
    return render(
        request,
        "board.html",
        {"category": category, "page": page, "users": users, "solved": solved},
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
    category = session.get(Category, thread.category_id)
    page = forum.list_posts(session, viewer, thread, cursor=cursor, limit=50)
    solution = session.get(Post, thread.solution_post_id) if thread.solution_post_id else None
    shown = page.items + ([solution] if solution is not None else [])
    users = forum.users_by_id(session, [p.author_id for p in shown])
    return render(
        request,
        "thread.html",
        {
            "thread": thread,
            "category": category,
            "page": page,
            "users": users,
            "ranks": _ranks(session, users),
            "solution": solution,
            "may_accept": reputation.may_accept(viewer, thread),
            "kudos_given": reputation.has_given_kudos(
                session, viewer, [p.id for p in shown if p.id is not None]
            ),
            "visible": {p.id: can_see_post_body(viewer, p) for p in shown},
            "crm": leads.thread_box(session, viewer, thread),
        },
    )


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
    post = forum.create_reply(session, viewer, thread_id, body)
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


@web_router.get("/new", response_class=HTMLResponse)
def new_thread_form(
    request: Request,
    session: SessionDep,
    viewer: WebViewer,
    board: Annotated[str | None, Query(max_length=60)] = None,
    kind: ThreadKind = ThreadKind.question,
) -> Response:
    if viewer.user is None:
        return _see_other("/login?next=/new")
    return render(
        request,
        "new_thread.html",
        {
            "categories": forum.list_categories(session, viewer),
            "form": {"category": board, "kind": kind.value},
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
) -> Response:
    check_csrf(request, csrf_token)
    try:
        thread, _post = forum.create_thread(
            session, viewer, category_slug=category, kind=kind, title=title, body=body
        )
    except CommunityError as exc:
        if exc.status_code != 422:
            raise
        form = {"category": category, "kind": kind.value, "title": title, "body": body}
        return render(
            request,
            "new_thread.html",
            {
                "categories": forum.list_categories(session, viewer),
                "form": form,
                "error": exc.message,
            },
            status_code=422,
        )
    return _see_other(f"/t/{thread.id}/{thread.slug}")


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
            401,
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
    hit("10/hour", "register", client_ip(request))
    form = {"email": email, "nickname": nickname, "real_name": real_name, "company": company}
    try:
        if "@" not in email or len(email) < 3:
            raise CommunityError("Bitte geben Sie eine gültige E-Mail-Adresse an.", 422)
        user = accounts.register(
            session,
            email=email,
            password=password,
            nickname=nickname,
            real_name=real_name,
            company=company,
        )
    except CommunityError as exc:
        if exc.status_code not in (409, 422):
            raise
        return render(request, "register.html", {"form": form, "error": exc.message}, 422)
    response = _see_other("/welcome")
    set_session_cookie(response, accounts.start_session(session, user))
    return response


@web_router.get("/welcome", response_class=HTMLResponse)
def welcome(request: Request, viewer: WebViewer) -> Response:
    return render(
        request,
        "message.html",
        {
            "title": "Fast geschafft",
            "message": "Wir haben Ihnen eine E-Mail geschickt. Bitte bestätigen Sie Ihre Adresse "
            "mit dem Link darin; danach können Sie Fragen stellen und antworten.",
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
            "title": "E-Mail-Adresse bestätigt",
            "message": "Vielen Dank! Sie können jetzt Fragen stellen und antworten.",
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
            "title": "E-Mail unterwegs",
            "message": "Wenn es ein Konto mit dieser Adresse gibt, erhalten Sie gleich einen Link.",
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
            "title": "Passwort geändert",
            "message": "Ihr neues Passwort gilt. Bitte melden Sie sich an.",
        },
    )


@web_router.get("/u/{nickname}", response_class=HTMLResponse)
def profile(nickname: str, request: Request, session: SessionDep, viewer: WebViewer) -> Response:
    from community.forum.models import Thread
    from community.forum.permissions import visible_threads_filter

    user = accounts.get_user_by_nickname(session, nickname)
    threads = list(
        session.execute(
            select(Thread)
            .where(Thread.author_id == user.id, visible_threads_filter(viewer))  # type: ignore[arg-type]
            .order_by(Thread.created_at.desc())  # type: ignore[attr-defined]
            .limit(10)
        ).scalars()
    )
    rank = display_rank(user, load_ladder(session))
    return render(request, "profile.html", {"user": user, "threads": threads, "rank": rank})


_LEGAL = {
    "impressum": ("Impressum", "impressum_url"),
    "datenschutz": ("Datenschutzerklärung", "privacy_url"),
    "netiquette": ("Nutzungsbedingungen / Netiquette", "terms_url"),
}


@web_router.get("/{page}", response_class=HTMLResponse)
def legal(page: str, request: Request) -> Response:
    """Legal pages must be reachable from every page; an admin may point them elsewhere."""
    if page not in _LEGAL:
        raise CommunityError("Diese Seite gibt es nicht.", 404, "not_found")
    title, setting = _LEGAL[page]
    url = getattr(get_settings(), setting)
    if url:
        return RedirectResponse(url, status_code=302)
    variable = f"COMMUNITY_{setting.upper()}"
    text = f"Dieser Text wird von der Betreiberin der Community gepflegt ({variable})."
    return render(request, "legal.html", {"title": title, "text": text})
