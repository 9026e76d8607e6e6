"""A member's thread page assembled from its kept shell (issue 21).

Around the posts, a member's thread page is the same for every member outside the
moderation team and staff, in one language, for one version of the pages: the head with its
JSON-LD, the thread's header, the solution box, the pager, the footer, the reply form. It is
rendered once with a mark in each place that differs between members (a *slot*), split at
the marks and kept in the post fragment store (web/fragments.py) under the version; each
request then fills the slots:

- values, escaped as the template would: the viewer's CSRF token, the page's own address
  (the language switch), the reply begun earlier;
- small templates rendered with the page's context, the same ones the full page includes:
  the header's links (nickname and bell; kept per process by what they print, _nav_of),
  and where there is one, the idea box (the viewer's vote) and the satisfaction prompt;
- the posts: each as kept with its buttons (fragments.PostFragments), after the unread
  divider where the viewer's unread posts begin.

What else could differ between members is in the key: the posts shown (a member's own
waiting posts), the number of pages they make, the solution as this member may read it,
the original of a duplicate (not named to one who cannot see it), whether the member's
address is verified, whether they watch the thread (the watch box's button), the CRM box's
facts (the hand-over to support, the staff's box), whether there is an idea box or a
satisfaction prompt, the footer's links, the JSON-LD. A closed board's
page is rendered only for its members (the route answers 404 to anyone else before
rendering), and `closed` is in the key too.

A page whose posts are not all kept yet, with a confirmation to show once (flash), or of
the moderation team and staff, is rendered in full; so is everything with
COMMUNITY_PAGE_CACHE=false (no store). The bytes are the same either way."""

from __future__ import annotations

import re
import secrets
from collections.abc import Hashable, Mapping
from functools import lru_cache
from types import SimpleNamespace
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2.utils import concat
from markupsafe import Markup, escape

from community.web import fragments, pages

TEMPLATE = "thread.html"
# The values a slot takes as `{{ value }}` does; the reply as `{{ body or '' }}` does
# (macros.html editor).
_VALUES = ("csrf_token", "here")
_VALUES_OR_EMPTY = ("reply_body",)


def _mark(token: str, kind: str, name: object) -> Markup:
    return Markup(f"\x1e{token}:{kind}:{name}\x1e")  # noqa: S704  (our own mark)


class _Marks:
    """`shell_marks` in the templates while the shell is rendered: a mark in place of a
    slot template (`slot`) or of a post with its unread divider (`post`)."""

    def __init__(self, token: str) -> None:
        self.token = token

    def slot(self, name: str) -> Markup:
        return _mark(self.token, "t", name)

    def post(self, index: int) -> Markup:
        return _mark(self.token, "p", index)


def render_thread(request: Request, context: dict[str, Any]) -> HTMLResponse:
    """The thread page (web/forum.py): from the kept shell where it may, else in full."""
    full, locale, whole_page = pages.page_context(request, context)
    body = _from_shell(full, locale)
    response: HTMLResponse
    if body is None:
        response = pages.templates.TemplateResponse(request, TEMPLATE, full)
    else:
        response = HTMLResponse(body)
    return pages.finish(request, response, locale, whole_page)


def _from_shell(context: dict[str, Any], locale: str) -> bytes | None:
    posts: fragments.PostFragments | None = context.get("post_fragments")
    if posts is None or context["flash"] is not None:
        return None
    # Every post as kept, or the page in full (which keeps them for the next request).
    kept = posts.get_all(
        context["page"].items, context["kudos_given"], context["may_accept"], context["csrf_token"]
    )
    if kept is None:
        return None
    key = _key(posts.version, context, locale)
    shell = posts.store.get(key)
    if not isinstance(shell, tuple):
        shell = _render_shell(context)
        posts.store.put(key, shell)
    return _fill(shell, context, kept)


def _key(version: int, context: Mapping[str, Any], locale: str) -> Hashable:
    thread, me, solution = context["thread"], context["me"], context["solution"]
    original = context["original"]
    solution_facts = None
    if solution is not None:
        author = solution.author_id
        solution_facts = (
            solution.id,
            context["visible"][solution.id],
            context["ranks"].get(author),
            context["staff_names"].get(author),
        )
    return (
        "shell",
        version,
        thread.id,
        locale,
        context["page_number"],
        context["pages"],
        tuple(p.id for p in context["page"].items),
        solution_facts,
        original.id if original is not None else None,
        context["closed"],
        context["jsonld"],
        me.is_verified,
        me.is_moderator,
        # The boxes rendered in the shell when so (thread.html): the watch box with its
        # button, the CRM box (crm_thread.html: its CSRF tokens are marks), and no idea box
        # or satisfaction prompt at all (else they are slots).
        context["watching"],
        _crm_facts(context["crm"]),
        context["idea"] is None,
        not context["satisfaction"],
        tuple(sorted(context["legal_links"].items())),
    )


