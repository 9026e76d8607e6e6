"""Search for a viewer, and the outbox jobs that keep the index in step with the forum.

The visibility filter is added here, on the server, to every query: anonymous visitors and
non-members get "public" only, members also their groups' keys, moderators everything.
A group membership change needs no reindex, since the keys are group ids; a board's
group change does (board_changed)."""

from __future__ import annotations

import dataclasses
import logging
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine, bindparam, func, select
from sqlmodel import Session, col

from community import pageversion
from community.accounts.viewer import ANONYMOUS, Viewer
from community.config import get_settings
from community.errors import InvalidInput, ServiceUnavailable
from community.forum import searching
from community.forum.models import Category, Thread
from community.i18n import Formatted
from community.indexing.backend import get_backend
from community.indexing.documents import all_documents, build_documents
from community.jobs.models import Job
from community.jobs.service import enqueue, handler
from community.metrics import observe_search, search_timer
from search.documents import PUBLIC, Filters, Hit, SearchError, SearchResults

log = logging.getLogger(__name__)

SYNC_THREAD = "search.sync_thread"
SYNC_BOARD = "search.sync_board"
REINDEX = "search.reindex"

QUERY_MAX = 200
PER_PAGE = 20
PAGE_MAX = 50


def visibility_for(viewer: Viewer) -> list[str] | None:
    """The keys this viewer holds; None for moderators, who see every board."""
    if viewer.is_moderator:
        return None
    return [PUBLIC, *(f"group:{g}" for g in sorted(viewer.group_ids))]


# ---- enqueueing (called by the services in their transaction) ------------------------------


def _already_queued(session: Session, type_: str, payload: dict[str, Any]) -> bool:
    return any(
        isinstance(obj, Job) and obj.type == type_ and obj.payload == payload for obj in session.new
    )


def thread_changed(session: Session, thread_id: int | None) -> None:
    """Call in the same transaction as any change to what a thread's document holds:
    created, replied to, edited, deleted, solved, hidden, moved. Runs after commit."""
    if thread_id is None:
        return
    payload = {"thread_id": thread_id}
    if not _already_queued(session, SYNC_THREAD, payload):
        enqueue(session, SYNC_THREAD, payload)


def board_changed(session: Session, category_id: int | None) -> None:
    """A board's groups changed: every thread in it gets new visibility keys."""
    if category_id is None:
        return
    payload = {"category_id": category_id}
    if not _already_queued(session, SYNC_BOARD, payload):
        enqueue(session, SYNC_BOARD, payload)


# ---- job handlers (the worker runs them after commit; a failure retries with backoff) ------


@handler(SYNC_THREAD)
def sync_thread(session: Session, payload: dict[str, Any]) -> None:
    thread_id = int(payload["thread_id"])
    thread = session.get(Thread, thread_id)
    documents = build_documents(session, [thread]) if thread is not None else []
    if documents:
        get_backend().upsert(documents)
    else:
        get_backend().delete([thread_id])


@handler(SYNC_BOARD)
def sync_board(session: Session, payload: dict[str, Any]) -> None:
    category_id = int(payload["category_id"])
    last_id = 0
    while True:
        threads = list(
            session.execute(
                select(Thread)
                .where(col(Thread.category_id) == category_id, col(Thread.id) > last_id)
                .order_by(col(Thread.id))
                .limit(1000)
            ).scalars()
        )
        if not threads:
            return
        documents = build_documents(session, threads)
        get_backend().upsert(documents)
        kept = {d.id for d in documents}
        get_backend().delete([t.id for t in threads if t.id is not None and t.id not in kept])
        last_id = threads[-1].id or last_id


@handler(REINDEX)
def reindex_job(session: Session, payload: dict[str, Any]) -> None:
    reindex(session)


def reindex(session: Session) -> int:
    """Build a new index from the database and swap it in."""
    return get_backend().reindex(all_documents(session))


