"""German demo content: boards of a telecom's business community, members, questions, replies.

Written in bulk (not through the services) so that the benchmark can seed 100,000 posts;
the counters are set as the services would keep them.
"""

from __future__ import annotations

import random
from datetime import timedelta
from typing import Any

from rich.progress import Progress
from sqlalchemy import Engine, bindparam, func, insert, select, update
from sqlmodel import Session, col

from community.accounts import security
from community.accounts.models import Group, GroupMember, Role, User
from community.clock import utcnow
from community.config import get_settings
from community.forum.counters import recompute_category
from community.forum.markdown import render_markdown
from community.forum.models import Category, CategoryGroup, Post, Thread
from community.forum.slugs import slugify
from community.reputation.models import Kudo
from community.reputation.service import recompute_all
from community.sequences import sync_sequences

BOARDS = [
    ("festnetz", "Festnetz", "Anschlüsse, Umzug, Störungen und Tarife im Festnetz."),
    ("mobilfunk", "Mobilfunk", "Verträge, SIM-Karten, eSIM, Roaming und Netzabdeckung."),
    ("internet", "Internet", "DSL, Glasfaser, Router und feste IP-Adressen."),
    ("telefonie", "Telefonie", "Rufnummern, Weiterleitungen, SIP-Trunk und Cloud-Telefonie."),
    ("tk-anlagen", "TK-Anlagen & Endgeräte", "Telefonanlagen, Tischtelefone, Headsets."),
    ("homepages-shops", "Homepages & Shops", "Webhosting, Domains, Onlineshops und E-Mail."),
]
CLOSED_BOARD = ("grosskunden", "Großkunden", "Geschlossener Bereich für Rahmenvertragskunden.")

MEMBERS = [
    # nickname, role, staff
    ("Netzwerkerin", Role.expert, False),
    ("DSL-Doktor", Role.expert, False),
    ("Sabine_vom_Team", Role.moderator, True),
    ("Jonas.Support", Role.expert, True),
    ("Handwerksmeister", Role.member, False),
    ("Kanzlei-Berger", Role.member, False),
    ("Praxis_Dr.Lenz", Role.member, False),
    ("Blumenladen-Mia", Role.member, False),
    ("IT-Leiter_Nord", Role.member, False),
    ("Bäckerei-Kunz", Role.member, False),
    ("Autohaus-West", Role.member, False),
    ("Steuerbüro.Vogt", Role.member, False),
]

