"""`seed-demo`'s ideas board: a few ideas of business customers in every state, with votes
(some from staff), a status note from the team and one merged duplicate, made through the
services as members and staff would."""

from __future__ import annotations

from sqlalchemy import select
from sqlmodel import Session

from community.accounts.models import User
from community.accounts.viewer import viewer_for
from community.forum import service as forum
from community.forum.models import Category, ThreadKind
from community.ideas import service as ideas
from community.ideas.models import IdeaStatus

BOARD = ("ideen", "Ideen", "Ihre Vorschläge für Portal, Tarife und Service: abstimmen erwünscht.")

# title, body, proposer, voters, status, note
IDEAS: list[tuple[str, str, str, tuple[str, ...], IdeaStatus, str]] = [
    (
        "Rechnungen als CSV für die Buchhaltung exportieren",
        "Wir buchen jeden Monat alle Anschlüsse von Hand. Ein CSV-Export der Rechnungen "
        "mit Kostenstelle je Anschluss würde uns Stunden sparen.",
        "Steuerbüro.Vogt",
        ("Kanzlei-Berger", "Autohaus-West", "Bäckerei-Kunz", "IT-Leiter_Nord", "Jonas.Support"),
        IdeaStatus.planned,
        "Der Export kommt mit dem nächsten Portal-Update im Frühjahr; Kostenstellen folgen.",
    ),
    (
        "Störungsmeldungen per SMS abonnieren",
        "Wenn an unserem Standort eine Störung bekannt ist, möchten wir eine SMS bekommen, "
        "statt erst in der Hotline davon zu hören.",
        "Praxis_Dr.Lenz",
        ("Blumenladen-Mia", "Handwerksmeister", "Kanzlei-Berger"),
        IdeaStatus.review,
        "Wir prüfen, ob das mit dem Störungsradar zusammen umsetzbar ist.",
    ),
    (
        "Zweiten Ansprechpartner im Kundenkonto hinterlegen",
        "Bei Urlaub oder Krankheit kommt niemand an die Verträge. Ein zweiter Ansprechpartner "
        "mit eigenen Zugangsdaten wäre ideal.",
        "Autohaus-West",
        ("IT-Leiter_Nord", "Steuerbüro.Vogt"),
        IdeaStatus.done,
        "Umgesetzt: Unter Konto › Benutzer können Sie jetzt weitere Personen einladen.",
    ),
    (
        "Faxgeräte weiter am All-IP-Anschluss betreiben",
        "Einige Kunden schicken noch Faxe. Bitte den alten Faxanschluss dauerhaft behalten.",
        "Handwerksmeister",
        ("Bäckerei-Kunz",),
        IdeaStatus.declined,
        "Der analoge Anschluss wird abgeschaltet; Fax über All-IP oder Fax-to-Mail ist möglich.",
    ),
    (
        "Dunkles Design für das Kundenportal",
        "Abends wäre ein dunkles Design im Portal angenehmer für die Augen.",
        "Blumenladen-Mia",
        ("Praxis_Dr.Lenz",),
        IdeaStatus.new,
        "",
    ),
]
DUPLICATE = (
    "Mehrere Benutzer pro Firmenkonto",
    "Wir sind drei Leute im Büro und teilen uns einen Zugang. Bitte mehrere Benutzer erlauben.",
    "Kanzlei-Berger",
    ("Steuerbüro.Vogt", "Handwerksmeister"),
)

# Every idea the demo makes, the merged duplicate included (tests count the demo's threads).
DEMO_IDEAS = len(IDEAS) + 1


def seed_ideas(session: Session) -> None:
    """Once: nothing happens when the board exists already."""
    if session.execute(select(Category).where(Category.slug == BOARD[0])).first():  # type: ignore[arg-type]
        return
    slug, name, description = BOARD
    session.add(
        Category(
            slug=slug,
            name=name,
            description=description,
            position=50,
            default_kind=ThreadKind.idea.value,
        )
    )
    session.flush()
    people = {u.nickname: u for u in session.execute(select(User)).scalars()}
    if "Sabine_vom_Team" not in people:
        return
    staff = viewer_for(session, people["Sabine_vom_Team"])
    made: dict[str, int] = {}
    for title, body, proposer, voters, status, note in [*IDEAS, (*DUPLICATE, IdeaStatus.new, "")]:
        if proposer not in people:
            continue
        thread, _ = forum.create_thread(
            session,
            viewer_for(session, people[proposer]),
            category_slug=slug,
            kind=ThreadKind.idea,
            title=title,
            body=body,
        )
        assert thread.id is not None
        made[title] = thread.id
        for voter in voters:
            if voter in people:
                ideas.vote(session, viewer_for(session, people[voter]), thread.id)
        if status != IdeaStatus.new or note:
            ideas.set_status(session, staff, thread.id, status, note)
    target = made.get(IDEAS[2][0])
    duplicate = made.get(DUPLICATE[0])
    if target and duplicate:
        ideas.merge(session, staff, duplicate, target)
    session.flush()
