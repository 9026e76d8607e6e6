"""Pages of the forum: the start page, a board, a thread, and the forms to reply, give
kudos and accept a solution (asking and editing: web/writing.py). Thin: every rule lives
in the forum and reputation services."""

from __future__ import annotations

from collections.abc import Mapping
from contextlib import suppress
from functools import partial
from typing import Annotated, Literal

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from community.accounts.models import User
from community.accounts.staff import staff_names
from community.accounts.viewer import Viewer
from community.auth import check_csrf, resolve_viewer
from community.db import MAX_ID
from community.deps import IdPath, SessionDep, request_session
from community.errors import CommunityError, InvalidInput
from community.forum import boards as forum_boards
from community.forum import drafts, reading
from community.forum import permissions as perms
from community.forum import service as forum
from community.forum.markdown import render_markdown
from community.forum.models import Category, Post, Thread, ThreadKind
from community.forum.schemas import PostCreate
from community.ideas import service as ideas
from community.ideas.boards import is_idea_board
from community.ideas.models import STATUS_LABELS
from community.insights import satisfaction as insights_satisfaction
from community.leads import service as leads
from community.middleware import asked_with_head
from community.notifications import preferences
from community.pagination import decode_cursor
from community.reputation import figures
from community.reputation import service as reputation
from community.reputation.profile import rank_labels
from community.reputation.ranks import RankLabel
from community.text import CleanStr
from community.web import blog as web_blog
from community.web import fragments, pagecache, pagethreads, thread_shell, threadshare
from community.web.deps import CsrfField, WebViewer, safe_next, see_other
from community.web.forms import form_error, parse_form
from community.web.pages import load_legal_links, render
from community.web.seo import thread_jsonld

router = APIRouter()


@router.get("/", response_class=HTMLResponse)
def index(request: Request, session: SessionDep, viewer: WebViewer) -> Response:
    categories = forum_boards.list_categories(session, viewer)
    newest = forum_boards.newest_threads(session, viewer, categories)
    latest = forum.list_threads(session, viewer, kind=ThreadKind.question, limit=8).items
    solved = forum.list_threads(session, viewer, solved="solved", limit=5).items
    users = forum.users_by_id(session, [t.author_id for t in latest + solved])
    # Lists only what the viewer may see: for a visitor, the public boards.
    pagecache.allow(request, viewer, public=True)
    return render(
        request,
        "index.html",
        {
            "categories": categories,
            "newest": newest,
            "unread_boards": reading.unread_threads_by_category(
                session, viewer, [c.id for c in categories if c.id is not None]
            ),
            "latest": latest,
            "solved_threads": solved,
            "users": users,
            **web_blog.start_page_slots(session, viewer),
        },
    )


@router.get("/c/{slug}", response_class=HTMLResponse)
def board(
    slug: str,
    request: Request,
    session: SessionDep,
    viewer: WebViewer,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
    before: Annotated[str | None, Query(max_length=200)] = None,
    solved: Literal["all", "solved", "unsolved"] = "all",
    sort: Literal["latest", "active"] = "latest",
) -> Response:
    category = forum_boards.get_category(session, viewer, slug)
    if is_idea_board(category):
        return RedirectResponse(f"/ideas/{category.slug}", status_code=303)
    page = forum.list_threads(
        session,
        viewer,
        category=category,
        solved=solved,
        cursor=cursor,
        before=before,
        limit=25,
        sort=sort,
    )
    users = forum.users_by_id(
        session, [t.author_id for t in page.items] + [t.last_poster_id for t in page.items]
    )
    closed = _is_closed(session, category)
    pagecache.allow(request, viewer, public=not closed)
    return render(
        request,
        "board.html",
        {
            "category": category,
            "page": page,
            "users": users,
            "unread": reading.unread_for_threads(session, viewer, page.items),
            "solved": solved,
            "sort": sort,
            "closed": closed,
            "watching": preferences.is_watching_category(session, viewer, category),
        },
    )


@router.post("/c/{slug}/read")
def mark_board_read(
    slug: str,
    request: Request,
    session: SessionDep,
    viewer: WebViewer,
    csrf_token: CsrfField,
) -> Response:
    """ "Alles gelesen": a plain form, so it works without JavaScript."""
    check_csrf(request, csrf_token)
    category = forum_boards.get_category(session, viewer, slug)
    reading.mark_category_read(session, viewer, category)
    return see_other(f"/c/{category.slug}", flash="board_read")


