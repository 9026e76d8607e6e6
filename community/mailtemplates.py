"""Templates of the mails the worker sends: their own small Jinja environment, so a
domain renders a mail without the web layer. Strings come from the shared catalog."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape

from community import i18n

TEMPLATES_DIR = Path(__file__).parent / "templates"

env = Environment(
    loader=FileSystemLoader(TEMPLATES_DIR),
    autoescape=select_autoescape(["html"]),
    extensions=["jinja2.ext.i18n"],
)
env.install_gettext_callables(i18n.gettext, i18n.ngettext, newstyle=True)  # type: ignore[attr-defined]


def render(name: str, **context: Any) -> str:
    """A mail template under community/templates, in the current locale."""
    return env.get_template(name).render(**context)
