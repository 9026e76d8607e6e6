"""An erased member's name where others wrote it: @mentions in anyone's posts (and their
earlier versions), FAQ entries and stored event payloads, and the old nickname in the
audit log's before/after records (e.g. group.add_member {"member": ...}). All give way to
the pseudonym. A mention becomes the pseudonym as plain text: it has a space, so it links
nobody."""

from __future__ import annotations

import json
import re
from typing import Any

from sqlalchemy import String, cast, func, or_, select
from sqlmodel import Session

from community.events.models import Event
from community.faq.models import FaqEntry
from community.forum.markdown import render_markdown
from community.forum.models import Post, PostRevision
from community.moderation.models import AuditEntry
from community.privacy.erasure import Erasure, erasure_step
from community.privacy.scrub import OldIdentity, clean

FAQ_TEXTS = ("question_text", "answer_text", "published_question", "published_answer")


def _mention(old: OldIdentity) -> re.Pattern[str]:
    # As forum/markdown.py finds mentions: not inside a word or an address; a trailing
    # full stop ends the sentence, not the name.
    return re.compile(
        rf"(?<![\w.\-@/])@{re.escape(old.nickname)}(?![\w\-]|\.[\w\-])", re.IGNORECASE
    )


def _replace(text: str, pattern: re.Pattern[str], pseudonym: str) -> str:
    return pattern.sub(lambda _m: pseudonym, text)


def _like(column: Any, needle: str) -> Any:
    """Rows whose text holds the needle, plainly or as JSON writes it (non-ASCII escaped);
    Python then decides on each value."""
    text = func.lower(cast(column, String))
    forms = {needle.lower(), json.dumps(needle)[1:-1].lower()}
    return or_(
        *(
            text.like(
                "%" + f.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%",
                escape="\\",
            )
            for f in sorted(forms)
        )
    )


def _walk(value: Any, fix: Any) -> Any:
    if isinstance(value, dict):
        return {k: _walk(v, fix) for k, v in value.items()}
    if isinstance(value, list):
        return [_walk(v, fix) for v in value]
    if isinstance(value, str):
        return fix(value)
    return value


@erasure_step
def replace_mentions(session: Session, erasure: Erasure) -> None:
    old = erasure.old
    pattern = _mention(old)
    needle = f"@{old.nickname}"
    for post in list(session.execute(select(Post).where(_like(Post.body, needle))).scalars()):
        body = _replace(post.body, pattern, old.pseudonym)
        if body != post.body:
            post.body = body
            post.body_html = render_markdown(body)
            session.add(post)
    revisions = select(PostRevision).where(_like(PostRevision.body, needle))
    for revision in list(session.execute(revisions).scalars()):
        revision.body = _replace(revision.body, pattern, old.pseudonym)
        session.add(revision)
    entries = select(FaqEntry).where(or_(*(_like(getattr(FaqEntry, f), needle) for f in FAQ_TEXTS)))
    for entry in list(session.execute(entries).scalars()):
        for name in FAQ_TEXTS:
            value = getattr(entry, name)
            if value:
                setattr(entry, name, _replace(value, pattern, old.pseudonym))
        session.add(entry)
    events = select(Event).where(_like(Event.payload, needle))
    for event in list(session.execute(events).scalars()):
        payload = _walk(event.payload, lambda s: _replace(s, pattern, old.pseudonym))
        if payload != event.payload:
            event.payload = payload
            session.add(event)
    session.flush()


@erasure_step
def pseudonymise_audit_records(session: Session, erasure: Erasure) -> None:
    """Who acted is already the pseudonym (audit.pseudonymise_actor); what the entries
    recorded about the member (a group membership, a rename) follows."""
    old = erasure.old
    rows = select(AuditEntry).where(
        or_(_like(AuditEntry.before, old.nickname), _like(AuditEntry.after, old.nickname))
    )
    for entry in list(session.execute(rows).scalars()):
        before, after = clean(entry.before, old), clean(entry.after, old)
        if (before, after) != (entry.before, entry.after):
            entry.before, entry.after = before, after
            session.add(entry)
    session.flush()
