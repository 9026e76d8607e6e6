"""The audit log for people: each entry as one sentence ("Sabine hat den Beitrag #272 in
„Router verliert nachts…" ausgeblendet"), with what it names as links, and its before and
after as a list of readable changes.

A sentence is a catalog string with placeholders and the parts that fill them, so the page
translates the sentence, escapes the parts and turns them into links; no HTML here."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlmodel import Session, col

from community.accounts.models import Group, User
from community.blog.models import Article
from community.faq.models import FaqEntry
from community.forum.models import Category, Post, Thread
from community.i18n import N_
from community.moderation.models import AuditEntry

TITLE_LENGTH = 40
_PLACEHOLDER = re.compile(r"%\((\w+)\)s")


@dataclass(frozen=True)
class Part:
    """A placeholder's text, and where it links to (none for what no longer exists)."""

    text: str
    href: str | None = None


@dataclass(frozen=True)
class Change:
    """One field of before/after; `words` says the values are catalog strings (ja, nein)."""

    label: str
    before: str
    after: str
    words: bool = False


@dataclass(frozen=True)
class AuditLine:
    entry: AuditEntry
    sentence: str
    parts: dict[str, Part] = field(default_factory=dict)
    changes: list[Change] = field(default_factory=list)


# Every action a service writes, as a sentence. The action's code stays the filter's key.
SENTENCES: dict[str, str] = {
    "post.hide": N_("%(actor)s hat den Beitrag %(post)s in „%(thread)s“ ausgeblendet"),
    "post.restore": N_("%(actor)s hat den Beitrag %(post)s in „%(thread)s“ wiederhergestellt"),
    "post.delete": N_("%(actor)s hat den Beitrag %(post)s in „%(thread)s“ gelöscht"),
    "post.edit": N_("%(actor)s hat den Beitrag %(post)s in „%(thread)s“ mit Hinweis bearbeitet"),
    "post.approve": N_("%(actor)s hat den Beitrag %(post)s in „%(thread)s“ freigegeben"),
    "post.reject": N_("%(actor)s hat den Beitrag %(post)s in „%(thread)s“ abgelehnt"),
    "reports.dismiss": N_(
        "%(actor)s hat die Meldungen zum Beitrag %(post)s in „%(thread)s“ abgewiesen"
    ),
    "thread.lock": N_("%(actor)s hat das Thema „%(thread)s“ geschlossen"),
    "thread.unlock": N_("%(actor)s hat das Thema „%(thread)s“ wieder geöffnet"),
    "thread.move": N_("%(actor)s hat das Thema „%(thread)s“ von %(from)s nach %(to)s verschoben"),
    "thread.duplicate": N_("%(actor)s hat das Thema „%(thread)s“ als Duplikat geschlossen"),
    "thread.not_duplicate": N_(
        "%(actor)s hat die Duplikat-Markierung des Themas „%(thread)s“ aufgehoben"
    ),
    "idea.status": N_("%(actor)s hat den Status der Idee „%(thread)s“ geändert"),
    "idea.merge": N_("%(actor)s hat die Idee „%(thread)s“ als Duplikat zusammengeführt"),
    "user.suspend": N_("%(actor)s hat %(user)s vorübergehend gesperrt"),
    "user.ban": N_("%(actor)s hat %(user)s dauerhaft gesperrt"),
    "user.unsuspend": N_("%(actor)s hat die Sperre von %(user)s aufgehoben"),
    "user.update": N_("%(actor)s hat Rolle oder Angaben von %(user)s geändert"),
    "user.erase": N_("%(actor)s hat das Konto %(user)s gelöscht"),
    "user.export": N_("%(actor)s hat die Daten von %(user)s für eine Auskunft heruntergeladen"),
    "sso.claims": N_(
        "%(actor)s: Die Anmeldung über das Firmenkonto hat Gruppen oder Rolle von %(user)s geändert"
    ),
    "board.create": N_("%(actor)s hat den Bereich %(board)s angelegt"),
    "board.groups": N_("%(actor)s hat die Gruppen des Bereichs %(board)s geändert"),
    "board.premoderation": N_("%(actor)s hat die Vorab-Moderation im Bereich %(board)s geändert"),
    "group.create": N_("%(actor)s hat die Gruppe %(group)s angelegt"),
    "group.add_member": N_("%(actor)s hat ein Mitglied in die Gruppe %(group)s aufgenommen"),
    "group.remove_member": N_("%(actor)s hat ein Mitglied aus der Gruppe %(group)s entfernt"),
    "faq.edit": N_("%(actor)s hat den FAQ-Eintrag zu „%(thread)s“ bearbeitet"),
    "faq.publish": N_("%(actor)s hat den FAQ-Eintrag zu „%(thread)s“ veröffentlicht"),
    "faq.withdraw": N_("%(actor)s hat den FAQ-Eintrag zu „%(thread)s“ zurückgezogen"),
    "article.create": N_("%(actor)s hat den Blog-Artikel „%(article)s“ angelegt"),
    "article.edit": N_("%(actor)s hat den Blog-Artikel „%(article)s“ bearbeitet"),
    "article.submit": N_("%(actor)s hat den Blog-Artikel „%(article)s“ zur Prüfung gegeben"),
    "article.return": N_(
        "%(actor)s hat den Blog-Artikel „%(article)s“ an den Entwurf zurückgegeben"
    ),
    "article.publish": N_("%(actor)s hat den Blog-Artikel „%(article)s“ veröffentlicht"),
    "article.withdraw": N_("%(actor)s hat den Blog-Artikel „%(article)s“ zurückgezogen"),
    "article.revise": N_(
        "%(actor)s hat eine Änderung am Blog-Artikel „%(article)s“ zur Prüfung gespeichert"
    ),
    "article.approve_revision": N_(
        "%(actor)s hat die Änderung am Blog-Artikel „%(article)s“ freigegeben"
    ),
    "article.reject_revision": N_(
        "%(actor)s hat die Änderung am Blog-Artikel „%(article)s“ verworfen"
    ),
    "article.cover": N_("%(actor)s hat das Titelbild des Blog-Artikels „%(article)s“ geändert"),
    "spotlight.create": N_("%(actor)s hat einen Eintrag für „Aktuell“ angelegt"),
    "spotlight.delete": N_("%(actor)s hat einen Eintrag für „Aktuell“ gelöscht"),
    "legal.update": N_("%(actor)s hat eine Rechtsseite geändert"),
    "settings.staff_names": N_("%(actor)s hat die Anzeige der Namen des Teams geändert"),
    "settings.premoderation": N_("%(actor)s hat die Vorab-Moderation geändert"),
    "ranks.replace": N_("%(actor)s hat die Ränge geändert"),
    "token.create": N_("%(actor)s hat einen API-Schlüssel angelegt"),
    "token.revoke": N_("%(actor)s hat einen API-Schlüssel widerrufen"),
    "webhook.create": N_("%(actor)s hat einen Webhook angelegt"),
    "webhook.update": N_("%(actor)s hat einen Webhook geändert"),
    "webhook.delete": N_("%(actor)s hat einen Webhook gelöscht"),
    "webhook.redeliver": N_("%(actor)s hat eine Webhook-Zustellung wiederholt"),
}
UNKNOWN = N_("%(actor)s: %(action)s")

