"""The one Markdown renderer: markdown-it-py, then nh3 on an allow-list."""

from __future__ import annotations

import html as html_lib
import re
from typing import Any
from urllib.parse import quote

import nh3
from markdown_it import MarkdownIt
from markdown_it.rules_inline import StateInline

# Raw HTML in a post is shown as text, not interpreted; nh3 is the second line of defence.
_md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False}).enable(
    ["table", "strikethrough"]
)

# @nickname: nicknames are 3-20 of letters, digits, ".", "_" and "-" (accounts/validation.py).
_MENTION = re.compile(r"@([\w.\-]+)")
MENTIONS_MAX = 20


def _mention(state: StateInline, silent: bool) -> bool:
    """@nickname becomes a link to the profile, unless it is part of a word (an e-mail
    address) or already inside a link. Code spans never reach inline rules."""
    pos = state.pos
    if state.src[pos] != "@" or state.linkLevel > 0:
        return False
    if pos > 0 and (state.src[pos - 1].isalnum() or state.src[pos - 1] in "_.-@/"):
        return False
    match = _MENTION.match(state.src, pos, state.posMax)
    if match is None:
        return False
    nickname = match.group(1).rstrip(".")
    if not 3 <= len(nickname) <= 20:
        return False
    if not silent:
        link = state.push("link_open", "a", 1)
        link.attrs = {"href": f"/u/{quote(nickname)}"}
        link.meta = {"mention": nickname}
        text = state.push("text", "", 0)
        text.content = f"@{nickname}"
        state.push("link_close", "a", -1)
    state.pos = pos + 1 + len(nickname)
    return True


_md.inline.ruler.before("text", "mention", _mention)


_default_image = _md.renderer.rules["image"]  # type: ignore[attr-defined]


def _image(_renderer: Any, tokens: Any, idx: int, options: Any, env: Any) -> str:
    """Readers' browsers contact no third party: an image from another host becomes a
    link to it, which the reader may follow. Images of the forum itself (a path) stay."""
    src = str(tokens[idx].attrGet("src") or "")
    if src.startswith("/") and not src.startswith("//"):
        return str(_default_image(tokens, idx, options, env))
    alt = "".join(child.content for child in tokens[idx].children or []) or src
    label = html_lib.escape(f"🖼 {alt}")
    return f'<a href="{html_lib.escape(src)}" class="external-image">{label}</a>'


_md.add_render_rule("image", _image)


def mentioned_nicknames(source: str) -> list[str]:
    """The @nicknames the rendered post links, in order, each once (at most MENTIONS_MAX)."""
    found: dict[str, str] = {}
    for block in _md.parse(source):
        for token in block.children or []:
            nickname = token.meta.get("mention") if token.meta else None
            if nickname and nickname.casefold() not in found:
                found[nickname.casefold()] = nickname
    return list(found.values())[:MENTIONS_MAX]


ALLOWED_TAGS = {
    "p", "br", "hr", "strong", "em", "del", "s", "code", "pre", "blockquote",
    "ul", "ol", "li", "h1", "h2", "h3", "h4", "h5", "h6",
    "a", "img", "table", "thead", "tbody", "tr", "th", "td",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title", "class"},
    "img": {"src", "alt", "title"},
    "ol": {"start"},
    "th": {"align"},
    "td": {"align"},
    "code": {"class"},
}
ALLOWED_SCHEMES = {"http", "https", "mailto"}


def render_markdown(source: str) -> str:
    html = _md.render(source)
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=ALLOWED_SCHEMES,
        link_rel="nofollow ugc noopener",
        strip_comments=True,
    )


def plain_text(html: str) -> str:
    """Text of rendered HTML, for excerpts and search documents."""
    return html_lib.unescape(" ".join(nh3.clean(html, tags=set()).split()))