# Apart from the forum's other routes: the web routers' dependencies would take four turns
# through the thread pool (the session in and out, the footer's links, the viewer), each
# ~0.1 ms of CPU and a wait for the event loop; the page takes one (web/router.py).
thread_router = APIRouter()


@thread_router.get("/t/{thread_id}", response_class=HTMLResponse)
@thread_router.get("/t/{thread_id}/{slug}", response_class=HTMLResponse)
async def thread_page(
    thread_id: IdPath,
    request: Request,
    slug: str | None = None,
    page: Annotated[int | None, Query(ge=1, le=100_000)] = None,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
) -> Response:
    return await pagethreads.run(_thread_page, request, thread_id, slug, page, cursor)


def _thread_page(
    request: Request, thread_id: int, slug: str | None, page: int | None, cursor: str | None
) -> Response:
    # The session, the footer's links and the viewer as the dependencies of the other pages
    # give them (one transaction, committed before the response leaves).
    with request_session(request) as session:
        # First the version of the pages: a post kept under it is never older than it.
        load_legal_links(request, session)
        viewer = resolve_viewer(request, session)
        kept = fragments.kept_for(request, viewer, fragments.version_for(request))
        store = threadshare.store_for(request, viewer, kept)
        shared = None
        if store is not None and kept is not None:
            thread, category, closed, shared = threadshare.thread_and_board(
                session, viewer, store, kept[1], thread_id
            )
        else:
            thread, category, closed = forum.get_thread_and_board(session, viewer, thread_id)
        if slug != thread.slug and cursor is None and page is None:
            return RedirectResponse(f"/t/{thread.id}/{thread.slug}", status_code=301)
        agent = request.headers.get("user-agent", "")
        if not reading.is_crawler(agent) and not asked_with_head(request.scope):
            request.app.state.views.add(thread.id)
        reads = threadshare.member_reads(session, viewer, thread) if shared else None
        if (
            store is not None
            and kept is not None
            and shared is not None
            and reads is not None
            and threadshare.is_shared(viewer, shared, reads)
        ):
            context = shared_thread_context(
                session, viewer, store, shared, reads, page, cursor, kept=kept
            )
            # The reply begun earlier, here or on another device; the bell's count.
            reply_body = reads.draft_body or ""
            request.state.unread_notices = reads.unread_notices
        else:
            context = thread_context(
                session, viewer, thread, page, cursor, category, kept=kept, closed=closed
            )
            draft = drafts.get_draft(session, viewer, thread.id)
            reply_body = draft.body if draft else ""
        pagecache.allow(request, viewer, public=not context["closed"], thread_id=thread.id)
        return thread_shell.render_thread(request, {**context, "reply_body": reply_body})