# The filter's choice of objects.
TARGET_TYPES: dict[str, str] = {
    "post": N_("Beitrag"),
    "thread": N_("Thema"),
    "user": N_("Mitglied"),
    "board": N_("Bereich"),
    "group": N_("Gruppe"),
    "faq": N_("FAQ-Eintrag"),
    "article": N_("Blog-Artikel"),
    "spotlight": N_("Aktuell"),
    "legal_page": N_("Rechtsseite"),
    "site_setting": N_("Einstellung"),
    "settings": N_("Einstellung"),
    "token": N_("API-Schlüssel"),
    "webhook": N_("Webhook"),
    "delivery": N_("Webhook-Zustellung"),
}

# The fields services write into before/after, by name.
FIELDS: dict[str, str] = {
    "post_hidden": N_("Beitrag ausgeblendet"),
    "post_deleted": N_("Beitrag gelöscht"),
    "hidden_reason": N_("Grund"),
    "thread_hidden": N_("Thema ausgeblendet"),
    "thread_deleted": N_("Thema gelöscht"),
    "is_locked": N_("Geschlossen"),
    "category_id": N_("Bereich"),
    "premoderated": N_("Vorab-Moderation"),
    "groups": N_("Gruppen"),
    "member": N_("Mitglied"),
    "role": N_("Rolle"),
    "is_staff": N_("Team"),
    "suspended_until": N_("Gesperrt bis"),
    "is_banned": N_("Dauerhaft gesperrt"),
    "status": N_("Status"),
    "revision": N_("Fassung"),
    "body": N_("Text"),
    "moderation_note": N_("Hinweis der Moderation"),
    "status_note": N_("Öffentlicher Hinweis"),
    "duplicate_of_thread_id": N_("Duplikat von Thema"),
    "name": N_("Name"),
    "slug": N_("Kurzname"),
    "page": N_("Seite"),
    "url": N_("Adresse"),
    "show_name": N_("Namen zeigen"),
    "title": N_("Titel"),
    "published_at": N_("Veröffentlicht ab"),
    "comments_enabled": N_("Kommentare"),
}
YES, NO, NOTHING = N_("ja"), N_("nein"), "—"


