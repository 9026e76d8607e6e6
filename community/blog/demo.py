"""Demo blog content for `community seed-demo`: written by one staff member, published by
another (four eyes), one left in review, and an "Aktuell" offer for the coming weeks."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import Session

from community.accounts.viewer import Viewer
from community.blog import service, spotlight
from community.clock import utcnow

ARTICLES = [
    (
        "glasfaser",
        "internet",
        "Glasfaser für Geschäftskunden: so läuft der Umstieg",
        "Von der Verfügbarkeitsprüfung bis zur Umschaltung: was Sie vorbereiten sollten.",
        "Der Umstieg auf Glasfaser dauert meist **vier bis acht Wochen**.\n\n"
        "1. Verfügbarkeit prüfen\n2. Termin für den Hausanschluss\n3. Router tauschen\n\n"
        "Fragen? Schreiben Sie sie gern in die Kommentare.",
    ),
    (
        "sip",
        "telefonie",
        "ISDN ist Geschichte: fünf Tipps für den SIP-Trunk",
        "Was Telefonanlagen, Faxgeräte und Notrufe beim Wechsel auf SIP brauchen.",
        "Viele Anlagen können SIP schon heute. Prüfen Sie vor allem:\n\n"
        "- die Firmware der Anlage\n- Fax über T.38\n- die Notrufadresse",
    ),
    (
        "review",
        "mobilfunk",
        "eSIM für das ganze Team: die neue Verwaltung im Kundenportal",
        "Profile zuweisen, sperren und umziehen, ohne Plastikkarten.",
        "Im Kundenportal finden Sie ab sofort die eSIM-Verwaltung.",
    ),
]


def seed_blog(session: Session, author: Viewer, publisher: Viewer, boards: dict[str, int]) -> None:
    for key, board, title, teaser, body in ARTICLES:
        if board not in boards:
            continue
        article = service.create_article(
            session, author, title=title, teaser=teaser, body=body, category_slug=board
        )
        assert article.id is not None
        service.submit_for_review(session, author, article.id)
        if key != "review":
            service.publish(session, publisher, article.id)
    now = utcnow()
    spotlight.create(
        session,
        publisher,
        title="Frühjahrsaktion: Router-Tausch ohne Aufpreis",
        text="Bis Monatsende tauschen wir Ihren alten Router kostenlos gegen ein neues Modell.",
        link_url="/blog",
        starts_at=now - timedelta(hours=1),
        ends_at=now + timedelta(days=30),
    )
