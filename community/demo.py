"""German demo content: boards of a telecom's business community, members, questions, replies.

Written in bulk (not through the services) so that the benchmark can seed 100,000 posts;
the counters are set as the services would keep them.
"""

from __future__ import annotations

import json
import logging
import random
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from rich.progress import Progress
from sqlalchemy import Engine, bindparam, func, insert, select, update
from sqlmodel import Session, col

from community.accounts import security
from community.accounts.models import Group, GroupMember, Role, User
from community.accounts.viewer import viewer_for
from community.blog.demo import seed_blog
from community.clock import utcnow
from community.config import get_settings
from community.faq import service as faq
from community.faq.models import FaqEntry
from community.forum import service as forum
from community.forum.counters import rebuild_post_counts, recompute_category
from community.forum.markdown import render_markdown
from community.forum.models import Category, CategoryGroup, Post, Thread, ThreadKind
from community.forum.slugs import slugify
from community.ideas.demo import seed_ideas
from community.indexing.backend import IndexWriterTaken, claim_index_writer
from community.indexing.service import REINDEX, reindex
from community.jobs.service import enqueue
from community.moderation import service as moderation
from community.moderation.models import Report, ReportReason
from community.notifications.models import Channel
from community.notifications.preferences import DEFAULTS, store_channel
from community.reputation import service as reputation
from community.reputation.models import Kudo
from community.reputation.service import recompute_all
from community.sequences import sync_sequences

log = logging.getLogger(__name__)

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

# Two newcomers whose posts staff meet on a first start: a spammer, a first question held.
NEWCOMERS = ("Technik-Schnaeppchen", "Neukunde.Schulz")
_DATA = json.loads((Path(__file__).parent / "data" / "demo_de.json").read_text(encoding="utf-8"))
# Hand-written questions per board, each with answers that fit it; a thread combines its
# question's answers and a few general replies, none twice.
QUESTIONS: dict[str, list[tuple[str, str]]] = {
    board: [(q["title"], q["body"]) for q in questions]
    for board, questions in _DATA["questions"].items()
}
ANSWERS: dict[str, list[str]] = {
    q["title"]: q["answers"] for questions in _DATA["questions"].values() for q in questions
}
ASKER_REPLIES: list[str] = _DATA["asker_replies"]
OTHER_REPLIES: list[str] = _DATA["other_replies"]
REPLIES = [*ASKER_REPLIES, *OTHER_REPLIES]
# Content spreads over this many days before the moment of seeding, never after it.
SPAN_DAYS = 120


def _users(session: Session, rng: random.Random) -> list[int]:
    """The demo's members, made on the first seeding. Only they write the demo: an admin
    made before (`create-admin`, then `seed-demo`) is neither the only author (it crashed:
    no one to reply) nor credited with posts."""
    existing = list(
        session.execute(
            select(col(User.id))
            .where(col(User.nickname).in_([nickname for nickname, _role, _staff in MEMBERS]))
            .order_by(col(User.id))
        ).scalars()
    )
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
            created_at=now - timedelta(days=rng.randint(SPAN_DAYS + 30, 900)),
        )
        session.add(user)
        session.flush()
        assert user.id is not None
        _notices_without_mail(session, user.id)
        ids.append(user.id)
    return ids


def demo_admin_without_mail(engine: Engine, email: str) -> None:
    """The demo's admin (admin@example.com, made by `serve` on a first start) reads notices
    in the forum like the demo's members: example.com takes no mail."""
    with Session(engine) as session:
        user_id = session.execute(select(col(User.id)).where(col(User.email) == email)).scalar()
        if user_id is not None:
            _notices_without_mail(session, user_id)
            session.commit()