QUESTIONS: dict[str, list[tuple[str, str]]] = {
    "festnetz": [
        (
            "Umzug des Firmenanschlusses: wie lange vorher anmelden?",
            "Wir ziehen mit dem Büro in drei Monaten um. Wie früh muss ich den **Umzug des Anschlusses** melden, damit es keine Ausfallzeit gibt?",
        ),
        (
            "Festnetz seit heute Morgen gestört, was tun?",
            "Seit 8 Uhr haben wir kein Freizeichen mehr. Der Router zeigt eine Synchronisation. Wie melde ich die Störung am schnellsten?",
        ),
        (
            "Wechsel vom Analoganschluss auf IP: was ändert sich?",
            "Unser alter Anschluss wird auf IP umgestellt. Funktionieren Fax und Alarmanlage danach noch?",
        ),
    ],
    "mobilfunk": [
        (
            "eSIM für zwanzig Firmenhandys einrichten",
            "Wir wollen alle Diensthandys auf eSIM umstellen. Gibt es einen Weg, die QR-Codes gesammelt zu bekommen?",
        ),
        (
            "Roaming in der Schweiz für Geschäftsreisen",
            "Unsere Außendienstler fahren oft in die Schweiz. Welche Option lohnt sich für Daten-Roaming?",
        ),
        (
            "Schlechte Netzabdeckung im Lager, was hilft?",
            "Im Hochregallager haben wir kaum Empfang. Hilft ein Repeater oder gibt es eine bessere Lösung?",
        ),
    ],
    "internet": [
        (
            "Router verliert nachts die Verbindung",
            "Unser Router trennt jede Nacht gegen 3 Uhr die DSL-Verbindung und baut sie neu auf. Ist das die Zwangstrennung?",
        ),
        (
            "Feste IP-Adresse für den VPN-Zugang",
            "Für unseren VPN-Server brauchen wir eine feste IPv4-Adresse. Welcher Tarif bietet das?",
        ),
        (
            "Glasfaser-Ausbau: wann kommt er in unser Gewerbegebiet?",
            "Wie finde ich heraus, ob und wann Glasfaser in unserem Gewerbegebiet verfügbar ist?",
        ),
        (
            "Upload zu langsam für Videokonferenzen",
            "Mit 10 Mbit/s Upload ruckeln unsere Videokonferenzen. Welche Optionen gibt es für mehr Upload?",
        ),
    ],
    "telefonie": [
        (
            "Rufumleitung auf das Handy bei Abwesenheit",
            "Wie richte ich eine Rufumleitung ein, die nur greift, wenn im Büro niemand abnimmt?",
        ),
        (
            "SIP-Trunk mit eigener Telefonanlage verbinden",
            "Wir möchten unsere Telefonanlage per SIP-Trunk anbinden. Welche Zugangsdaten brauche ich?",
        ),
        (
            "Rufnummernblock mitnehmen beim Anbieterwechsel",
            "Können wir unseren Rufnummernblock mit 100 Durchwahlen zum neuen Anbieter portieren?",
        ),
    ],
    "tk-anlagen": [
        (
            "Telefonanlage für zehn Arbeitsplätze gesucht",
            "Welche Telefonanlage empfehlt ihr für ein Büro mit zehn Arbeitsplätzen und zwei Standorten?",
        ),
        (
            "Headset klingelt nicht mit, wie einstellen?",
            "Bei eingehenden Anrufen klingelt nur das Tischtelefon, nicht das DECT-Headset. Wo stelle ich das um?",
        ),
        (
            "Tischtelefon zeigt 'Keine Registrierung'",
            "Seit dem Update zeigt unser Tischtelefon 'Keine Registrierung'. Muss ich es neu provisionieren?",
        ),
    ],
    "homepages-shops": [
        (
            "Domain auf neuen Webhoster umziehen",
            "Wir wollen unsere Domain zu einem anderen Hoster umziehen. Was passiert dabei mit den E-Mail-Postfächern?",
        ),
        (
            "Onlineshop: SSL-Zertifikat läuft ab",
            "Unser Shop meldet, dass das SSL-Zertifikat in 7 Tagen abläuft. Verlängert sich das automatisch?",
        ),
        (
            "E-Mails landen beim Kunden im Spam",
            "Unsere Rechnungsmails landen oft im Spam. Helfen SPF und DKIM, und wo trage ich sie ein?",
        ),
    ],
    "grosskunden": [
        (
            "Rahmenvertrag: Sammelrechnung für alle Standorte",
            "Können wir für alle 14 Standorte eine einzige Sammelrechnung bekommen?",
        ),
        (
            "Eskalationsweg bei Standortausfall",
            "Welcher Eskalationsweg gilt laut Rahmenvertrag, wenn ein ganzer Standort ausfällt?",
        ),
    ],
}
REPLIES = [
    "Das hatten wir letztes Jahr auch. Bei uns hat es geholfen, den **Router neu zu starten** und die Firmware zu aktualisieren.",
    "Am schnellsten geht es über das Kundencenter unter *Meine Verträge*. Dort sehen Sie auch den Stand.",
    "Ich würde vorher unbedingt die Vertragslaufzeit prüfen, sonst zahlt man doppelt.",
    "Kurze Rückfrage: Um welchen Tarif handelt es sich genau? Dann kann ich gezielter helfen.",
    "Bei uns hat der Wechsel etwa zwei Wochen gedauert, ohne Ausfall. Wichtig ist der Portierungsauftrag.",
    "Das ist im Geschäftskundentarif enthalten. Sie müssen die Option nur einmal im Kundencenter aktivieren.",
    "Wir nutzen das seit einem Jahr und sind zufrieden. Die Einrichtung war in einer Stunde erledigt.",
    "Schauen Sie mal in die Anleitung, Abschnitt *Einstellungen > Telefonie*. Dort lässt sich das umstellen.",
    "Danke, das hat funktioniert! Für alle mit dem gleichen Problem: Neustart und danach neu registrieren.",
    "Ich habe das gleiche Problem und warte auch noch auf eine Lösung.",
]
VARIANTS = [
    "",
    " (Standort Hamburg)",
    " (Filiale Köln)",
    " im Büro",
    " bei Neukunden",
    " seit dem Update",
]


