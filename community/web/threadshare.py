"""What a thread page shows every member alike, read once per version of the pages and kept
per process (issue 21): the thread, its board, the ids of the posts everyone sees, the
thread's hand-over to support, and per page the posts, the solution, their authors with
rank, staff name and post count. A member's own part is read on every view in one
statement (`member_reads`): read mark and first unread post, watch state, draft, the bell,
the kudos they gave in the thread, and whether they see more than every member does.

Kept under the version of the pages read first in the request (web/pages.py
load_legal_links), as the posts' fragments are (web/fragments.py): every change a page
shows gives a new version, so nothing kept is older than the version it is kept under,
and the first request after a committed change reads afresh. Only for a member who is
shown what a visitor is shown in the thread (forum/permissions.py sees_thread_as_visitor:
outside the moderation team, staff and every closed group, in a thread everyone may see,
with no waiting post in it), asked in three steps as the page learns them: the viewer
(store_for), the thread (thread_and_board), the member's own reads (is_shared).

A member with a hidden thread of their own counts its posts beside its authors' names: that
part is read for them (figures.with_own_hidden) and kept under the version with their id.

Everyone else's page is read in full, as before. Read as a visitor would see them (the
posts, the post counts), the kept rows hold nothing of the member who first asked; their
copies belong to no session, so a request that rolls back cannot expire them under
another. Off with COMMUNITY_PAGE_CACHE=false (app.py makes no store)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any, TypeVar

from fastapi import Request
from sqlalchemy import Executable, inspect, select
from sqlmodel import Session

from community.accounts.models import User
from community.accounts.staff import staff_names
from community.accounts.viewer import ANONYMOUS, Viewer
from community.db import read_values, split_ids
from community.forum import drafts, reading
from community.forum import permissions as perms
from community.forum import service as forum
from community.forum.models import Category, Post, Thread
from community.leads import service as leads
from community.leads.models import Escalation
from community.notifications import preferences
from community.notifications import service as notifications
from community.reputation import figures
from community.reputation import service as reputation
from community.reputation.profile import rank_labels
from community.reputation.ranks import RankLabel
from community.web.keptstore import KeptStore

STATE_KEY = "thread_share"
# The rows of the threads being read now: a page of 50 posts with their authors is some
# 100-300 KiB in memory. Bounded by an estimate of the bytes, as the fragments are.
DEFAULT_BYTES = 8 * 2**20
_ROW_BYTES = 1_000  # a row's object and its short values, roughly

Row = TypeVar("Row")


@dataclass(frozen=True)
class SharedThread:
    thread: Thread
    category: Category
    post_ids: list[int]  # the posts everyone sees, oldest first
    escalation: Escalation | None


@dataclass(frozen=True)
class SharedPage:
    page: forum.Page[Post]
    solution: Post | None
    users: dict[int, User]
    ranks: dict[int, RankLabel]
    staff_names: dict[int, str]
    post_counts: dict[int, int]


@dataclass(frozen=True)
class MemberReads:
    mark: int | None
    first_unread: int | None
    own_waiting_post: bool  # in the thread: the page is theirs alone
    own_hidden_thread: bool  # anywhere: counted beside the names of its authors
    watching: bool
    draft_body: str | None
    unread_notices: int
    kudos_given: set[int]  # the posts of the thread they gave kudos to


def store_for(
    request: Request, viewer: Viewer, kept: tuple[KeptStore, int] | None
) -> KeptStore | None:
    """The store for a viewer whose page may be shared (kept: the fragments' store and
    version for a member outside the moderation team and staff); None: read in full."""
    store: KeptStore | None = getattr(request.app.state, STATE_KEY, None)
    if store is None or kept is None or viewer.user_id is None:
        return None
    return store if perms.sees_as_visitor(viewer) else None


def thread_and_board(
    session: Session, viewer: Viewer, store: KeptStore, version: int, thread_id: int
) -> tuple[Thread, Category | None, bool, SharedThread | None]:
    """forum.get_thread_and_board, and the thread as every member sees it when it may be
    shared (else None: the page is read in full)."""
    key = ("thread", version, thread_id)
    shared = store.get(key)
    if isinstance(shared, SharedThread):  # only a thread everyone may see is kept
        return shared.thread, shared.category, False, shared
    thread, category, closed = forum.get_thread_and_board(session, viewer, thread_id)
    if category is None or not perms.open_to_everyone(thread, board_closed=closed):
        return thread, category, closed, None
    assert thread.id is not None
    shared = SharedThread(
        thread=_detached(thread),
        category=_detached(category),
        post_ids=reading.public_post_ids(session, thread),
        escalation=_detached_or_none(leads.escalation_of(session, thread.id)),
    )
    store.put(key, shared, _ROW_BYTES * 3 + 40 * len(shared.post_ids))
    return shared.thread, shared.category, False, shared


def member_reads(session: Session, viewer: Viewer, thread: Thread) -> MemberReads:
    """The member's own part of the page, in one statement."""
    params = {
        "viewer_id": viewer.user_id,
        "thread_id": thread.id,
        "scope": drafts.scope_of(thread.id),
    }
    row = read_values(session, _member_reads_statement(), params).one()
    mark, first_unread, waiting, hidden_thread, watching, draft_body, unread, kudos = row
    return MemberReads(
        mark=mark,
        first_unread=first_unread,
        own_waiting_post=bool(waiting),
        own_hidden_thread=bool(hidden_thread),
        watching=bool(watching),
        draft_body=draft_body,
        unread_notices=int(unread),
        kudos_given=split_ids(kudos),
    )