def short_title(title: str) -> str:
    return title if len(title) <= TITLE_LENGTH else title[: TITLE_LENGTH - 1].rstrip() + "…"


@dataclass
class _Lookup:
    """What the entries of one page name, loaded with one query per kind."""

    posts: dict[int, Post]
    threads: dict[int, Thread]
    boards: dict[int, Category]
    users: dict[int, User]
    groups: dict[int, Group]
    faqs: dict[int, FaqEntry]
    articles: dict[int, Article] = field(default_factory=dict)


def _by_id(session: Session, model: Any, ids: Iterable[int]) -> dict[int, Any]:
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    rows = session.execute(select(model).where(col(model.id).in_(wanted))).scalars()
    return {row.id: row for row in rows}


def _ids(entries: Sequence[AuditEntry], target_type: str) -> list[int]:
    return [e.target_id for e in entries if e.target_type == target_type and e.target_id]


def _board_ids(entries: Sequence[AuditEntry]) -> list[int]:
    found = _ids(entries, "board")
    for e in entries:
        for state in (e.before or {}, e.after or {}):
            if isinstance(state.get("category_id"), int):
                found.append(state["category_id"])
    return found


def _lookup(session: Session, entries: Sequence[AuditEntry]) -> _Lookup:
    posts = _by_id(session, Post, _ids(entries, "post"))
    faqs = _by_id(session, FaqEntry, _ids(entries, "faq"))
    thread_ids = _ids(entries, "thread") + [p.thread_id for p in posts.values()]
    thread_ids += [f.thread_id for f in faqs.values()]
    user_ids = _ids(entries, "user") + [e.actor_id for e in entries if e.actor_id]
    return _Lookup(
        posts=posts,
        threads=_by_id(session, Thread, thread_ids),
        boards=_by_id(session, Category, _board_ids(entries)),
        users=_by_id(session, User, user_ids),
        groups=_by_id(session, Group, _ids(entries, "group")),
        faqs=faqs,
        articles=_by_id(session, Article, _ids(entries, "article")),
    )


def _thread_part(thread: Thread | None, post_id: int | None = None) -> Part:
    if thread is None:
        return Part("…")
    anchor = f"#post-{post_id}" if post_id else ""
    return Part(short_title(thread.title), f"/t/{thread.id}/{thread.slug}{anchor}")