def _users(session: Session, rng: random.Random) -> list[int]:
    existing = list(session.execute(select(col(User.id)).order_by(User.id)).scalars())  # type: ignore[arg-type]
    if existing:
        return existing
    # Demo members get an unguessable password nobody knows; they exist to be read about.
    shared_hash = security.hash_password(security.new_token())
    now = utcnow()
    ids = []
    for i, (nickname, role, staff) in enumerate(MEMBERS):
        user = User(
            email=f"demo{i + 1}@example.com",
            nickname=nickname,
            nickname_key=nickname.casefold(),
            password_hash=shared_hash,
            role=role.value,
            is_staff=staff,
            email_verified_at=now,
            created_at=now - timedelta(days=rng.randint(30, 900)),
        )
        session.add(user)
        session.flush()
        assert user.id is not None
        ids.append(user.id)
    return ids


def _boards(session: Session, member_ids: list[int]) -> dict[str, int]:
    existing = {c.slug: c.id for c in session.execute(select(Category)).scalars()}
    if existing:
        return {k: v for k, v in existing.items() if v is not None}
    out: dict[str, int] = {}
    for position, (slug, name, description) in enumerate([*BOARDS, CLOSED_BOARD]):
        category = Category(slug=slug, name=name, description=description, position=position)
        session.add(category)
        session.flush()
        assert category.id is not None
        out[slug] = category.id
    group = Group(slug="grosskunden", name="Großkunden", description="Rahmenvertragskunden")
    session.add(group)
    session.flush()
    assert group.id is not None
    session.add(CategoryGroup(category_id=out["grosskunden"], group_id=group.id))
    for uid in member_ids[8:11]:
        session.add(GroupMember(group_id=group.id, user_id=uid))
    return out


def seed_demo_content(
    engine: Engine,
    *,
    threads: int,
    seed: int = 1,
    replies: tuple[int, int] = (1, 8),
    progress: bool = False,
) -> int:
    """Create `threads` threads with a random number of replies each; returns the count."""
    rng = random.Random(seed)
    with Session(engine) as session:
        member_ids = _users(session, rng)
        boards = _boards(session, member_ids)
        session.commit()
        next_thread = (session.execute(select(func.max(Thread.id))).scalar() or 0) + 1  # type: ignore[arg-type]
        now = utcnow()
        slugs = list(QUESTIONS)
        rendered_replies = [(text, render_markdown(text)) for text in REPLIES]
        rendered: dict[str, str] = {}
        batch_threads: list[dict[str, Any]] = []
        batch_posts: list[dict[str, Any]] = []
        with Progress(disable=not progress) as bar:
            task = bar.add_task("Themen", total=threads)
            for n in range(threads):
                board = slugs[n % len(slugs)] if n < 40 else rng.choice(slugs)
                title, body = rng.choice(QUESTIONS[board])
                title = (title + rng.choice(VARIANTS))[:150] if n >= len(slugs) * 3 else title
                thread_id = next_thread + n
                author = rng.choice(member_ids)
                created = now - timedelta(minutes=(threads - n) * 37 + rng.randint(0, 30))
                count = rng.randint(*replies)
                if body not in rendered:
                    rendered[body] = render_markdown(body)
                posts = [(author, body, rendered[body], created, True)]
                at = created
                for _ in range(count):
                    at = at + timedelta(minutes=rng.randint(3, 600))
                    text, html = rng.choice(rendered_replies)
                    posts.append((rng.choice(member_ids), text, html, at, False))
                last = posts[-1]
                batch_threads.append(
                    {
                        "id": thread_id,
                        "category_id": boards[board],
                        "author_id": author,
                        "kind": "question" if rng.random() < 0.8 else "discussion",
                        "title": title,
                        "slug": slugify(title),
                        "created_at": created,
                        "last_post_at": last[3],
                        "last_poster_id": last[0],
                        "reply_count": count,
                        "is_locked": False,
                        "is_hidden": False,
                        "is_deleted": False,
                    }
                )
                for p_author, p_body, p_html, p_at, opening in posts:
                    batch_posts.append(
                        {
                            "thread_id": thread_id,
                            "author_id": p_author,
                            "is_opening": opening,
                            "body": p_body,
                            "body_html": p_html,
                            "created_at": p_at,
                            "edit_count": 0,
                            "is_hidden": False,
                            "is_deleted": False,
                        }
                    )
                if len(batch_posts) >= 5000 or n == threads - 1:
                    _bulk_insert(session, Thread, batch_threads)
                    _bulk_insert(session, Post, batch_posts)
                    batch_threads, batch_posts = [], []
                bar.advance(task)
        # Counters as the services keep them: last post per thread, then per board.
        last_posts: dict[int, int] = dict(
            session.execute(
                select(col(Post.thread_id), func.max(Post.id))  # type: ignore[arg-type]
                .where(Post.thread_id >= next_thread)  # type: ignore[arg-type]
                .group_by(Post.thread_id)  # type: ignore[arg-type]
            ).all()
        )
        if last_posts:
            table = Thread.__table__  # type: ignore[attr-defined]
            session.connection().execute(
                update(table)
                .where(table.c.id == bindparam("tid"))
                .values(last_post_id=bindparam("pid")),
                [{"tid": t, "pid": p} for t, p in last_posts.items()],
            )
        for category_id in boards.values():
            recompute_category(session, category_id)
        _solutions_and_kudos(session, rng, first_thread=next_thread)
        recompute_all(session)
        sync_sequences(session.connection())
        session.commit()
    # A bulk load leaves the planner's statistics behind the data (both databases).
    with engine.begin() as connection:
        connection.exec_driver_sql("ANALYZE")
    return threads


