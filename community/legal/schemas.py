"""Input and output of the admin API for the legal pages and the staff name setting."""

from __future__ import annotations

from pydantic import BaseModel, Field

from community.legal.service import MAX_MARKDOWN, MAX_URL, LegalPageSlug, Source
from community.text import CleanStr, SettingsBody


class LegalPageUpdate(SettingsBody):
    markdown: CleanStr = Field(
        default="", max_length=MAX_MARKDOWN, description="The page in Markdown; empty: none"
    )
    url: CleanStr | None = Field(
        default=None,
        max_length=MAX_URL,
        description="An external page (http/https) the footer links to; wins over the text",
    )


class LegalPageAdmin(BaseModel):
    page: LegalPageSlug
    markdown: str
    url: str | None
    env_url: str | None = Field(description="The page's COMMUNITY_…_URL, used without both")
    source: Source = Field(description="What readers get: url, text, env or default")
    href: str = Field(description="Where the footer links to")


class StaffNamesSetting(SettingsBody):
    show_name: bool = Field(
        description='Staff posts show first name and initial ("Anna K.") beside the nickname'
    )
