"""One login for browser and API: a session cookie, or a Bearer integration token.

CSRF: every state-changing request made with the session cookie must echo the token
(form field `csrf_token` or header X-CSRF-Token). While signed in the token is derived
from the session (an HMAC of its cookie under the secret key), so a cookie planted by
another site cannot be echoed, and it changes at every login. Before login (the login
and registration forms) it is a random double-submit cookie, renewed at logout. The CSRF
cookie always holds the current token, for pages and scripts to read."""

from __future__ import annotations

import hashlib
import hmac
import secrets

from fastapi import Request, Response
from sqlmodel import Session

from community.accounts import security
from community.accounts import service as accounts
from community.accounts.viewer import ANONYMOUS, Viewer
from community.config import get_settings
from community.errors import CommunityError, NotAuthenticated

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class CsrfError(CommunityError):
    status_code = 403
    code = "csrf_failed"


def bearer_token(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    return None


def resolve_viewer(request: Request, session: Session) -> Viewer:
    """Who is asking. Cached on the request so API and web dependencies share it."""
    cached = getattr(request.state, "viewer", None)
    if cached is not None:
        return cached
    viewer = ANONYMOUS
    raw_bearer = bearer_token(request)
    if raw_bearer is not None:
        token = accounts.token_for_bearer(session, raw_bearer)
        if token is None:
            raise NotAuthenticated("Ungültiges Token.", code="invalid_token")
        viewer = Viewer(token_scopes=frozenset(token.scope_list))
    else:
        raw = request.cookies.get(get_settings().session_cookie)
        if raw:
            viewer = accounts.viewer_for_session(session, raw)
    request.state.viewer = viewer
    return viewer


def session_csrf_token(raw_session: str) -> str:
    """The CSRF token of a session: only someone who holds the session cookie (httponly,
    so not another site's script) or the server can compute it."""
    key = get_settings().secret_key.encode()
    return hmac.new(key, b"csrf|" + raw_session.encode(), hashlib.sha256).hexdigest()


def csrf_token(request: Request) -> str:
    """The token for this browser; a new one is set as a cookie by the middleware."""
    session_raw = request.cookies.get(get_settings().session_cookie)
    if session_raw:
        return session_csrf_token(session_raw)
    existing = request.cookies.get(get_settings().csrf_cookie)
    if existing:
        return existing
    fresh = getattr(request.state, "new_csrf", None)
    if fresh is None:
        fresh = secrets.token_urlsafe(32)
        request.state.new_csrf = fresh
    return fresh


def check_csrf(request: Request, submitted: str | None) -> None:
    if request.method in SAFE_METHODS or bearer_token(request) is not None:
        return
    session_raw = request.cookies.get(get_settings().session_cookie)
    if session_raw:
        expected: str | None = session_csrf_token(session_raw)
    else:
        expected = request.cookies.get(get_settings().csrf_cookie)
    if not expected or not submitted or not security.same(expected, submitted):
        raise CsrfError("Sicherheitsprüfung fehlgeschlagen. Bitte laden Sie die Seite neu.")


def check_api_csrf(request: Request) -> None:
    """Only requests that ride on the session cookie can be forged by another site."""
    if request.cookies.get(get_settings().session_cookie):
        check_csrf(request, request.headers.get("x-csrf-token"))


def set_session_cookie(response: Response, raw: str) -> None:
    settings = get_settings()
    response.set_cookie(
        settings.session_cookie,
        raw,
        max_age=settings.session_days * 86400,
        httponly=True,
        samesite="lax",
        secure=settings.secure_cookies,
        path="/",
    )
    # A new session, a new token: one planted or seen before the login is worth nothing.
    set_csrf_cookie(response, session_csrf_token(raw))


def clear_session_cookie(response: Response) -> None:
    settings = get_settings()
    response.delete_cookie(
        settings.session_cookie,
        path="/",
        httponly=True,
        samesite="lax",
        secure=settings.secure_cookies,
    )
    set_csrf_cookie(response, secrets.token_urlsafe(32))


def set_csrf_cookie(response: Response, value: str) -> None:
    settings = get_settings()
    # Readable by scripts on purpose (double submit); it grants nothing on its own.
    response.set_cookie(
        settings.csrf_cookie,
        value,
        max_age=365 * 86400,
        httponly=False,
        samesite="lax",
        secure=settings.secure_cookies,
        path="/",
    )


def client_ip(request: Request) -> str:
    return request.client.host if request.client else "unknown"