# A member outside the moderation team and every closed group: the kind of viewer whose
# statements the shared page reads with.
_MEMBER = perms.ViewerKind(moderator=False, in_groups=False, signed_in=True)


@cache
def _member_reads_statement() -> Executable:
    return select(
        *reading.mark_and_first_unread(_MEMBER),
        perms.own_waiting_post_exists(),
        perms.own_hidden_thread_exists(),
        preferences.watching_thread_column(),
        drafts.draft_body_column(),
        notifications.unread_count_column(_MEMBER),
        reputation.kudos_given_in_thread_column(),
    )


def is_shared(viewer: Viewer, shared: SharedThread, reads: MemberReads) -> bool:
    """Whether the member's page is the shared one, now that their own reads are known
    (a SharedThread is only ever kept for a thread in an open board)."""
    return perms.sees_thread_as_visitor(
        viewer, shared.thread, board_closed=False, own_waiting_post=reads.own_waiting_post
    )


def page_data(
    session: Session, store: KeptStore, version: int, shared: SharedThread, page_number: int
) -> SharedPage:
    """One page of the thread as every member sees it (read as a visitor: nothing of the
    member who asks first is in it)."""
    thread = shared.thread
    key = ("page", version, thread.id, page_number)
    kept = store.get(key)
    if isinstance(kept, SharedPage):
        return kept
    after = reading.start_after(shared.post_ids, page_number)
    page, solution, users = forum.page_of_posts(
        session, ANONYMOUS, thread, after, reading.POSTS_PER_PAGE
    )
    # A member in no closed group and without a hidden thread of their own counts what a
    # visitor counts (figures.post_counts).
    counts = figures.post_counts(session, ANONYMOUS, users)
    names = staff_names(session, users.values())
    ranks = rank_labels(session, users)
    users = {uid: _detached(u) for uid, u in users.items()}
    data = SharedPage(
        page=forum.Page([_detached(p) for p in page.items], page.next_cursor, page.prev_cursor),
        solution=_detached_or_none(solution),
        users=users,
        ranks=ranks,
        staff_names=names,
        post_counts=counts,
    )
    texts = sum(len(p.body or "") + len(p.body_html or "") for p in data.page.items)
    store.put(key, data, texts + _ROW_BYTES * (len(data.page.items) + 2 * len(users) + 1))
    return data


def post_counts_for(
    session: Session,
    viewer: Viewer,
    store: KeptStore,
    version: int,
    data: SharedPage,
    reads: MemberReads,
) -> dict[int, int]:
    """The counts beside the page's names as this member may count them: every member's,
    and for a member with a hidden thread of their own also the posts in it
    (figures.with_own_hidden), kept for them under the version like the rest (what it
    counts is in tables whose every change gives a new version)."""
    if not reads.own_hidden_thread:
        return data.post_counts
    key = ("own-hidden", version, viewer.user_id, tuple(sorted(data.users)))
    kept = store.get(key)
    if isinstance(kept, dict):
        return kept
    counts = figures.with_own_hidden(session, viewer, data.post_counts, data.users)
    store.put(key, counts, _ROW_BYTES)
    return counts


def _detached(row: Row) -> Row:
    """A copy of a loaded row that belongs to no session, with the loaded values: a rollback
    of the request that read it expires the original, never the copy others are shown."""
    state: Any = inspect(row)
    copy = state.mapper.class_manager.new_instance()
    values = inspect(copy).dict  # type: ignore[union-attr]
    for attribute in state.mapper.column_attrs:
        values[attribute.key] = getattr(row, attribute.key)  # loaded again if expired
    result: Row = copy
    return result


def _detached_or_none(row: Row | None) -> Row | None:
    return None if row is None else _detached(row)
