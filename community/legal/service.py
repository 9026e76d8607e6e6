"""Impressum, Datenschutzerklärung and Netiquette: admins write them in Markdown or point
them to an external page; the staff name setting lives on the same admin page.

Which source a page shows, first match wins: the admin's URL, the admin's text, the
environment's URL (COMMUNITY_IMPRESSUM_URL, …), the built-in text."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Literal
from urllib.parse import urlsplit

from sqlmodel import Session

from community.accounts.staff import SHOW_NAME_KEY, staff_names_shown
from community.accounts.viewer import Viewer
from community.config import get_settings
from community.errors import InvalidInput
from community.forum import permissions as perms
from community.forum.markdown import render_markdown
from community.moderation import audit
from community.site import service as site

MAX_MARKDOWN = 100_000
MAX_URL = 2000


class LegalPageSlug(StrEnum):
    impressum = "impressum"
    datenschutz = "datenschutz"
    netiquette = "netiquette"


# The environment variable each page has had since the first release.
ENV_FIELD = {
    LegalPageSlug.impressum: "impressum_url",
    LegalPageSlug.datenschutz: "privacy_url",
    LegalPageSlug.netiquette: "terms_url",
}

Source = Literal["url", "text", "env", "default"]


@dataclass(frozen=True)
class StoredPage:
    """What an admin entered; both may be empty."""

    markdown: str = ""
    url: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {"markdown": self.markdown, "url": self.url}


@dataclass(frozen=True)
class ResolvedPage:
    slug: LegalPageSlug
    source: Source
    # Where to send the reader for "url" and "env"; the rendered admin text for "text".
    url: str | None = None
    html: str | None = None

    @property
    def href(self) -> str:
        """The footer's link: straight to an external page, else to our own."""
        return self.url if self.url else f"/{self.slug.value}"


def _key(slug: LegalPageSlug) -> str:
    return f"legal.{slug.value}"


def _stored_from(value: object) -> StoredPage:
    if not isinstance(value, dict):
        return StoredPage()
    markdown = value.get("markdown")
    url = value.get("url")
    return StoredPage(
        markdown=markdown if isinstance(markdown, str) else "",
        url=url if isinstance(url, str) and url else None,
    )


def env_url(slug: LegalPageSlug) -> str | None:
    url = getattr(get_settings(), ENV_FIELD[slug])
    return str(url) if url else None


def env_variable(slug: LegalPageSlug) -> str:
    return f"COMMUNITY_{ENV_FIELD[slug].upper()}"


def stored_page(session: Session, slug: LegalPageSlug) -> StoredPage:
    return _stored_from(site.get_value(session, _key(slug)))


def _resolve(slug: LegalPageSlug, stored: StoredPage, *, render: bool) -> ResolvedPage:
    if stored.url:
        return ResolvedPage(slug, "url", url=stored.url)
    if stored.markdown.strip():
        html = render_markdown(stored.markdown) if render else None
        return ResolvedPage(slug, "text", html=html)
    fallback = env_url(slug)
    if fallback:
        return ResolvedPage(slug, "env", url=fallback)
    return ResolvedPage(slug, "default")


def resolve_page(session: Session, slug: LegalPageSlug) -> ResolvedPage:
    return _resolve(slug, stored_page(session, slug), render=True)


def footer_links(
    session: Session, version: int | None = None, max_age: float = 0.0
) -> dict[str, str]:
    """Every page's footer links, read with the other settings in one statement (or taken
    from the process's copy of them read under the same `version` of the pages)."""
    site.remember_all(session, version, max_age)
    stored = {
        slug: _stored_from(value)
        for slug in LegalPageSlug
        if (value := site.get_value(session, _key(slug))) is not None
    }
    return {
        slug.value: _resolve(slug, stored.get(slug, StoredPage()), render=False).href
        for slug in LegalPageSlug
    }


def clean_url(raw: str | None) -> str | None:
    """An external page is an absolute http(s) address; empty means none."""
    url = (raw or "").strip()
    if not url:
        return None
    parts = urlsplit(url)
    if (
        len(url) > MAX_URL
        or parts.scheme not in ("http", "https")
        or not parts.hostname
        or any(c.isspace() or ord(c) < 32 for c in url)
    ):
        raise InvalidInput(
            "Bitte geben Sie eine vollständige Adresse mit http:// oder https:// an.",
            code="invalid_url",
        )
    return url


def update_page(
    session: Session, viewer: Viewer, slug: LegalPageSlug, *, markdown: str, url: str | None
) -> StoredPage:
    """Replaces what the admin entered for a page; every change is in the audit log."""
    perms.require_admin(viewer)
    if len(markdown) > MAX_MARKDOWN:
        raise InvalidInput("Der Text ist zu lang.", code="too_long")
    before = stored_page(session, slug)
    after = StoredPage(markdown=markdown if markdown.strip() else "", url=clean_url(url))
    if after == before:
        return before
    site.set_value(session, _key(slug), after.as_dict())
    audit.record(
        session,
        viewer,
        "legal.update",
        "legal_page",
        None,
        before={"page": slug.value, **before.as_dict()},
        after={"page": slug.value, **after.as_dict()},
    )
    return after


def set_staff_names_shown(session: Session, viewer: Viewer, shown: bool) -> bool:
    """Whether staff posts show "Anna K." beside the nickname; audited like every setting."""
    perms.require_admin(viewer)
    before = staff_names_shown(session)
    site.set_value(session, SHOW_NAME_KEY, shown)
    if before != shown:
        audit.record(
            session,
            viewer,
            "settings.staff_names",
            "site_setting",
            None,
            before={"show_name": before},
            after={"show_name": shown},
        )
    return shown