def check_on_startup(engine: Engine) -> None:
    """Settings in place before anything is written; an empty index over a filled forum
    (first start, a new engine, a new index format) is rebuilt by the worker."""
    backend = get_backend()
    try:
        backend.ensure()
        documents = int(backend.stats().get("documents") or 0)
    except Exception:
        log.exception("search engine not ready; the index catches up when it is back")
        return
    if documents:
        return
    with Session(engine) as session:
        threads = session.execute(select(func.count(col(Thread.id)))).scalar_one()
        queued = session.execute(
            select(func.count(col(Job.id))).where(
                col(Job.type) == REINDEX, col(Job.status).in_(["queued", "running"])
            )
        ).scalar_one()
        if threads and not queued:
            enqueue(session, REINDEX, {})
            session.commit()
            log.info("search index is empty: a reindex of %s threads is queued", threads)


# ---- reading ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class SearchQuery:
    q: str = ""
    board: str | None = None
    kind: str | None = None
    solved: bool | None = None
    page: int = 1


def _clean(q: str) -> str:
    q = " ".join(q.split()) + (" " if q[-1:].isspace() else "")
    if len(q) > QUERY_MAX:
        raise InvalidInput(
            Formatted("Die Suche darf höchstens %(most)s Zeichen lang sein.", most=QUERY_MAX),
            code="query_too_long",
        )
    return q


def search(session: Session, viewer: Viewer, query: SearchQuery) -> SearchResults:
    results = _searched(get_backend().search, viewer, query)
    assert results is not None  # Backend.search always answers
    return only_visible(results, visible_ids(session, viewer, results.hits))


def visible_ids(session: Session, viewer: Viewer, hits: Sequence[Hit]) -> set[int]:
    """Of these hits, the threads the viewer may see now. The engine filtered by the
    document's visibility keys, which follow a change (a thread moved into a closed board,
    a board closed to groups, a thread hidden) only once the worker has run its job: until
    then, and whenever the worker is down or behind, the database decides. A visitor's
    answers are kept per version of the pages, which each such change bumps."""
    # The hits and the near-duplicates folded into them: their ids are shown too.
    ids = [hit.id for hit in hits] + [folded for hit in hits for folded in hit.similar_ids]
    if viewer.is_moderator or not ids:
        return set(ids)
    if viewer.user is not None:
        return searching.visible_thread_ids(session, viewer, ids)
    version = _pages_version(session)
    if version is None:  # no version row: nothing is kept
        return searching.visible_thread_ids(session, ANONYMOUS, ids)
    places = _kept_at(version)
    kept = places.public
    missing = [thread_id for thread_id in ids if thread_id not in kept]
    if missing:
        found = searching.visible_thread_ids(session, ANONYMOUS, missing)
        if len(kept) + len(missing) > KEPT_PATHS:
            kept = places.public = {}
        kept.update({thread_id: thread_id in found for thread_id in missing})
    return {thread_id for thread_id in ids if kept.get(thread_id)}


def only_visible(results: SearchResults, visible: set[int]) -> SearchResults:
    """The results without what the viewer may not see now: a hit whose thread is not
    visible goes (with the questions folded under it, until the index has caught up), and
    a folded question that is not visible leaves its hit's list and count."""
    hits = [_folded_visible(hit, visible) for hit in results.hits if hit.id in visible]
    if hits == results.hits:
        return results
    if results.total_capped:  # "over 1,000": still so
        return dataclasses.replace(results, hits=hits)
    left_out = len(results.hits) - len(hits)
    return dataclasses.replace(results, hits=hits, total=max(len(hits), results.total - left_out))


def _folded_visible(hit: Hit, visible: set[int]) -> Hit:
    kept = tuple(folded for folded in hit.similar_ids if folded in visible)
    if kept == hit.similar_ids:
        return hit
    return dataclasses.replace(hit, similar_ids=kept, similar_count=len(kept))