def _notices_without_mail(session: Session, user_id: int) -> None:
    """Demo members read their notices in the forum: the demo's own decisions, solutions and
    ideas would otherwise mail example.com's addresses once SMTP is set up."""
    for type_, default in DEFAULTS.items():
        if default == Channel.email:
            store_channel(session, user_id, type_, Channel.in_app)


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
    progress: str | None = None,
    index: bool = True,
) -> int:
    """Create `threads` threads with a random number of replies each, and on a first
    seeding what staff meet (reports, held posts, audit entries, FAQ entries); fill the
    search index unless `index` is off. Returns the count. `progress`: a bar with this
    label (the command's language)."""
    rng = random.Random(seed)
    with Session(engine) as session:
        member_ids = _users(session, rng)
        boards = _boards(session, member_ids)
        session.commit()
        next_thread = (session.execute(select(func.max(Thread.id))).scalar() or 0) + 1  # type: ignore[arg-type]
        now = utcnow()
        pairs = [(board, q) for board, questions in QUESTIONS.items() for q in questions]
        # Every hand-written question once before any comes again (a big benchmark seed).
        order = rng.sample(pairs, len(pairs))
        rendered: dict[str, str] = {}

        def html(text: str) -> str:
            if text not in rendered:
                rendered[text] = render_markdown(text)
            return rendered[text]

        batch_threads: list[dict[str, Any]] = []
        batch_posts: list[dict[str, Any]] = []
        with Progress(disable=progress is None) as bar:
            task = bar.add_task(progress or "", total=threads)
            for n in range(threads):
                board, (title, body) = order[n] if n < len(order) else rng.choice(pairs)
                thread_id = next_thread + n
                author = rng.choice(member_ids)
                others = [m for m in member_ids if m != author]
                created = _spread(now, n, threads, rng)
                posts = [(author, body, html(body), created, True)]
                at = created
                for text, by_asker in thread_replies(title, rng.randint(*replies), rng):
                    at = at + timedelta(minutes=rng.randint(3, 600))
                    if at >= now:
                        break  # the newest threads have had less time for replies
                    posts.append(
                        (author if by_asker else rng.choice(others), text, html(text), at, False)
                    )
                count = len(posts) - 1
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
        rebuild_post_counts(session)
        _solutions_and_kudos(session, rng, first_thread=next_thread, now=now)
        recompute_all(session)
        sync_sequences(session.connection())
        session.commit()
        if threads and session.execute(select(func.count(col(Report.id)))).scalar_one() == 0:
            _staff_content(session, boards, first_thread=next_thread)
            session.commit()
            seed_ideas(session)
            session.commit()
    # A bulk load leaves the planner's statistics behind the data (both databases).
    with engine.begin() as connection:
        connection.exec_driver_sql("ANALYZE")
    if index:
        _fill_search_index(engine)
    return threads


def _staff_content(session: Session, boards: dict[str, int], *, first_thread: int) -> None:
    """What staff meet on a first start, made through the services as members and
    moderators would: two accepted answers become FAQ entries (one published), a spam post
    and an off-topic remark are reported (the remark's report dismissed), a newcomer's first posts wait for approval, and
    a rude reply is hidden (audit log)."""
    by_nick = {u.nickname: u for u in session.execute(select(User)).scalars()}
    moderator = viewer_for(session, by_nick["Sabine_vom_Team"])
    public = [board_id for slug, board_id in boards.items() if slug != CLOSED_BOARD[0]]
    threads = list(
        session.execute(
            select(Thread)
            .where(
                col(Thread.id) >= first_thread,
                col(Thread.category_id).in_(public),
                col(Thread.kind) == "question",
                col(Thread.solution_post_id).is_(None),
            )
            .order_by(col(Thread.id).desc())
        ).scalars()
    )
    solved = 0
    for thread in threads:
        fitting = set(ANSWERS.get(thread.title, ()))
        answer = session.execute(
            select(Post)
            .where(col(Post.thread_id) == thread.id, col(Post.author_id) != thread.author_id)
            .order_by(col(Post.id))
        ).scalars()
        post = next((p for p in answer if p.body in fitting), None)
        if post is None or post.id is None or thread.id is None:
            continue
        asker = viewer_for(session, session.get(User, thread.author_id))
        reputation.accept_solution(session, asker, thread.id, post.id)
        session.flush()
        solved += 1
        if solved == 2:
            break
    drafts = list(session.execute(select(FaqEntry).order_by(col(FaqEntry.id))).scalars())
    if drafts and drafts[0].id is not None:
        faq.publish(session, moderator, drafts[0].id)
    if len(threads) < 4:
        return
    members = [viewer_for(session, by_nick[n]) for n in ("Handwerksmeister", "Kanzlei-Berger")]
    spammer = _new_member(session, NEWCOMERS[0], "demo-spam@example.com")
    assert threads[2].id is not None and threads[3].id is not None
    spam = forum.create_reply(
        session,
        viewer_for(session, spammer),
        threads[2].id,
        "Router und Telefone zum halben Preis gibt es bei schnaeppchen-technik.example – "
        "nur heute 30 % Rabatt!",
    )
    for member in members:
        moderation.report_post(
            session, member, spam.id or 0, reason=ReportReason.spam, comment="Werbung."
        )
    remark = (
        session.execute(
            select(Post).where(
                col(Post.thread_id) == threads[3].id, col(Post.body).in_(OTHER_REPLIES)
            )
        )
        .scalars()
        .first()
    )
    if remark is not None and remark.id is not None and remark.author_id != members[1].user_id:
        moderation.report_post(
            session,
            members[1],
            remark.id,
            reason=ReportReason.off_topic,
            comment="Trägt zur Frage nichts bei.",
        )
        # A moderator looked at it already: no breach, the report is closed (audit log).
        moderation.dismiss_reports(
            session, moderator, remark.id, "Kein Verstoß gegen die Netiquette."
        )
    rude = forum.create_reply(
        session,
        viewer_for(session, by_nick["Autohaus-West"]),
        threads[3].id,
        "Das steht doch alles in der Anleitung. Erst lesen, dann fragen!",
    )
    moderation.hide_post(session, moderator, rude.id or 0, "Unfreundlicher Ton, siehe Netiquette.")
    _held_posts(session, threads[1])
    seed_blog(session, viewer_for(session, by_nick["Jonas.Support"]), moderator, boards)


