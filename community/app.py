"""create_app(): the API under /api/v1, the web pages, error handlers and middleware."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager as AsyncContextManager
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from sqlalchemy import Engine
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException

from community import i18n, memory, pageversion
from community.accounts import avatars
from community.api.openapi import OperationIds, install_docs, package_version
from community.api.openapi import install as install_openapi
from community.api.router import api_router
from community.auth import resolve_viewer
from community.config import Settings, get_settings
from community.db import get_engine
from community.deps import is_anonymous, request_session
from community.errors import CommunityError, TooManyRequests
from community.faults import install as install_fault_answers
from community.forum.reading import ViewCounter
from community.health import router as health_router
from community.indexing.backend import claim_index_writer
from community.indexing.service import check_on_startup
from community.jobs.worker import Worker
from community.lazyroutes import load_all
from community.metrics import RequestMetrics
from community.metrics_endpoint import router as metrics_router
from community.middleware import (
    BodySizeLimit,
    CsrfCookie,
    HeadAsGet,
    RefuseNulInUrl,
    SecurityHeaders,
)
from community.notifications import service as notifications
from community.ratelimit import RateLimitHeaders
from community.requestlog import RequestId
from community.warmup import warm_up
from community.web import fragments, threadshare
from community.web.keptstore import KeptStore
from community.web.pagecache import PageCache, PageStore
from community.web.pages import STATIC_DIR, compile_templates, error_page
from community.web.router import web_router

log = logging.getLogger(__name__)

_HTTP_CODES = {
    400: "bad_request",
    401: "not_authenticated",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "invalid_input",
    429: "rate_limited",
}


def _is_api(request: Request) -> bool:
    return request.url.path.startswith("/api/")


def _error(
    request: Request, status: int, code: str, detail: Any, headers: dict[str, str] | None = None
) -> Response:
    if not _is_api(request):
        return error_page(request, status, detail if isinstance(detail, str) else None, headers)
    locale = i18n.api_locale(request)
    if isinstance(detail, str):
        detail = i18n.translate(detail, locale)
    response = JSONResponse({"error": code, "detail": detail}, status_code=status, headers=headers)
    response.headers["Content-Language"] = locale
    response.headers["Vary"] = "Accept-Language"
    if status == 401:
        # RFC 9110 11.6.1 and RFC 6750 3: a 401 names the scheme that gets in; an integration
        # token's (browsers, signed in by their cookie, never see this answer on a page).
        error = ', error="invalid_token"' if code == "invalid_token" else ""
        response.headers["WWW-Authenticate"] = f'Bearer realm="community"{error}'
    return response


def _validation_detail(exc: RequestValidationError) -> list[dict[str, Any]]:
    """Field errors without echoing the input back (it may be a password or huge)."""
    out = []
    for err in exc.errors():
        out.append(
            {
                "loc": list(err.get("loc", [])),
                "msg": str(err.get("msg", "")),
                "type": err.get("type"),
            }
        )
    return out


def create_app(settings: Settings | None = None, engine: Engine | None = None) -> FastAPI:
    settings = settings or get_settings()
    settings.check_for_production()
    memory.limit_arenas()  # before the request threads start
    engine = engine or get_engine()
    operation_ids = OperationIds()
    app = FastAPI(
        title=f"{settings.site_name} API",
        version=package_version(),
        description="JSON API of the community forum. Log in with a session cookie "
        "(send X-CSRF-Token on writes) or an integration token as `Authorization: Bearer`.",
        lifespan=_lifespan(settings),
        docs_url=None,
        redoc_url=None,
        generate_unique_id_function=operation_ids,
    )
    app.state.engine = engine
    app.state.settings = settings
    app.state.views = ViewCounter()
    app.state.page_cache = PageStore(int(settings.page_cache_mib * 2**20))
    # A member's thread page takes its posts from here (web/fragments.py); off with the
    # page cache.
    app.state.post_fragments = (
        KeptStore(fragments.DEFAULT_BYTES, settings.page_cache_seconds)
        if settings.page_cache
        else None
    )
    # What a member's thread page shows every member alike (web/threadshare.py); off with
    # the page cache too.
    app.state.thread_share = (
        KeptStore(threadshare.DEFAULT_BYTES, settings.page_cache_seconds)
        if settings.page_cache
        else None
    )
    _add_error_handlers(app)
    _add_middleware(app, settings)
    app.include_router(api_router)
    install_openapi(app, operation_ids, settings.session_cookie)
    _with_lazy_routes(app)
    if settings.api_docs_enabled:
        install_docs(app)
    app.include_router(health_router)
    app.include_router(metrics_router)
    app.include_router(web_router)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    return app


def _with_lazy_routes(app: FastAPI) -> None:
    """The OpenAPI schema describes every route: the lazily imported ones too."""
    schema = app.openapi

    def openapi() -> dict[str, Any]:
        load_all(app.router)
        return schema()

    app.openapi = openapi  # type: ignore[method-assign]


def _lifespan(settings: Settings) -> Callable[[FastAPI], AsyncContextManager[None]]:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # The engine requests use (app.state): the tests hand one app a new engine per test.
        engine = app.state.engine
        in_process = settings.worker_in_process
        if in_process:
            # The worker writes the embedded index: refuse to start beside another writer.
            claim_index_writer()
        check_on_startup(engine)
        worker = None
        if in_process:
            worker = Worker(engine)
            worker.start_in_thread()
            log.info("job worker runs inside this process")
        compile_templates()
        if settings.warm_up:
            await warm_up(app, engine)
        # What start-up built lives as long as the process: out of the collector's sight, a
        # full collection no longer walks it (the pauses grew with the heap).
        gc.collect()
        memory.trim()
        gc.freeze()
        views: ViewCounter = app.state.views
        flusher = asyncio.create_task(_flush_views_every(VIEW_FLUSH_SECONDS, views, engine))
        yield
        flusher.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await flusher
        await asyncio.to_thread(views.flush, engine)  # no view lost at a restart
        pageversion.close_readers(engine)
        if worker is not None:
            worker.stop()

    return lifespan


# How long thread views wait in memory before they are written (a crash loses at most these).
VIEW_FLUSH_SECONDS = 5.0


async def _flush_views_every(seconds: float, views: ViewCounter, engine: Engine) -> None:
    while True:
        await asyncio.sleep(seconds)
        try:
            await asyncio.to_thread(views.flush, engine)
        except Exception:  # the counts stay pending; the next round tries again
            log.exception("writing the thread views failed")
        # What the requests since the last round freed inside malloc's heaps goes back to the
        # system: after a load, ~1-2 MiB of each app process's own memory (issue 21), for
        # ~0.2 ms here every few seconds.
        memory.trim()


def _add_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(CommunityError)
    async def community_error(request: Request, exc: CommunityError) -> Response:
        headers = (
            {"Retry-After": str(exc.retry_after)} if isinstance(exc, TooManyRequests) else None
        )
        return _error(request, exc.status_code, exc.code, exc.message, headers)

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> Response:
        if not _is_api(request):
            return _error(request, 422, "invalid_input", "Die Eingabe ist ungültig.")
        return _error(request, 422, "invalid_input", _validation_detail(exc))

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        if not _is_api(request) and not is_anonymous(request):
            await run_in_threadpool(_find_viewer, request)
        code = _HTTP_CODES.get(exc.status_code, "error")
        detail = exc.detail if isinstance(exc.detail, str) else code
        return _error(request, exc.status_code, code, detail, getattr(exc, "headers", None))

    @app.exception_handler(Exception)
    async def unexpected_error(request: Request, exc: Exception) -> Response:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return _error(request, 500, "internal_error", "Ein interner Fehler ist aufgetreten.")

    install_fault_answers(app)  # 503 for database faults; errors keep the connection


def _find_viewer(request: Request) -> None:
    """For the page of an address no route matched (404) or of a method it does not take
    (405): no dependency said who is asking, and the page is to show the member's header in
    their language all the same. A fault leaves it the page a visitor gets: it is about the
    address, and must not turn into another error."""
    if getattr(request.state, "viewer", None) is not None:
        return
    try:
        with request_session(request) as session:
            viewer = resolve_viewer(request, session)
            if viewer.user is not None:
                # The header's bell, read here too: the page renders on the event loop
                request.state.unread_notices = notifications.unread_count(session, viewer)
    except Exception:  # any: see the docstring
        request.state.viewer = None  # the page a visitor gets, with no read on the loop
        log.debug("viewer of an error page not found", exc_info=True)


def _add_middleware(app: FastAPI, settings: Settings) -> None:
    app.add_middleware(CsrfCookie, cookie_name=settings.csrf_cookie)

    if settings.page_cache:
        # Inside the others (request id, metrics, security headers see a cached page too)
        # and around the CSRF cookie, whose token it puts into each cached page.
        app.add_middleware(PageCache, store=app.state.page_cache, settings=settings)
    # Each one added wraps the ones before: RequestId and RequestMetrics, added last, see
    # every answer, including the ones the other middleware give; SecurityHeaders sits
    # outside the body limit and the NUL refusal, so their 413 and 422 carry the headers.
    app.add_middleware(RateLimitHeaders)
    app.add_middleware(
        BodySizeLimit,
        max_bytes=settings.max_body_bytes,
        larger=dict.fromkeys(
            (r"/settings/avatar", r"/admin/blog/[0-9]+/cover/upload"),
            # Twice what the service takes: a picture somewhat too large reaches it and is
            # refused on the form; a larger one gets the page, which states the same limit.
            (
                max(settings.max_body_bytes, 2 * avatars.MAX_UPLOAD_BYTES),
                avatars.MAX_UPLOAD_BYTES,
            ),
        ),
    )
    app.add_middleware(RefuseNulInUrl)
    app.add_middleware(HeadAsGet)
    app.add_middleware(SecurityHeaders, hsts_max_age=settings.hsts_max_age)
    app.add_middleware(RequestMetrics)
    app.add_middleware(RequestId)
