"""Templates and the helpers every page uses."""

from __future__ import annotations

from datetime import date, datetime
from functools import lru_cache, partial
from pathlib import Path
from typing import Any

from babel.dates import format_date
from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from jinja2 import pass_eval_context
from jinja2.nodes import EvalContext
from markupsafe import Markup
from sqlalchemy.orm import object_session
from sqlmodel import Session

from community import i18n, pageversion
from community.accounts.avatars import avatar_url
from community.auth import csrf_token
from community.config import get_settings
from community.deps import SessionDep
from community.i18n import N_
from community.legal.service import footer_links
from community.notifications import service as notifications
from community.notifications.experts import is_expert
from community.web import flash

WEB_DIR = Path(__file__).parent
STATIC_DIR = WEB_DIR / "static"
templates = Jinja2Templates(directory=WEB_DIR / "templates")
# The templates ship with the package and do not change under a running process: without
# this, every page asked the file system for each template's mtime (7 % of a thread page).
templates.env.auto_reload = False
templates.env.add_extension("jinja2.ext.i18n")
templates.env.install_gettext_callables(i18n.gettext, i18n.ngettext, newstyle=True)  # type: ignore[attr-defined]


# Jinja's newstyle `_()` runs two context calls, a catalog lookup, `Markup()` and a
# %-format for every message, ~20 % of a thread page's rendering (a dozen per post). The
# same text, escaped and formatted the same way, with the catalog's answer kept per
# process and language. Every template is HTML, but a non-escaping one would still get
# plain text as Jinja gives it.
@lru_cache(maxsize=4096)
def _message(message: str, locale: str) -> Markup:
    return Markup(i18n.translate(message, locale))  # noqa: S704  (our catalog, as Jinja trusts it)


@lru_cache(maxsize=4096)
def _plain_message(message: str, locale: str) -> Markup:
    return _message(message, locale) % {}  # as Jinja: "%%" becomes "%" without values


@pass_eval_context
def _template_gettext(eval_ctx: EvalContext, message: str, /, **variables: Any) -> str:
    if not eval_ctx.autoescape or type(message) is not str:  # a Formatted: its own values
        text = i18n.gettext(message)
        return (Markup(text) if eval_ctx.autoescape else text) % variables  # noqa: S704
    locale = i18n.current_locale()
    if variables:
        return _message(message, locale) % variables
    return _plain_message(message, locale)


@pass_eval_context
def _template_ngettext(
    eval_ctx: EvalContext, singular: str, plural: str, num: int, /, **variables: Any
) -> str:
    variables.setdefault("num", num)
    text = i18n.ngettext(singular, plural, num)
    return (Markup(text) if eval_ctx.autoescape else text) % variables  # noqa: S704


templates.env.globals.update(
    _=_template_gettext, gettext=_template_gettext, ngettext=_template_ngettext
)


def time_element(value: datetime | date | None, style: str = "datetime") -> Markup:
    """Every date a page shows: a `<time>` element whose `datetime` is machine-readable UTC
    and whose text is local time in the page's language. The only way templates print a
    date (`|datetime`, `|date`), so no page writes its own attribute."""
    if value is None:
        return Markup("")
    return _time_element(value, style, i18n.current_locale())


# The same posts' times on every view of a page: kept per process (the language is part
# of the key, as the text is in it).
@lru_cache(maxsize=8192, typed=True)
def _time_element(value: datetime | date, style: str, locale: str) -> Markup:
    if not isinstance(value, datetime):  # a calendar day: no time, no zone
        text = format_date(value, "long", locale=locale)
        return Markup('<time datetime="{}">{}</time>').format(value.isoformat(), text)
    text = i18n.fmt_date(value) if style == "date" else i18n.fmt_datetime(value)
    return Markup('<time datetime="{}">{}</time>').format(i18n.iso_utc(value), text)


templates.env.filters["datetime"] = time_element
templates.env.filters["date"] = partial(time_element, style="date")
templates.env.filters["number"] = i18n.fmt_number
templates.env.filters["month"] = i18n.fmt_month
templates.env.globals["avatar_url"] = avatar_url
# For text that arrives in a variable (a service's German message, a page title):
# plain catalog lookup, without the %-formatting of the newstyle `_`.
templates.env.filters["t"] = i18n.gettext

# The footer's links on a page that read no settings (e.g. an unknown path): our own
# pages, which redirect on to an external one when one is set.
_OWN_LEGAL_LINKS = {page: f"/{page}" for page in ("impressum", "datenschutz", "netiquette")}