def _crm_facts(crm: Mapping[str, Any]) -> Hashable:
    """What crm_thread.html prints besides the thread and the CSRF token."""
    if not crm:
        return None
    escalation = crm.get("escalation")
    return (bool(crm.get("is_staff")), escalation.created_at if escalation is not None else None)


def _render_shell(context: dict[str, Any]) -> tuple[bytes | str, ...]:
    """The page rendered with marks in its slots, split at them: its texts, in UTF-8 as the
    page is sent, each but the last followed by the kind and the name of a slot."""
    # A new secret for each rendering: no text on the page, written before it, can pose as a
    # mark (a thread's title with a forged mark would otherwise be filled with the draft or
    # token of whoever reads the page).
    token = secrets.token_hex(8)
    marked = {name: _mark(token, "v", name) for name in (*_VALUES, *_VALUES_OR_EMPTY)}
    template = pages.templates.get_template(TEMPLATE)
    text = template.render({**context, **marked, "shell_marks": _Marks(token)})
    parts = re.split(f"\x1e{token}:([vtp]):([^\x1e]*)\x1e", text)
    # Assembled from bytes: one emoji in the header (_nav.html) made the whole page a str
    # of four bytes a character, widened by the join and then encoded, ~100 KB a request.
    return tuple(part if at % 3 else part.encode() for at, part in enumerate(parts))


def _fill(shell: tuple[Any, ...], context: dict[str, Any], kept: list[bytes]) -> bytes:
    # As `{% include %}` gives them the page's context: one for all of them (a template's
    # own context copies the page's ~40 names each time).
    included = {**pages.templates.env.globals, **context}
    out = [shell[0]]
    page_number, first_unread = context["page_number"], context["first_unread"]
    items = context["page"].items
    for at in range(1, len(shell), 3):
        kind, name = shell[at], shell[at + 1]
        if kind == "v":
            value = context[name]
            out.append(str(escape(value)).encode() if value or name in _VALUES else b"")
        elif name == "_nav.html":
            out.append(_nav(context))
        elif kind == "t":
            out.append(_include(name, included).encode())
        else:  # a post, as thread.html puts it: the divider, the article with its buttons
            index = int(name)
            if items[index].id == first_unread and not (index == 0 and page_number == 1):
                out.append(_divider(context["locale"]))
            out.extend((b"\n  ", kept[index], b"\n    "))
        out.append(shell[at + 2])
    return b"".join(out)


def _nav(context: dict[str, Any]) -> bytes:
    me = context["me"]
    return _nav_of(
        context["locale"],
        me.nickname,
        me.role,
        me.is_moderator,
        context.get("is_expert"),
        context.get("unread_notices"),
        context["csrf_token"],
        context["settings"].password_login_admins_only,
    )


# The header's links are the same on every page a member opens until their bell's count,
# name or role changes: kept per process by all they print (rendered from these alone, so
# nothing else can slip into them), ~1.5 KB each.
@lru_cache(maxsize=512)
def _nav_of(
    locale: str,
    nickname: str,
    role: str,
    is_moderator: bool,
    is_expert: bool | None,
    unread_notices: int | None,
    csrf_token: str,
    admins_only: bool,
) -> bytes:
    facts = {
        "me": SimpleNamespace(nickname=nickname, role=role, is_moderator=is_moderator),
        "is_expert": is_expert,
        "unread_notices": unread_notices,
        "csrf_token": csrf_token,
        "settings": SimpleNamespace(password_login_admins_only=admins_only),
        "locale": locale,
    }
    return _include("_nav.html", {**pages.templates.env.globals, **facts}).encode()


# The unread divider prints one message in the page's language: rendered once per language.
@lru_cache(maxsize=8)
def _divider(locale: str) -> bytes:
    return _include(
        "_unread_divider.html", {**pages.templates.env.globals, "locale": locale}
    ).encode()


def _include(name: str, context: dict[str, Any]) -> str:
    template = pages.templates.get_template(name)
    return concat(template.root_render_func(template.new_context(context, shared=True)))
