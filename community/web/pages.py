"""Templates and the helpers every page uses."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from community.auth import csrf_token
from community.config import get_settings

WEB_DIR = Path(__file__).parent
STATIC_DIR = WEB_DIR / "static"
templates = Jinja2Templates(directory=WEB_DIR / "templates")


def _date(value: Any) -> str:
    return value.strftime("%d.%m.%Y, %H:%M") if value else ""


templates.env.filters["date"] = _date


def render(
    request: Request, name: str, context: dict[str, Any] | None = None, status_code: int = 200
) -> HTMLResponse:
    viewer = getattr(request.state, "viewer", None)
    base = {
        "settings": get_settings(),
        "viewer": viewer,
        "me": viewer.user if viewer else None,
        "csrf_token": csrf_token(request),
    }
    return templates.TemplateResponse(
        request, name, {**base, **(context or {})}, status_code=status_code
    )


_TITLES = {
    401: "Bitte melden Sie sich an",
    403: "Keine Berechtigung",
    404: "Seite nicht gefunden",
    413: "Anfrage zu groß",
    422: "Ungültige Eingabe",
    429: "Zu viele Anfragen",
    500: "Ein Fehler ist aufgetreten",
}


def error_page(
    request: Request, status: int, message: str | None, headers: dict[str, str] | None = None
) -> HTMLResponse:
    response = render(
        request,
        "error.html",
        {"status": status, "title": _TITLES.get(status, "Fehler"), "message": message},
        status_code=status,
    )
    if headers:
        response.headers.update(headers)
    return response