def load_legal_links(request: Request, session: SessionDep) -> None:
    """A dependency of every web router: the footer's links, read in the page's own
    transaction (an admin may point them to external pages). First the version of the
    pages, before anything a page shows (a member's thread page keeps posts under it,
    web/fragments.py): the settings are then taken from the process's copy read under the
    same version, when there is one."""
    version = pageversion.read(session.connection())
    request.state.page_version = version
    settings = request.app.state.settings
    # COMMUNITY_PAGE_CACHE=false: every page reads the settings anew, as with no cache.
    max_age = settings.page_cache_seconds if settings.page_cache else 0
    request.state.legal_links = footer_links(session, version, max_age)


def render(
    request: Request,
    name: str,
    context: dict[str, Any] | None = None,
    status_code: int = 200,
    *,
    locale: str | None = None,
) -> HTMLResponse:
    """`locale`: the language of a page about one member who may not be signed in here (the
    unsubscribe and confirmation pages a mail in their language links to), over the one the
    request picks."""
    full, locale, whole_page = page_context(request, context, locale)
    response = templates.TemplateResponse(request, name, full, status_code=status_code)
    return finish(request, response, locale, whole_page)


def page_context(
    request: Request, context: dict[str, Any] | None = None, locale: str | None = None
) -> tuple[dict[str, Any], str, bool]:
    """What every page's template is given (the viewer, bell, CSRF token, footer, language),
    with the page's own `context` over it; the page's language (set for the rendering); and
    whether it is a whole page (not a fragment for htmx)."""
    viewer = getattr(request.state, "viewer", None)
    locale = i18n.supported(locale) if locale else i18n.pick_locale(request)
    i18n.set_locale(locale)
    # A fragment for htmx leaves the confirmation for the next whole page.
    whole_page = "HX-Request" not in request.headers
    base = {
        "flash": flash.take_flash(request) if whole_page else None,
        **_notice_bell(request, viewer),
        "settings": get_settings(),
        "viewer": viewer,
        "me": viewer.user if viewer else None,
        "csrf_token": csrf_token(request),
        "locale": locale,
        "legal_links": getattr(request.state, "legal_links", None) or _OWN_LEGAL_LINKS,
        "here": request.url.path + (f"?{request.url.query}" if request.url.query else ""),
    }
    return {**base, **(context or {})}, locale, whole_page


def finish(request: Request, response: HTMLResponse, locale: str, whole_page: bool) -> HTMLResponse:
    """The headers of every page rendered from `page_context`."""
    if whole_page:
        flash.clear_flash(request, response)
    response.headers["Content-Language"] = locale
    response.headers["Vary"] = "Accept-Language, Cookie"
    return response


def _notice_bell(request: Request, viewer: Any) -> dict[str, Any]:
    """The header's bell: the unread count, counted on the server (no JavaScript)."""
    user = getattr(viewer, "user", None)
    if user is None:
        return {}
    # Read by the page with the member's other reads in one statement (web/threadshare.py).
    kept: int | None = getattr(request.state, "unread_notices", None)
    if kept is not None:
        return {"unread_notices": kept, "is_expert": is_expert(user)}
    # The request's own session when the user row is still in it; after a rollback
    # (error pages) a short one of its own.
    session = object_session(user)
    if isinstance(session, Session):
        count = notifications.unread_count(session, viewer)
    else:
        with Session(request.app.state.engine) as own:
            count = notifications.unread_count(own, viewer)
    return {"unread_notices": count, "is_expert": is_expert(user)}


# Messages set outside the services (app.py, templates' fallbacks), marked for extraction.
_ELSEWHERE = (
    N_("Das hat leider nicht geklappt."),
    N_("Die Eingabe ist ungültig."),
    N_("Ein interner Fehler ist aufgetreten."),
)

# An address no route answers: said in the page's language, not Starlette's "Not Found".
NOT_FOUND = N_("Diese Seite gibt es nicht.")

_TITLES = {
    401: N_("Bitte melden Sie sich an"),
    403: N_("Keine Berechtigung"),
    404: N_("Seite nicht gefunden"),
    413: N_("Anfrage zu groß"),
    422: N_("Ungültige Eingabe"),
    429: N_("Zu viele Anfragen"),
    500: N_("Ein Fehler ist aufgetreten"),
    503: N_("Vorübergehend nicht erreichbar"),
}


def error_page(
    request: Request, status: int, message: str | None, headers: dict[str, str] | None = None
) -> HTMLResponse:
    if status == 404 and message == "Not Found":
        message = NOT_FOUND
    response = render(
        request,
        "error.html",
        {"status": status, "title": _TITLES.get(status, N_("Fehler")), "message": message},
        status_code=status,
    )
    if headers:
        response.headers.update(headers)
    return response


def compile_templates() -> int:
    """Compile every page template once at start-up, so that no visitor waits for it (the
    first request per route took ~0.3 s); returns how many."""
    names = [n for n in templates.env.list_templates() if n.endswith(".html")]
    for name in names:
        templates.env.get_template(name)
    return len(names)
