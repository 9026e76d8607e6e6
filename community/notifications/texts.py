"""The words of a notice, shared by the notices page, the API and the mails: German
message ids, translated with the reader's catalog."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import quote

from sqlalchemy import select
from sqlmodel import Session, col

from community.accounts.models import User
from community.accounts.viewer import Viewer
from community.forum import permissions as perms
from community.forum.models import Category, Thread
from community.i18n import N_
from community.ideas.models import STATUS_LABELS
from community.notifications.models import Channel, NoticeType, Notification
from community.reputation.ranks import RankLadder, load_ladder

LABELS: dict[NoticeType, str] = {
    NoticeType.reply: N_("Antworten in beobachteten Themen"),
    NoticeType.mention: N_("Erwähnungen (@Spitzname)"),
    NoticeType.new_thread: N_("Neue Themen in beobachteten Bereichen"),
    NoticeType.accepted: N_("Ihre Antwort wurde als Lösung akzeptiert"),
    NoticeType.solved: N_("Ihre Frage wurde gelöst"),
    NoticeType.kudos: N_("Kudos (E-Mail als tägliche Zusammenfassung)"),
    NoticeType.rank: N_("Neuer Rang"),
    NoticeType.unanswered: N_("Unbeantwortete Fragen in gefolgten Bereichen (Experten)"),
    NoticeType.lead_consent: N_("Anfragen zur Kontaktaufnahme durch den Vertrieb"),
    NoticeType.moderation: N_("Entscheidungen der Moderation"),
    NoticeType.idea: N_("Ihre und von Ihnen unterstützte Ideen: neuer Status, Zusammenführung"),
}
CHANNEL_LABELS: dict[Channel, str] = {
    Channel.email: N_("Benachrichtigung und E-Mail"),
    Channel.in_app: N_("Nur Benachrichtigung"),
    Channel.off: N_("Aus"),
}


_TEXTS: dict[str, str] = {
    NoticeType.reply: N_("{actor} hat im Thema „{title}“ geantwortet."),
    NoticeType.mention: N_("{actor} hat Sie im Thema „{title}“ erwähnt."),
    NoticeType.new_thread: N_(
        "{actor} hat im Bereich „{board}“ ein neues Thema eröffnet: „{title}“."
    ),
    NoticeType.accepted: N_("Ihre Antwort im Thema „{title}“ wurde als Lösung akzeptiert."),
    NoticeType.solved: N_("{actor} hat eine Antwort auf Ihre Frage „{title}“ als Lösung markiert."),
    NoticeType.kudos: N_("{actor} hat Ihnen Kudos für Ihren Beitrag im Thema „{title}“ gegeben."),
    NoticeType.rank: N_("Glückwunsch! Sie haben den Rang „{rank}“ erreicht."),
    NoticeType.unanswered: N_(
        "Die Frage „{title}“ im Bereich „{board}“ wartet seit {hours} Stunden auf eine Antwort."
    ),
    NoticeType.lead_consent: N_(
        "Unser Team fragt, ob der Vertrieb Sie kontaktieren darf. Ohne Ihre Zustimmung geben "
        "wir nichts an den Vertrieb weiter."
    ),
    "moderation.reporter": N_(
        "Ihre Meldung zu einem Beitrag im Thema „{title}“ wurde bearbeitet. {outcome}"
    ),
    "moderation.author": N_(
        "Die Moderation hat über Ihren Beitrag im Thema „{title}“ entschieden. {outcome}"
    ),
    NoticeType.idea: N_("Die Idee „{title}“ hat einen neuen Status: {status}. {note}"),
    "idea.merged": N_(
        "Die Idee „{merged_from}“, die Sie unterstützt haben, wurde mit der Idee „{title}“ "
        "zusammengeführt. Ihre Stimme zählt jetzt dort."
    ),
}
_SUBJECTS: dict[str, str] = {
    NoticeType.reply: N_("Neue Antwort: {title}"),
    NoticeType.mention: N_("Sie wurden erwähnt: {title}"),
    NoticeType.new_thread: N_("Neues Thema: {title}"),
    NoticeType.accepted: N_("Ihre Antwort ist die Lösung"),
    NoticeType.solved: N_("Ihre Frage wurde gelöst"),
    NoticeType.kudos: N_("Sie haben Kudos erhalten"),
    NoticeType.rank: N_("Ihr neuer Rang: {rank}"),
    NoticeType.unanswered: N_("Unbeantwortete Frage: {title}"),
    NoticeType.lead_consent: N_("Möchten Sie vom Vertrieb kontaktiert werden?"),
    "moderation.reporter": N_("Ihre Meldung wurde bearbeitet"),
    "moderation.author": N_("Entscheidung der Moderation zu Ihrem Beitrag"),
    NoticeType.idea: N_("Neuer Status der Idee: {title}"),
    "idea.merged": N_("Idee zusammengeführt: {title}"),
}
_OUTCOMES = {
    "hidden": N_("Der Beitrag wurde ausgeblendet."),
    "deleted": N_("Der Beitrag wurde gelöscht."),
    "restored": N_("Der Beitrag ist wieder sichtbar."),
    "edited": N_("Der Beitrag wurde von der Moderation bearbeitet."),
    "duplicate": N_("Das Thema wurde als Duplikat eines anderen Themas geschlossen."),
    "dismissed": N_(
        "Wir haben den Beitrag geprüft und keinen Verstoß festgestellt; er bleibt sichtbar."
    ),
}
_REASON = N_("Grund: {reason}")

_SOMEONE = N_("Jemand")


@dataclass
class Described:
    notice: Notification
    subject: str
    text: str
    # A path on this site, or None when there is nothing (left) to open.
    path: str | None


@dataclass
class _Context:
    actors: dict[int, User]
    threads: dict[int, Thread]
    boards: dict[int, Category]
    users: dict[int, User]
    ladder: RankLadder


def _context(session: Session, notices: list[Notification]) -> _Context:
    user_ids = {n.actor_id for n in notices} | {n.user_id for n in notices}
    people = {
        u.id: u
        for u in session.execute(
            select(User).where(col(User.id).in_([i for i in user_ids if i is not None]))
        ).scalars()
        if u.id is not None
    }
    thread_ids = [n.thread_id for n in notices if n.thread_id is not None]
    threads = {
        t.id: t
        for t in session.execute(select(Thread).where(col(Thread.id).in_(thread_ids))).scalars()
        if t.id is not None
    }
    board_ids = {t.category_id for t in threads.values()}
    boards = {
        c.id: c
        for c in session.execute(select(Category).where(col(Category.id).in_(board_ids))).scalars()
        if c.id is not None
    }
    return _Context(people, threads, boards, people, load_ladder(session))


def _thread_path(thread: Thread, post_id: int | None) -> str:
    path = f"/t/{thread.id}/{thread.slug}"
    return f"{path}#post-{post_id}" if post_id else path


def describe(
    session: Session,
    viewer: Viewer,
    notices: list[Notification],
    gettext: Callable[[str], str],
    locale: str,
    *,
    name_actors: bool = True,
) -> list[Described]:
    """Words and link of each notice, in the reader's language. The caller has already
    checked that the reader may see them (visible_notices_filter / can_see_notice).
    `name_actors=False` says "Jemand" for whoever acted: the data export holds the
    member's own data, and who replied or thanked them is the other person's."""
    context = _context(session, notices)
    if not name_actors:
        context.actors = {}
    out = []
    for notice in notices:
        out.append(_describe_one(session, viewer, notice, context, gettext, locale))
    return out


def _describe_one(
    session: Session,
    viewer: Viewer,
    notice: Notification,
    context: _Context,
    gettext: Callable[[str], str],
    locale: str,
) -> Described:
    actor = context.actors.get(notice.actor_id) if notice.actor_id else None
    thread = context.threads.get(notice.thread_id) if notice.thread_id else None
    board = context.boards.get(thread.category_id) if thread else None
    data = notice.data or {}
    rank_key = str(data.get("rank", ""))
    step = next((s for s in context.ladder.steps if s.key == rank_key), None)
    rank = (step.name_en if locale == "en" else step.name_de) if step else rank_key
    outcome = gettext(_OUTCOMES[data["outcome"]]) if data.get("outcome") in _OUTCOMES else ""
    if data.get("reason"):
        outcome = f"{outcome} {gettext(_REASON).format(reason=data['reason'])}"
    values = {
        "actor": actor.nickname if actor else gettext(_SOMEONE),
        "title": thread.title if thread else "",
        "board": board.name if board else "",
        "rank": rank,
        "hours": data.get("hours", ""),
        "outcome": outcome,
        "status": gettext(STATUS_LABELS.get(str(data.get("status")), "")),
        "note": data.get("note", ""),
        "merged_from": data.get("merged_from", ""),
    }
    kind = notice.type
    if kind == NoticeType.moderation:
        kind = f"moderation.{data.get('role', 'author')}"
    elif kind == NoticeType.idea and "merged_from" in data:
        kind = "idea.merged"
    text = gettext(_TEXTS.get(kind, "{title}")).format(**values)
    subject = gettext(_SUBJECTS.get(kind, "{title}")).format(**values)
    path: str | None = None
    if notice.type == NoticeType.rank:
        owner = context.users.get(notice.user_id)
        path = f"/u/{quote(owner.nickname)}" if owner else None
    elif notice.type == NoticeType.lead_consent:
        path = f"/leads/{data.get('lead_id')}"
    elif thread is not None and perms.can_see_thread(session, viewer, thread):
        path = _thread_path(thread, notice.post_id)
    return Described(notice, subject, text.strip(), path)