def thread_context(
    session: SessionDep,
    viewer: Viewer,
    thread: Thread,
    page_number: int | None = None,
    cursor: str | None = None,
    category: Category | None = None,
    *,
    kept: tuple[fragments.KeptStore, int] | None = None,
    closed: bool | None = None,
) -> dict[str, object]:
    """The thread page's data; with `kept` (the store and the version read before the
    thread), a member's page takes its posts and JSON-LD from the store where it can.
    `closed`: whether the board is closed, when the caller read it with the thread."""
    category = category or session.get(Category, thread.category_id)
    if closed is None:
        closed = category is not None and _is_closed(session, category)
    mark, first_unread, total = reading.thread_position(session, viewer, thread)
    pages = max(1, -(-total // reading.POSTS_PER_PAGE))
    if cursor is not None:  # links of the earlier "Weitere Antworten" button
        (after_id,) = decode_cursor(cursor, int)
        page_number = reading.page_holding(session, viewer, thread, after_id + 1)
    if page_number is None:
        # A member who read the thread before opens it at the first unread post.
        page_number = (
            reading.page_holding(session, viewer, thread, first_unread) if first_unread else 1
        )
    page_number = min(page_number, pages)
    after = reading.page_start_after(session, viewer, thread, page_number)
    page, solution, users = forum.page_of_posts(
        session, viewer, thread, after, reading.POSTS_PER_PAGE
    )
    if page.items:
        shown_up_to = max(p.id for p in page.items if p.id is not None)
        reading.mark_read(session, viewer, thread, shown_up_to, mark)
    original = perms.original_shown(session, viewer, thread)
    return _page_context(
        session,
        viewer,
        thread,
        category,
        closed,
        page_number=page_number,
        pages=pages,
        first_unread=first_unread,
        page=page,
        solution=solution,
        users=users,
        ranks=rank_labels(session, users),
        names=staff_names(session, users.values()),
        post_counts=figures.post_counts(session, viewer, users),
        original=original,
        kept=kept,
        crm=leads.thread_box(session, viewer, thread),
        watching=preferences.is_watching_thread(session, viewer, thread),
    )


def shared_thread_context(
    session: SessionDep,
    viewer: Viewer,
    store: threadshare.KeptStore,
    shared: threadshare.SharedThread,
    reads: threadshare.MemberReads,
    page_number: int | None,
    cursor: str | None,
    *,
    kept: tuple[fragments.KeptStore, int],
) -> dict[str, object]:
    """thread_context for a member whose page is the same as every member's
    (web/threadshare.py): the shared part as kept, the member's own part as read."""
    thread = shared.thread
    ids = shared.post_ids
    pages = max(1, -(-len(ids) // reading.POSTS_PER_PAGE))
    if cursor is not None:  # links of the earlier "Weitere Antworten" button
        (after_id,) = decode_cursor(cursor, int)
        page_number = reading.page_of(ids, after_id + 1)
    if page_number is None:
        # A member who read the thread before opens it at the first unread post.
        first = reads.first_unread
        page_number = reading.page_of(ids, first) if first else 1
    page_number = min(page_number, pages)
    data = threadshare.page_data(session, store, kept[1], shared, page_number)
    if data.page.items:
        shown_up_to = max(p.id for p in data.page.items if p.id is not None)
        reading.mark_read(session, viewer, thread, shown_up_to, reads.mark)
    return _page_context(
        session,
        viewer,
        thread,
        shared.category,
        False,
        page_number=page_number,
        pages=pages,
        first_unread=reads.first_unread,
        page=data.page,
        solution=data.solution,
        users=data.users,
        ranks=data.ranks,
        names=data.staff_names,
        post_counts=threadshare.post_counts_for(session, viewer, store, kept[1], data, reads),
        original=None,
        kept=kept,
        crm=leads.thread_box_of(viewer, shared.escalation),
        watching=reads.watching,
        kudos_in_thread=reads.kudos_given,
    )


def _page_context(
    session: SessionDep,
    viewer: Viewer,
    thread: Thread,
    category: Category | None,
    closed: bool,
    *,
    page_number: int,
    pages: int,
    first_unread: int | None,
    page: forum.Page[Post],
    solution: Post | None,
    users: dict[int, User],
    ranks: Mapping[int, RankLabel],
    names: Mapping[int, str],
    post_counts: Mapping[int, int],
    original: Thread | None,
    kept: tuple[fragments.KeptStore, int] | None,
    crm: dict[str, object],
    watching: bool,
    kudos_in_thread: set[int] | None = None,
) -> dict[str, object]:
    """The context thread.html renders, from the page's rows (read or kept).
    `kudos_in_thread`: the posts of the thread the viewer gave kudos to, when read already
    (threadshare.member_reads); else read here for the posts shown."""
    shown = page.items + ([solution] if solution is not None else [])
    shown_ids = [p.id for p in shown if p.id is not None]
    if kudos_in_thread is None:
        kudos_given = reputation.has_given_kudos(session, viewer, shown_ids)
    else:
        kudos_given = kudos_in_thread.intersection(shown_ids)
    visible = {p.id: perms.can_see_post_body(viewer, p) for p in shown}
    posts = None
    jsonld = None
    if kept is not None:
        posts = fragments.PostFragments(
            *kept, viewer, visible=visible, post_counts=post_counts, ranks=ranks, staff_names=names
        )
    if page_number == 1:
        make_jsonld = partial(thread_jsonld, thread, page.items, solution, users)
        jsonld = posts.jsonld(thread, shown, make_jsonld) if posts else make_jsonld()
    return {
        "thread": thread,
        "original": original,
        "category": category,
        "page": page,
        "page_number": page_number,
        "pages": pages,
        "first_unread": first_unread,
        "users": users,
        "ranks": ranks,
        "staff_names": names,
        "post_counts": post_counts,
        "solution": solution,
        "may_accept": reputation.may_accept(viewer, thread),
        "kudos_given": kudos_given,
        "visible": visible,
        "closed": closed,
        "jsonld": jsonld,
        "post_fragments": posts,
        "crm": crm,
        "watching": watching,
        "satisfaction": insights_satisfaction.satisfaction_prompt(session, viewer, thread),
        # The boards a moderator may move the thread to, from the post's moderation tools.
        "mod_boards": forum_boards.list_categories(session, viewer) if viewer.is_moderator else [],
        **idea_box(session, viewer, thread),
    }


def idea_box(session: SessionDep, viewer: Viewer, thread: Thread) -> dict[str, object]:
    """The idea's status, note, votes and the vote button (_idea_box.html)."""
    idea = ideas.find_idea(session, viewer, thread)
    if idea is None:
        return {"idea": None}
    merged_into = session.get(Thread, idea.merged_into_id) if idea.merged_into_id else None
    return {
        "idea": idea,
        "idea_voted": ideas.has_voted(session, viewer, idea.thread_id),
        "idea_statuses": STATUS_LABELS,
        "idea_staff": perms.is_staff(viewer),
        "idea_merged_into": merged_into,
    }


def _is_closed(session: SessionDep, category: Category) -> bool:
    """A closed board is never offered to search engines (noindex)."""
    assert category.id is not None
    return forum_boards.is_closed(session, category.id)


def _back_to_post(
    session: SessionDep, viewer: Viewer, thread_id: int, post_id: int, flash: str
) -> Response:
    thread = forum.get_thread(session, viewer, thread_id)
    return see_other(f"/t/{thread.id}/{thread.slug}#post-{post_id}", flash=flash)


@router.post("/t/{thread_id}/reply")
def reply(
    thread_id: IdPath,
    request: Request,
    session: SessionDep,
    viewer: WebViewer,
    csrf_token: CsrfField,
    # Empty: refused on the form by the service, never a bare 422 page (writing.new_thread)
    body: Annotated[CleanStr, Form(max_length=100_000)] = "",
    action: Annotated[str, Form(max_length=20)] = "publish",
    seen: Annotated[int | None, Form(ge=0, le=MAX_ID)] = None,
    # The blog article whose comment this is: the commenter goes back there, not to the
    # thread that holds its comments
    back: Annotated[str, Form(max_length=500)] = "",
) -> Response:
    check_csrf(request, csrf_token)

    def thread_again(**extra: object) -> dict[str, object]:
        # The thread with the reply still in the box, so no typed text is lost.
        thread = forum.get_thread(session, viewer, thread_id)
        return {**thread_context(session, viewer, thread), "reply_body": body, **extra}

    def keep_draft() -> None:
        with suppress(InvalidInput):
            drafts.save_draft(session, viewer, body=body, thread_id=thread_id)

    if action == "preview":  # without JavaScript: the page again, the preview below the box
        return render(request, "thread.html", thread_again(preview=render_markdown(body)))
    if action == "draft":
        keep_draft()
        thread = forum.get_thread(session, viewer, thread_id)
        return see_other(f"/t/{thread.id}/{thread.slug}#reply", flash="draft_saved")
    try:
        data = parse_form(PostCreate, {"body": body})
        post = forum.create_reply(session, viewer, thread_id, data.body)
    except CommunityError as exc:
        response = form_error(request, session, "thread.html", thread_again, exc)
        if exc.code == "email_not_verified":
            keep_draft()  # after the rollback: the text waits for the confirmed address
        return response
    assert post.id is not None
    done = "reply_held" if post.is_pending else "reply_posted"
    thread = forum.get_thread(session, viewer, thread_id)
    if seen is not None and drafts.replies_since(session, viewer, thread, seen):
        done = "reply_posted_meanwhile"  # others answered while this one was written
    if back.startswith("/blog/") and safe_next(back) == back:
        flash = "reply_held" if post.is_pending else "comment_posted"
        return see_other(f"{back}#post-{post.id}", flash=flash)
    return _back_to_post(session, viewer, thread_id, post.id, done)


@router.post("/p/{post_id}/kudos")
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
    done = "kudos_taken" if action == "take" else "kudos_given"
    return _back_to_post(session, viewer, post.thread_id, post_id, done)


@router.post("/t/{thread_id}/solution")
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
        return see_other(f"/t/{thread.id}/{thread.slug}", flash="solution_withdrawn")
    reputation.accept_solution(session, viewer, thread_id, post_id)
    return _back_to_post(session, viewer, thread_id, post_id, "solution_accepted")