def _board_part(board: Category | None, board_id: Any) -> Part:
    if board is None:
        return Part(f"#{board_id}")
    return Part(board.name, f"/c/{board.slug}")


def _parts(entry: AuditEntry, found: _Lookup) -> dict[str, Part]:
    actor = found.users.get(entry.actor_id) if entry.actor_id else None
    parts = {
        "actor": Part(entry.actor, f"/u/{actor.nickname}" if actor is not None else None),
        "action": Part(entry.action),
    }
    target = entry.target_id
    if entry.target_type == "post" and target:
        post = found.posts.get(target)
        thread = found.threads.get(post.thread_id) if post is not None else None
        parts["post"] = Part(f"#{target}", _thread_part(thread, target).href)
        parts["thread"] = _thread_part(thread)
    elif entry.target_type == "thread" and target:
        parts["thread"] = _thread_part(found.threads.get(target))
        before, after = entry.before or {}, entry.after or {}
        if "category_id" in after:
            old, new = before.get("category_id"), after["category_id"]
            parts["from"] = _board_part(found.boards.get(old or 0), old)
            parts["to"] = _board_part(found.boards.get(new), new)
    elif entry.target_type == "faq" and target:
        faq = found.faqs.get(target)
        parts["thread"] = _thread_part(found.threads.get(faq.thread_id) if faq else None)
    elif entry.target_type == "article" and target:
        article = found.articles.get(target)
        parts["article"] = Part(
            short_title(article.title) if article else "…",
            f"/admin/blog/{target}" if article else None,
        )
    elif entry.target_type == "user" and target:
        user = found.users.get(target)
        parts["user"] = Part(
            user.nickname if user else f"#{target}", f"/u/{user.nickname}" if user else None
        )
    elif entry.target_type == "board" and target:
        parts["board"] = _board_part(found.boards.get(target), target)
    elif entry.target_type == "group" and target:
        group = found.groups.get(target)
        parts["group"] = Part(group.name if group else f"#{target}")
    return parts


def _value(name: str, value: Any, found: _Lookup) -> tuple[str, bool]:
    if value is None or value == "" or value == []:
        return NOTHING, False
    if isinstance(value, bool):
        return (YES if value else NO), True
    if name == "category_id" and isinstance(value, int) and value in found.boards:
        return found.boards[value].name, False
    if isinstance(value, list):
        return ", ".join(str(v) for v in value), False
    return str(value), False


def _changes(entry: AuditEntry, found: _Lookup) -> list[Change]:
    before, after = entry.before or {}, entry.after or {}
    changes = []
    for name in dict.fromkeys([*before, *after]):
        old, new = before.get(name), after.get(name)
        if name in before and name in after and old == new:
            continue
        old_text, old_words = _value(name, old, found)
        new_text, new_words = _value(name, new, found)
        changes.append(Change(FIELDS.get(name, name), old_text, new_text, old_words or new_words))
    return changes


def placeholders(sentence: str) -> list[str]:
    return _PLACEHOLDER.findall(sentence)


def describe(session: Session, entries: Sequence[AuditEntry]) -> list[AuditLine]:
    """The caller has read the entries through audit.list_entries (admins only)."""
    found = _lookup(session, entries)
    lines = []
    for entry in entries:
        parts = _parts(entry, found)
        sentence = SENTENCES.get(entry.action, UNKNOWN)
        if not set(placeholders(sentence)) <= set(parts):
            sentence = UNKNOWN  # an entry without the target its sentence names
        lines.append(AuditLine(entry, sentence, parts, _changes(entry, found)))
    return lines


def sentence_text(line: AuditLine, translate: Any = None) -> str:
    """The sentence as plain text (for tests and exports): the parts without links."""
    template = translate(line.sentence) if translate else line.sentence
    return str(template % {name: part.text for name, part in line.parts.items()})