def _new_member(session: Session, nickname: str, email: str) -> User:
    user = User(
        email=email,
        nickname=nickname,
        nickname_key=nickname.casefold(),
        password_hash=security.hash_password(security.new_token()),
        role=Role.member.value,
        email_verified_at=utcnow(),
    )
    session.add(user)
    session.flush()
    assert user.id is not None
    _notices_without_mail(session, user.id)
    return user


def _held_posts(session: Session, thread: Thread) -> None:
    """A newcomer's first question and reply, held as the premoderation of first posts
    (COMMUNITY_PREMODERATION_FIRST_POSTS) would hold them: the board checks its posts for
    just these two."""
    category = session.get(Category, thread.category_id)
    assert category is not None and thread.id is not None
    newcomer = viewer_for(session, _new_member(session, NEWCOMERS[1], "demo-new@example.com"))
    premoderated, category.premoderated = category.premoderated, True
    session.flush()
    forum.create_thread(
        session,
        newcomer,
        category_slug=category.slug,
        kind=ThreadKind.question,
        title="Rechnung doppelt abgebucht, an wen wende ich mich?",
        body="Im November wurde unsere Rechnung zweimal abgebucht. Wie bekomme ich das Geld zurück?",
    )
    forum.create_reply(
        session, newcomer, thread.id, "Hat jemand eine Lösung gefunden? Bei uns ist es genauso."
    )
    category.premoderated = premoderated
    session.flush()


def _fill_search_index(engine: Engine) -> None:
    """The seeded threads are searchable at once: this process builds the index, or, when
    a running worker owns the embedded index, the worker rebuilds it (a queued job)."""
    with Session(engine) as session:
        try:
            claim_index_writer()
            reindex(session)
        except IndexWriterTaken:
            enqueue(session, REINDEX, {})
            session.commit()
        except Exception:
            # The search engine is away (Meilisearch down): the worker rebuilds it later.
            log.warning("search index not filled after seeding; a rebuild is queued", exc_info=True)
            enqueue(session, REINDEX, {})
            session.commit()


def _spread(now: datetime, n: int, threads: int, rng: random.Random) -> datetime:
    """Thread n's start: spread evenly over the last SPAN_DAYS in the order of the ids, with
    a little noise; the newest starts one step (a few hours to days) before now."""
    span = timedelta(days=SPAN_DAYS)
    step = span / max(threads, 1)
    return now - span + step * n + timedelta(seconds=rng.uniform(0, step.total_seconds() / 2))


def thread_replies(title: str, count: int, rng: random.Random) -> list[tuple[str, bool]]:
    """Up to `count` replies that fit the question: some of its own answers first, then a
    general remark or the asker's thanks; no text twice in one thread."""
    answers = ANSWERS.get(title, [])
    own = rng.sample(answers, min(len(answers), max(1, count - rng.randint(0, 2))))
    general = rng.sample(OTHER_REPLIES, min(len(OTHER_REPLIES), max(0, count - len(own) - 1)))
    thanks = [rng.choice(ASKER_REPLIES)] if len(own) + len(general) < count else []
    chosen = [(text, False) for text in own] + [(text, False) for text in general]
    rng.shuffle(chosen)
    # A question is answered before it is remarked on or thanked for.
    chosen.sort(key=lambda r: r[0] not in answers)
    return (chosen + [(text, True) for text in thanks])[:count]


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


def _solutions_and_kudos(
    session: Session, rng: random.Random, *, first_thread: int, now: datetime
) -> None:
    """Half the questions get an accepted answer; many replies get a thank-you or three."""
    threads = {
        t.id: t
        for t in session.execute(select(Thread).where(col(Thread.id) >= first_thread)).scalars()
    }
    rows = session.execute(
        select(
            col(Post.id),
            col(Post.thread_id),
            col(Post.author_id),
            col(Post.created_at),
            col(Post.body),
        )
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
        # Only an answer written for this question is accepted, never a "me too".
        fitting = set(ANSWERS.get(thread.title, ()))
        helpful = [p for p in posts if p.author_id != thread.author_id and p.body in fitting]
        if thread.kind == "question" and helpful and rng.random() < 0.5:
            answer = rng.choice(helpful)
            solved.append(
                {
                    "tid": thread_id,
                    "pid": answer.id,
                    "aid": answer.author_id,
                    "at": min(answer.created_at + timedelta(hours=rng.randint(1, 48)), now),
                }
            )
        for post in posts:
            if rng.random() >= 0.4:
                continue
            givers = [m for m in member_ids if m != post.author_id]
            for giver in rng.sample(givers, k=min(len(givers), rng.randint(1, 3))):
                at = min(post.created_at + timedelta(minutes=rng.randint(5, 3000)), now)
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
