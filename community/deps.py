"""Request dependencies both surfaces use: the session (one transaction per request), the
viewer, id paths; typed aliases as in the FastAPI full-stack template's deps.py."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated

from fastapi import Depends, Path, Request
from sqlmodel import Session

from community.accounts.models import User
from community.accounts.viewer import Viewer
from community.auth import bearer_token, check_api_csrf, resolve_viewer
from community.config import get_settings
from community.db import MAX_ID
from community.errors import Forbidden, NotAuthenticated
from community.forum import permissions as perms
from community.i18n import Formatted


def get_session(request: Request) -> Iterator[Session]:
    """One transaction per request: committed before the response is sent, or rolled back."""
    with Session(request.app.state.engine, expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            # Rolling back expires every loaded row; the error page still has to say who
            # is signed in, so the viewer's (unchanged) user row is kept out of it.
            viewer = getattr(request.state, "viewer", None)
            user = viewer.user if viewer is not None else None
            if user is not None and user in session and user not in session.dirty:
                session.expunge(user)
            session.rollback()
            raise


# The same transaction for an endpoint that opens it itself, in the one request thread it
# runs its work in (the search API, whose dependencies cost as much as its search).
request_session = contextmanager(get_session)

# scope="function": the commit happens before the response leaves, so a client never
# sees success for a write that then fails to commit.
SessionDep = Annotated[Session, Depends(get_session, scope="function")]


def is_anonymous(request: Request) -> bool:
    """Whether the viewer is anonymous without asking the database: no bearer token and no
    session cookie (resolve_viewer answers ANONYMOUS then, and only then, unasked)."""
    return bearer_token(request) is None and not request.cookies.get(get_settings().session_cookie)


def get_viewer(request: Request, session: SessionDep) -> Viewer:
    viewer = resolve_viewer(request, session)
    check_api_csrf(request)
    return viewer


ViewerDep = Annotated[Viewer, Depends(get_viewer)]

# A row id in a path; larger numbers than the id columns hold are refused with 422.
IdPath = Annotated[int, Path(ge=1, le=MAX_ID)]


def get_current_user(viewer: ViewerDep) -> User:
    if viewer.user is None:
        raise NotAuthenticated("Bitte melden Sie sich an.")
    return viewer.user


CurrentUser = Annotated[User, Depends(get_current_user)]


def require_scope(scope: str):  # type: ignore[no-untyped-def]
    def check(viewer: ViewerDep) -> Viewer:
        if viewer.token_scopes is not None and scope in viewer.token_scopes:
            return viewer
        if viewer.is_admin:
            return viewer
        if viewer.user is None and viewer.token_scopes is None:
            raise NotAuthenticated("Bitte melden Sie sich an oder senden Sie ein Token.")
        raise Forbidden(
            Formatted("Dafür braucht es die Berechtigung %(scope)s.", scope=scope),
            code="missing_scope",
        )

    return check


def _admin_only(viewer: ViewerDep) -> Viewer:
    perms.require_admin(viewer)
    return viewer


# For a router whose every route is for admins: dependencies=[AdminOnly].
AdminOnly = Depends(_admin_only)
