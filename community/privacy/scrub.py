"""Removing an erased member's old identity from stored JSON: the event log (which the
pull feed and the webhook deliveries send from) and the jobs table.

- Events: the nickname fields of the catalog (author, asker, giver, ...) holding the old
  nickname get the pseudonym. Other text keeps a nickname: "Fritzbox" inside someone
  else's thread title is a word, not a person.
- Jobs: the old nickname gets the pseudonym wherever it stands as a word (a waiting mail
  may greet the member by name). Finished jobs that mention the old data anywhere are
  deleted; they have done their work.
- Everywhere: the e-mail address and a real name of two words or more are replaced
  inside any text (neither can be an ordinary word). Real name, company and e-mail as
  fields exist only in the lead.created event, which the leads service blanks.

The database narrows the rows with LIKE on the JSON text; Python decides on each value."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from sqlalchemy import ColumnElement, String, cast, func, or_, select
from sqlmodel import Session, col

from community.events.catalog import nickname_fields
from community.events.models import Event
from community.jobs.models import Job, JobStatus

REMOVED = "[entfernt]"


@dataclass(frozen=True)
class OldIdentity:
    """What the account held before, and the pseudonym that replaces the nickname."""

    nickname: str
    email: str
    real_name: str | None
    company: str | None
    pseudonym: str

    @property
    def needles(self) -> list[str]:
        return [v for v in (self.nickname, self.email, self.real_name, self.company) if v]

    @cached_property
    def _inline(self) -> list[re.Pattern[str]]:
        values = [self.email]
        if self.real_name and len(self.real_name.split()) > 1:
            values.append(self.real_name)
        return [re.compile(rf"(?<!\w){re.escape(v)}(?!\w)", re.IGNORECASE) for v in values]

    @cached_property
    def _nickname_word(self) -> re.Pattern[str]:
        return re.compile(rf"(?<!\w){re.escape(self.nickname)}(?!\w)", re.IGNORECASE)

    def clean_text(self, text: str, *, nickname_too: bool = False) -> str:
        for pattern in self._inline:
            text = pattern.sub(REMOVED, text)
        if nickname_too:
            # A lambda: the pseudonym is literal text, not a replacement template.
            text = self._nickname_word.sub(lambda _m: self.pseudonym, text)
        return text


def clean(value: Any, old: OldIdentity, *, nickname_keys: frozenset[str] | None = None) -> Any:
    """The value with the old identity replaced, at any depth. With nickname_keys, the
    nickname is replaced only where it is the whole value under one of those keys;
    without, wherever it stands as a word."""

    def walk(value: Any, key: str | None) -> Any:
        if isinstance(value, dict):
            return {k: walk(v, k) for k, v in value.items()}
        if isinstance(value, list):
            return [walk(v, key) for v in value]
        if isinstance(value, str):
            if nickname_keys is None:
                return old.clean_text(value, nickname_too=True)
            if value == old.nickname and key in nickname_keys:
                return old.pseudonym
            return old.clean_text(value)
        return value

    return walk(value, None)


def _like_any(column: Any, old: OldIdentity) -> ColumnElement[bool]:
    """Rows whose text holds one of the old values: as json.dumps writes it (non-ASCII
    escaped) and as written plainly, in either case."""
    text = func.lower(cast(column, String))
    patterns: set[str] = set()
    for needle in old.needles:
        for variant in (needle, needle.casefold()):
            for form in (json.dumps(variant)[1:-1], variant):
                escaped = form.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
                patterns.add(f"%{escaped.lower()}%")
    return or_(*(text.like(p, escape="\\") for p in sorted(patterns)))


def scrub_events(session: Session, old: OldIdentity) -> int:
    """Rewrite the payloads that hold the old identity; returns how many changed."""
    keys = nickname_fields()
    changed = 0
    rows = session.execute(select(Event).where(_like_any(Event.payload, old))).scalars()
    for event in list(rows):
        payload = clean(event.payload, old, nickname_keys=keys)
        if payload != event.payload:
            event.payload = payload
            session.add(event)
            changed += 1
    session.flush()
    return changed


def scrub_jobs(session: Session, old: OldIdentity) -> int:
    """Returns how many jobs were rewritten or deleted."""
    touched = 0
    rows = session.execute(
        select(Job).where(or_(_like_any(Job.payload, old), _like_any(col(Job.last_error), old)))
    ).scalars()
    for job in list(rows):
        if job.status in (JobStatus.done.value, JobStatus.failed.value):
            session.delete(job)
            touched += 1
            continue
        payload = clean(job.payload, old)
        error = job.last_error
        if error:
            error = old.clean_text(error, nickname_too=True)
        if payload != job.payload or error != job.last_error:
            job.payload = payload
            job.last_error = error
            session.add(job)
            touched += 1
    session.flush()
    return touched
