"""Languages of the pages and mails: German (the msgids themselves) and English from a
.po catalog.

The German text is the msgid, so a German message from a service (CommunityError) is
translated on the page by looking it up in the same catalog. Catalogs are read from the
committed .po files at startup; no compiled .mo files live in the repository. This is
core, not web: mails sent by the worker translate with the same catalog."""

from __future__ import annotations

import gettext as _gettext
from collections.abc import Callable
from contextvars import ContextVar
from datetime import UTC, datetime
from functools import cache, lru_cache
from io import BytesIO
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

import babel.core
from babel import Locale
from babel.dates import format_date, format_skeleton, format_time
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal
from babel.support import Translations

if TYPE_CHECKING:  # the worker and the command line translate without the web framework
    from fastapi import Request

LOCALES = ("de", "en")
DEFAULT_LOCALE = "de"
LANG_COOKIE = "lang"
# Business customers of a German company: times are shown in German time.
TIMEZONE = ZoneInfo("Europe/Berlin")
# The catalog sits beside the page templates, where translators and pybabel find it.
TRANSLATIONS_DIR = Path(__file__).parent / "web" / "translations"

_current: ContextVar[str] = ContextVar("locale", default=DEFAULT_LOCALE)


@cache
def translations(locale: str) -> _gettext.NullTranslations:
    po = TRANSLATIONS_DIR / locale / "LC_MESSAGES" / "messages.po"
    if locale == DEFAULT_LOCALE or not po.exists():
        return _gettext.NullTranslations()
    with po.open("rb") as fh:
        catalog = read_po(fh, locale=locale)
    buffer = BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return Translations(buffer)


def release_babel_global_data() -> None:
    """Babel reads its whole global.dat when a language's data is first loaded, for one entry
    of it (the language's parent), and keeps all of it: ~2.4 MiB once unpickled, per process
    (issue 21). Called once every language's data is loaded (the warm-up): nothing the
    forum formats then reads it again, and were anything to, Babel reads the file afresh."""
    babel.core._global_data = None


def supported(locale: str | None) -> str:
    """The locale if we have it, else the default."""
    return locale if locale in LOCALES else DEFAULT_LOCALE  # type: ignore[return-value]


def locale_of(user: Any) -> str:
    """The language a member reads pages and mails in: their setting, else German."""
    return supported(getattr(user, "locale", None))


def translator(locale: str) -> Callable[[str], str]:
    """gettext of one language, for text made outside a request (mails, exports)."""
    return translations(supported(locale)).gettext


def api_locale(request: Request) -> str:
    """The API's language: Accept-Language alone, German by default. Unlike the pages, a
    signed-in member's setting does not win: a client states the language it can show in
    each request, and an integration token is no person with a setting."""
    return negotiate(request.headers.get("accept-language", ""))


def pick_locale(request: Request) -> str:
    """The member's setting, else the visitor's choice (cookie), else Accept-Language."""
    viewer = getattr(request.state, "viewer", None)
    user = getattr(viewer, "user", None)
    if user is not None and user.locale in LOCALES:
        return locale_of(user)
    chosen = request.cookies.get(LANG_COOKIE)
    if chosen in LOCALES:
        return str(chosen)
    return negotiate(request.headers.get("accept-language", ""))


def negotiate(header: str) -> str:
    ranked: list[tuple[float, str]] = []
    for part in header.split(","):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        if tag:
            ranked.append((quality, tag.strip().replace("_", "-")))
    ranked.sort(key=lambda r: -r[0])
    found = Locale.negotiate([tag for _q, tag in ranked], list(LOCALES), sep="-")
    return str(found) if found else DEFAULT_LOCALE


def set_locale(locale: str) -> None:
    _current.set(supported(locale))


def current_locale() -> str:
    return _current.get()


class Formatted(str):
    """A German message with values filled in that still knows its catalog entry, so a
    page or the API can show it in another language: `Formatted("Seite 1 bis %(n)s.", n=5)`
    is the German text everywhere a str is expected, and `gettext` translates the msgid
    before filling in the values."""

    msgid: str
    params: dict[str, Any]

    def __new__(cls, msgid: str, **params: Any) -> Formatted:
        made = super().__new__(cls, msgid % params if params else msgid)
        made.msgid = msgid
        made.params = params
        return made


def translate(message: str, locale: str) -> str:
    """A message (a msgid, or a Formatted one) in a language."""
    catalog = translations(supported(locale))
    if isinstance(message, Formatted):
        return catalog.gettext(message.msgid) % message.params
    return catalog.gettext(message)


def gettext(message: str) -> str:
    return translate(message, _current.get())


def ngettext(singular: str, plural: str, n: int) -> str:
    return translations(_current.get()).ngettext(singular, plural, n)


def N_(message: str) -> str:  # noqa: N802  (the gettext convention pybabel extracts)
    """Marks a string for extraction; the page translates it when it shows it."""
    return message


def _local(value: datetime) -> datetime:
    # Stored times are naive UTC.
    aware = value.replace(tzinfo=UTC) if value.tzinfo is None else value
    return aware.astimezone(TIMEZONE)


def iso_utc(value: datetime) -> str:
    """A valid `datetime` attribute: UTC with a single `Z` (stored times are naive UTC;
    `isoformat()` of an aware one would add `+00:00`, and appending `Z` then is invalid)."""
    aware = value.replace(tzinfo=UTC) if value.tzinfo is None else value
    return aware.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


# A page formats the same figures and moments on every view (counts, members' join months):
# the results are kept per process, keyed by value and language, as Babel's formatting costs
# more than the rest of a post's rendering. The posts' times are kept by the one caller
# that shows them, as whole <time> elements (web/pages.py `time_element`): kept here too,
# each would be held twice (~1.7 MiB per process with the 8,192 kept, issue 21).
_FORMATTED = 8192


def fmt_datetime(value: datetime | None) -> str:
    if value is None:
        return ""
    local = _local(value)
    locale = _current.get()
    day = format_date(local, "medium", locale=locale)
    return f"{day}, {format_time(local, 'short', locale=locale)}"


def fmt_date(value: datetime | None) -> str:
    if value is None:
        return ""
    return format_date(_local(value), "long", locale=_current.get())


def fmt_month(value: datetime | None) -> str:
    """ "November 2026": when a member joined, beside each of their posts."""
    if value is None:
        return ""
    return _fmt_month(value, _current.get())


@lru_cache(maxsize=_FORMATTED)
def _fmt_month(value: datetime, locale: str) -> str:
    return format_skeleton("yMMMM", _local(value), locale=locale)


def fmt_number(value: int | float | None) -> str:
    return _fmt_number(value or 0, _current.get())


@lru_cache(maxsize=_FORMATTED, typed=True)
def _fmt_number(value: int | float, locale: str) -> str:
    return format_decimal(value, locale=locale)


def template_helpers() -> dict[str, Callable[..., Any]]:
    return {"datetime": fmt_datetime, "date": fmt_date, "number": fmt_number}