def _bulk_insert(session: Session, model: Any, rows: list[dict[str, Any]]) -> None:
    """COPY on PostgreSQL (a million posts in a minute or two, where INSERT takes many),
    a multi-row INSERT elsewhere. Every row has the same keys."""
    if not rows:
        return
    connection = session.connection()
    if connection.dialect.name != "postgresql":
        session.execute(insert(model), rows)
        return
    columns = list(rows[0])
    table = model.__table__.name
    cursor = connection.connection.driver_connection.cursor()  # type: ignore[union-attr]
    with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row([row[c] for c in columns])


def _solutions_and_kudos(session: Session, rng: random.Random, *, first_thread: int) -> None:
    """Half the questions get an accepted answer; many replies get a thank-you or three."""
    threads = {
        t.id: t
        for t in session.execute(select(Thread).where(col(Thread.id) >= first_thread)).scalars()
    }
    rows = session.execute(
        select(col(Post.id), col(Post.thread_id), col(Post.author_id), col(Post.created_at))
        .where(col(Post.thread_id) >= first_thread, col(Post.is_opening) == False)  # noqa: E712
        .order_by(col(Post.id))
    ).all()
    replies: dict[int, list[Any]] = {}
    for row in rows:
        replies.setdefault(row.thread_id, []).append(row)
    member_ids = list(session.execute(select(col(User.id))).scalars())
    solved: list[dict[str, Any]] = []
    kudos: list[dict[str, Any]] = []
    counted: dict[tuple[int, int, Any], int] = {}
    cap = get_settings().kudos_daily_pair_cap
    for thread_id, posts in replies.items():
        thread = threads[thread_id]
        helpful = [p for p in posts if p.author_id != thread.author_id]
        if thread.kind == "question" and helpful and rng.random() < 0.5:
            answer = rng.choice(helpful)
            solved.append(
                {
                    "tid": thread_id,
                    "pid": answer.id,
                    "aid": answer.author_id,
                    "at": answer.created_at + timedelta(hours=rng.randint(1, 48)),
                }
            )
        for post in posts:
            if rng.random() >= 0.4:
                continue
            givers = [m for m in member_ids if m != post.author_id]
            for giver in rng.sample(givers, k=min(len(givers), rng.randint(1, 3))):
                at = post.created_at + timedelta(minutes=rng.randint(5, 3000))
                key = (giver, post.author_id, at.date())
                counted[key] = counted.get(key, 0) + 1
                kudos.append(
                    {
                        "post_id": post.id,
                        "thread_id": thread_id,
                        "category_id": thread.category_id,
                        "giver_id": giver,
                        "receiver_id": post.author_id,
                        "created_at": at,
                        "counts_for_points": counted[key] <= cap,
                        "post_visible": True,
                    }
                )
    if solved:
        table = Thread.__table__  # type: ignore[attr-defined]
        session.connection().execute(
            update(table)
            .where(table.c.id == bindparam("tid"))
            .values(
                solution_post_id=bindparam("pid"),
                solution_author_id=bindparam("aid"),
                solved_at=bindparam("at"),
            ),
            solved,
        )
    for start in range(0, len(kudos), 5000):
        _bulk_insert(session, Kudo, kudos[start : start + 5000])
