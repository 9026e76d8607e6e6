"""What every HTML route takes besides the session: the viewer, the form's CSRF field, and
the redirects a page answers with."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Form, Request
from fastapi.responses import RedirectResponse

from community.accounts.viewer import Viewer
from community.auth import resolve_viewer
from community.deps import SessionDep


def _viewer(request: Request, session: SessionDep) -> Viewer:
    # Unlike the API's viewer, no header check: a page's form carries its CSRF field.
    return resolve_viewer(request, session)


WebViewer = Annotated[Viewer, Depends(_viewer)]


def _csrf_field(csrf_token: Annotated[str, Form(max_length=200)] = "") -> str:
    """A missing field is a failed CSRF check (403 from check_csrf), not invalid input."""
    return csrf_token


CsrfField = Annotated[str, Depends(_csrf_field)]


def see_other(url: str) -> RedirectResponse:
    """After a form: the browser loads the next page with GET (no resubmission on reload)."""
    return RedirectResponse(url, status_code=303)


def login_first(path: str) -> RedirectResponse:
    return see_other(f"/login?next={path}")


def safe_next(url: str | None) -> str:
    """Only a path on this site: ?next= must not send anyone elsewhere after login."""
    return url if url and url.startswith("/") and not url.startswith("//") else "/"