def search_at_once(viewer: Viewer, query: SearchQuery) -> SearchResults | None:
    """`search` when the engine answers without waiting for anything (the embedded one,
    its index open and not being written by another thread of this process), else None:
    for the search API on the event loop."""
    at_once = getattr(get_backend(), "search_at_once", None)
    return _searched(at_once, viewer, query) if at_once is not None else None


def _searched(
    run: Callable[..., SearchResults | None], viewer: Viewer, query: SearchQuery
) -> SearchResults | None:
    if not 1 <= query.page <= PAGE_MAX:
        raise InvalidInput(Formatted("Seite 1 bis %(last)s.", last=PAGE_MAX), code="invalid_page")
    q = _clean(query.q)
    started = time.perf_counter()
    ran = True
    try:
        results = run(
            q,
            filters=Filters(board=query.board, kind=query.kind, solved=query.solved),
            visibility=visibility_for(viewer),
            page=query.page,
            per_page=PER_PAGE,
        )
        ran = results is not None  # None: not run at once, so not timed
        return results
    except SearchError as exc:
        raise _unavailable(exc) from exc
    finally:
        if ran:
            observe_search("search", started)


def index_problem() -> str | None:
    """Why the index cannot take writes now (a read-only folder, a full disk), or None:
    search still answers, from an index that misses the newest changes ("degraded")."""
    try:
        return get_backend().write_problem()
    except Exception as exc:
        return type(exc).__name__


SEARCH_UNAVAILABLE = "Die Suche ist gerade nicht erreichbar. Bitte versuchen Sie es später erneut."


def _unavailable(exc: SearchError) -> ServiceUnavailable:
    log.warning("search engine unavailable: %s", exc)
    return ServiceUnavailable(SEARCH_UNAVAILABLE, code="search_unavailable")


def similar(
    session: Session,
    viewer: Viewer,
    title: str,
    text: str = "",
    *,
    limit: int = 5,
    kind: str | None = None,
) -> list[Hit]:
    """Threads like the one being written: shown under the title of the ask page; with a
    kind, only threads of that kind ("Ähnliche Ideen" lists ideas only)."""
    title = _clean(title)
    if len(title.strip()) < 3:
        return []
    try:
        with search_timer("similar"):
            hits = get_backend().similar(
                title, text[:1000], visibility=visibility_for(viewer), limit=limit, kind=kind
            )
    except SearchError as exc:
        raise _unavailable(exc) from exc
    visible = visible_ids(session, viewer, hits)  # see there: the index may lag a change
    return [_folded_visible(hit, visible) for hit in hits if hit.id in visible]


_BOARD_NAMES = select(col(Category.slug), col(Category.name))
# Built once per process: the search API asks on every request.
_BOARD_NAMES_OF = _BOARD_NAMES.where(col(Category.slug).in_(bindparam("slugs", expanding=True)))


def board_names(session: Session, slugs: Iterable[str] | None = None) -> dict[str, str]:
    """Board names by slug: of the given boards only (a result page's), or of all."""
    if slugs is None:
        rows = session.connection().execute(_BOARD_NAMES)
    else:
        wanted = sorted(set(slugs))
        if not wanted:
            return {}
        rows = session.connection().execute(_BOARD_NAMES_OF, {"slugs": wanted})
    # Rows unpack as tuples (Result.tuples() is deprecated since SQLAlchemy 2.1 and warned
    # on every call).
    return dict(rows.all())


# ---- board names and addresses of a result page's hits, kept per process ---------------------


@dataclass
class _Places:
    """What the pages showed at one version (community/pageversion.py): every board's name
    by slug, and the blog article path of each thread asked about (None: it has none).
    Filled after the version was read, so what it holds is at least that new; a rename or a
    new article changes the version in its own transaction, and the next search reads anew.
    Writes through a bare connection (the demo seeder) leave the version: read anew after
    COMMUNITY_PAGE_CACHE_SECONDS, as the page cache does."""

    version: int
    made: float = field(default_factory=time.monotonic)
    names: dict[str, str] | None = None
    paths: dict[int, str | None] = field(default_factory=dict)
    # Whether a visitor may see each thread asked about (visible_ids).
    public: dict[int, bool] = field(default_factory=dict)


