"""What every HTML route takes besides the session: the viewer, the form's CSRF field, and
the redirects a page answers with."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated
from urllib.parse import quote

from fastapi import Depends, Form, Request
from fastapi.responses import RedirectResponse, Response

from community.accounts.viewer import Viewer
from community.auth import resolve_viewer
from community.deps import SessionDep
from community.errors import Forbidden, NotAuthenticated, NotFound
from community.web.flash import set_flash
from community.web.pages import NOT_FOUND


def _viewer(request: Request, session: SessionDep) -> Viewer:
    # Unlike the API's viewer, no header check: a page's form carries its CSRF field.
    return resolve_viewer(request, session)


WebViewer = Annotated[Viewer, Depends(_viewer)]
# For a page whose route need not know who asks but whose header and language do (render
# reads the viewer this leaves on the request): the sign-in and password pages.
VIEWER_KNOWN = Depends(_viewer)


def _csrf_field(csrf_token: Annotated[str, Form(max_length=200)] = "") -> str:
    """A missing field is a failed CSRF check (403 from check_csrf), not invalid input."""
    return csrf_token


CsrfField = Annotated[str, Depends(_csrf_field)]


def see_other(url: str, flash: str | None = None) -> RedirectResponse:
    """After a form: the browser loads the next page with GET (no resubmission on reload);
    `flash` names the confirmation that page shows once (community/web/flash.py)."""
    response = RedirectResponse(url, status_code=303)
    if flash is not None:
        set_flash(response, flash)
    return response


def login_first(path: str) -> RedirectResponse:
    # The way back may carry its own query (/new?title=…): quoted, so it survives as one value.
    return see_other(f"/login?next={quote(path, safe='/')}")


def safe_next(url: str | None) -> str:
    """Only a path on this site: ?next= must not send anyone elsewhere after login."""
    return url if url and url.startswith("/") and not url.startswith("//") else "/"


Check = Callable[[Viewer], None]


def staff_write(viewer: Viewer, check: Check) -> None:
    """A staff page's permission: whoever may not use it gets its 404 (an expert or member
    learns nothing of the console), also for a form's POST."""
    try:
        check(viewer)
    except (Forbidden, NotAuthenticated):
        raise NotFound(NOT_FOUND) from None


def staff_gate(viewer: Viewer, path: str, check: Check) -> Response | None:
    """For a staff page's GET: None when the viewer may use it, the login page when
    signed out; else the 404 of staff_write."""
    if viewer.user is None:
        return login_first(path)
    staff_write(viewer, check)
    return None