# Threads whose article path is kept: beyond it, they are asked again.
KEPT_PATHS = 10_000
_places: _Places | None = None
_MISSING = object()


def forget_places() -> None:
    """Drop what is kept (the tests' rolled-back data brings old versions back)."""
    global _places
    _places = None


def _pages_version(session: Session) -> int | None:
    """Straight from the SQLite file where it can (~20 us), not through the request's
    session, which would take a connection from the pool only for it (~100 us with its
    commit)."""
    bind = session.get_bind()
    if isinstance(bind, Engine):
        version = pageversion.local_reader(bind).read()
        if version is not None:
            return version
    # Another engine (PostgreSQL, the tests' one connection), or the reader busy.
    return pageversion.read(session.connection())


def hit_places(session: Session, hits: Sequence[Hit]) -> tuple[dict[str, str], dict[int, str]]:
    """The board names (by slug) and the article paths (by thread id) of these hits, for
    the search API: read once per version of the pages, not on every search. Only the hits'
    own boards are named; the engine let through only what the viewer may see."""
    if not hits:
        return {}, {}
    global _places
    slugs = {hit.board_slug for hit in hits}
    ids = [hit.id for hit in hits]
    version = _pages_version(session)
    if version is None:  # no version row: nothing is kept
        return board_names(session, slugs), searching.article_paths(session, ids)
    places = _kept_at(version)
    names = places.names
    if names is None:
        names = places.names = board_names(session)
    paths: dict[int, str] = {}
    missing: list[int] = []
    kept = places.paths
    for thread_id in ids:
        path = kept.get(thread_id, _MISSING)
        if path is _MISSING:
            missing.append(thread_id)
        elif isinstance(path, str):
            paths[thread_id] = path
    if missing:
        found = searching.article_paths(session, missing)
        paths |= found
        if len(kept) + len(missing) > KEPT_PATHS:
            kept = places.paths = {}
        kept.update({thread_id: found.get(thread_id) for thread_id in missing})
    return {slug: names[slug] for slug in slugs if slug in names}, paths


def _kept_at(version: int) -> _Places:
    """What is kept for this version of the pages: anew when it is older."""
    global _places
    places = _places
    if places is None or places.version != version or _aged(places):
        places = _places = _Places(version)
    return places


def _aged(places: _Places) -> bool:
    """Past the page cache's maximum age; always, when the page cache is off
    (COMMUNITY_PAGE_CACHE=false): then every search reads the places anew."""
    settings = get_settings()
    return not settings.page_cache or time.monotonic() - places.made > settings.page_cache_seconds


async def kept_places(
    engine: Engine, hits: Sequence[Hit]
) -> tuple[set[int], dict[str, str], dict[int, str]] | None:
    """A visitor's `visible_ids` and `hit_places` from what is kept alone, on the event
    loop: None when the version cannot be read at once (pageversion.read_on_loop: one
    statement on a connection of our own, as the page cache reads it) or a hit's
    visibility or place is not kept."""
    if not hits:
        return set(), {}, {}
    places = _places
    names = places.names if places is not None else None
    if places is None or names is None or _aged(places):
        return None
    if await pageversion.read_on_loop(engine) != places.version:
        return None
    paths: dict[int, str] = {}
    visible: set[int] = set()
    for hit in hits:
        path = places.paths.get(hit.id, _MISSING)
        if path is _MISSING:
            return None
        if isinstance(path, str):
            paths[hit.id] = path
        for thread_id in (hit.id, *hit.similar_ids):
            public = places.public.get(thread_id)
            if public is None:
                return None
            if public:
                visible.add(thread_id)
    names_shown = {hit.board_slug: names[hit.board_slug] for hit in hits if hit.board_slug in names}
    return visible, names_shown, paths
