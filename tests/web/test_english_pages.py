"""Every page of the app, rendered in English for the people who may see it, shows no German
text of ours, and every date on it is a `<time>` element with a valid `datetime`.

The pages are found by walking the app's GET routes, so a new page is checked without anyone
adding it here; a route this test cannot fill fails it (see `_fill`). The content is written
in English by the test, so any German left on a page is ours, not a member's."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser
from typing import Any

import pytest
from babel.messages.pofile import read_po
from fastapi import FastAPI
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from community.accounts.models import Role
from community.accounts.viewer import viewer_for
from community.blog import service as blog
from community.blog import spotlight
from community.config import get_settings
from community.faq import service as faq_service
from community.faq.models import FaqEntry
from community.forum.models import Thread, ThreadKind
from community.ideas import service as ideas
from community.ideas.models import IdeaStatus
from community.lazyroutes import load_all
from community.leads import service as leads
from community.moderation import service as moderation
from community.moderation.models import ReportReason
from community.notifications.models import Notification
from community.reputation import service as reputation
from community.web.pages import time_element
from community.webhooks import service as webhooks
from tests.factories import make_category, make_group, make_reply, make_thread, make_user, sign_in
from tests.web.test_catalog import PO

# Not pages: probes, machine formats, downloads, the API's own documentation (English).
NOT_PAGES = {
    "/docs",
    "/redoc",
    "/healthz",
    "/readyz",
    "/metrics",
    "/sitemap.xml",
    "/sitemap-pages.xml",
    "/sitemap-threads-{number}.xml",
    "/robots.txt",
    "/settings/export",
    "/admin/stats.csv",
    "/avatars/{user_id}/{key}-{size}.webp",
    "/blog/{article_id}/cover-{key}.webp",
}
# Words a German sentence hardly does without, and letters English has not.
GERMAN_WORDS = re.compile(
    r"\b(und|oder|der|die|das|nicht|Sie|Ihre?n?|ist|sind|mit|für|wird|werden|einen?|"
    r"zum|zur|bei|noch|auf|aus|vom|keine?|Beitr[aä]ge?|Frage|Antwort|Thema|Bereich)\b"
    r"|[äöüÄÖÜß]"
)
# Language names are written in their own language on purpose (the switch in the footer).
ALLOWED = ("Deutsch",)
INVALID_UTC = re.compile(r"[+-]\d\d:?\d\d[Zz]$|[Zz][+-]")


def _german_msgids() -> tuple[set[str], list[re.Pattern[str]]]:
    """Our German texts whose English differs: plain ones, and those with placeholders as
    patterns (a placeholder matches anything)."""
    catalog = read_po(PO.open("rb"), locale="en")
    plain, patterns = set(), []
    for m in catalog:
        if not isinstance(m.id, str) or not m.id or not m.string or m.string == m.id:
            continue
        if "%(" in m.id:
            parts = re.split(r"%\(\w+\)[sd]", m.id)
            if sum(len(p.strip()) for p in parts) >= 8:
                patterns.append(re.compile("^" + ".+?".join(re.escape(p) for p in parts) + "$"))
        else:
            plain.add(m.id)
    return plain, patterns


class _Visible(HTMLParser):
    """Text a reader sees or hears: text nodes outside scripts and styles, and the
    attributes shown or read aloud."""

    SPOKEN = ("aria-label", "placeholder", "title", "alt")

    def __init__(self) -> None:
        super().__init__()
        self.texts: list[str] = []
        self.times: list[str | None] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style", "template"):
            self._skip += 1
        if tag == "time":
            self.times.append(dict(attrs).get("datetime"))
        if tag == "input" and dict(attrs).get("type") in ("submit", "button"):
            self.texts += [v for k, v in attrs if k == "value" and v]
        self.texts += [v.strip() for k, v in attrs if k in self.SPOKEN and v and v.strip()]

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style", "template") and self._skip:
            self._skip -= 1

    def handle_data(self, data: str) -> None:
        if not self._skip and data.strip():
            self.texts.append(" ".join(data.split()))


def visible(html_text: str) -> _Visible:
    parser = _Visible()
    parser.feed(html_text)
    return parser


def german_left(html_text: str, plain: set[str], patterns: list[re.Pattern[str]]) -> list[str]:
    found = []
    for text in visible(html_text).texts:
        bare = text.rstrip(":").strip()
        if text in ALLOWED:
            continue
        if bare in plain or any(p.match(text) for p in patterns) or GERMAN_WORDS.search(text):
            found.append(text)
    return found


def bad_times(html_text: str) -> list[str | None]:
    bad: list[str | None] = []
    for value in visible(html_text).times:
        if not value or INVALID_UTC.search(value):
            bad.append(value)
            continue
        try:
            datetime.fromisoformat(value)
        except ValueError:
            bad.append(value)
    return bad


def get_routes(app: FastAPI) -> list[str]:
    load_all(app.router)  # the administration's routes too (community/lazyroutes.py)

    def walk(routes: list[Any], prefix: str = "") -> Iterator[tuple[str, APIRoute]]:
        for route in routes:
            if hasattr(route, "original_router"):  # an included router (FastAPI 0.16x)
                yield from walk(route.original_router.routes, prefix + route.include_context.prefix)
            elif isinstance(route, APIRoute):
                yield prefix + route.path, route

    return sorted(
        {
            path
            for path, route in walk(app.router.routes)
            if "GET" in route.methods and not path.startswith("/api/") and path not in NOT_PAGES
        }
    )


@pytest.fixture
def world(db: Session, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """A small forum written in English: a public and a closed board, a solved question
    with kudos, a report, a held reply, a hidden post, an FAQ entry, a sales lead, a
    webhook, a notice."""
    admin = make_user(db, nickname="Alice", role=Role.admin, staff=True, locale="en")
    moderator = make_user(db, nickname="Mona", role=Role.moderator, staff=True, locale="en")
    member = make_user(
        db, nickname="Bob", locale="en", real_name="Bob Builder", company="Builder Ltd"
    )
    helper = make_user(db, nickname="Carol", role=Role.expert, locale="en")
    newcomer = make_user(db, nickname="Dave", locale="en")
    group = make_group(db, slug="partners", members=[member])
    board = make_category(db, slug="routers", name="Routers")
    make_category(db, slug="partners", name="Partners", groups=[group])
    thread = make_thread(
        db, author=member, category=board, title="Router drops line at night", body="Every night."
    )
    answer = make_reply(db, author=helper, thread=thread, body="Move the forced reconnect.")
    make_reply(db, author=member, thread=thread, body="Thanks, that worked.")
    reputation.give_kudos(db, viewer_for(db, member), answer.id)  # type: ignore[arg-type]
    reputation.accept_solution(db, viewer_for(db, member), thread.id, answer.id)  # type: ignore[arg-type]
    other = make_thread(db, author=helper, category=board, title="Spare parts", body="Any list?")
    spam = make_reply(db, author=newcomer, thread=other, body="Cheap watches here.")
    moderation.report_post(
        db, viewer_for(db, member), spam.id, reason=ReportReason.spam, comment="Advert."
    )  # type: ignore[arg-type]
    hidden = make_reply(db, author=newcomer, thread=other, body="Rude words.")
    moderation.hide_post(db, viewer_for(db, moderator), hidden.id, "Rude")  # type: ignore[arg-type]
    board.premoderated = True
    db.add(board)
    db.commit()
    held = make_reply(db, author=newcomer, thread=other, body="A reply that waits.")
    lead = leads.mark_opportunity(db, viewer_for(db, moderator), thread.id)  # type: ignore[arg-type]
    monkeypatch.setattr(get_settings(), "webhooks_allow_private", True)
    webhooks.create_endpoint(
        db, viewer_for(db, admin), url="http://127.0.0.1:9/hook", event_types=["thread.solved"]
    )
    db.commit()
    faq = db.execute(select(FaqEntry)).scalars().first()
    assert faq is not None and faq.id is not None
    faq_service.publish(db, viewer_for(db, moderator), faq.id)  # the board's FAQ page shows it
    db.commit()
    ideas_board = make_category(db, slug="ideas", name="Ideas")
    ideas_board.default_kind = "idea"
    db.add(ideas_board)
    db.commit()
    idea = make_thread(
        db, author=helper, category=ideas_board, title="Invoices as CSV", kind=ThreadKind.idea
    )
    ideas.vote(db, viewer_for(db, member), idea.id)  # type: ignore[arg-type]
    ideas.set_status(db, viewer_for(db, admin), idea.id, IdeaStatus.planned, "Coming soon.")  # type: ignore[arg-type]
    db.commit()
    notice = (
        db.execute(select(Notification).where(Notification.user_id == member.id)).scalars().first()
    )
    assert faq is not None and held.is_pending
    article = blog.create_article(
        db,
        viewer_for(db, admin),
        title="New tariffs for 2027",
        teaser="What changes for business customers.",
        body="From **January** on.",
        category_slug=board.slug,
    )
    assert article.id is not None
    blog.submit_for_review(db, viewer_for(db, admin), article.id)
    blog.publish(db, viewer_for(db, moderator), article.id)
    make_reply(db, author=member, thread=db.get(Thread, article.thread_id), body="Thanks, great.")  # type: ignore[arg-type]
    now = datetime.now(UTC)
    spotlight.create(
        db,
        viewer_for(db, admin),
        title="Spring offer",
        text="Save on routers",
        link_url="/blog",
        starts_at=now - timedelta(hours=1),
        ends_at=now + timedelta(days=1),
    )
    db.commit()
    return {
        "article": article,
        "admin": admin,
        "moderator": moderator,
        "member": member,
        "thread": thread,
        "post": answer,
        "lead": lead,
        "faq": faq,
        "notice": notice,
        "group": group,
        "board": board,
        "idea": idea,
    }


def _fill(path: str, world: dict[str, Any], token: str) -> str:
    thread, notice = world["thread"], world["notice"]
    values = {
        "thread_id": thread.id,
        "slug": world["board"].slug,
        "post_id": world["post"].id,
        "nickname": world["member"].nickname,
        "user_id": world["member"].id,
        "faq_id": world["faq"].id,
        "lead_id": world["lead"].id,
        "notice_id": notice.id if notice else 0,
        "token": token,
        "name": "unknown-provider",
        "idea_id": world["idea"].id,
        "article_id": world["article"].id,
    }
    if path.startswith("/t/{thread_id}/{slug}"):
        values["slug"] = thread.slug
    elif path.startswith("/ideas/"):
        values["slug"] = "ideas"
    elif path.startswith("/blog/"):
        values["slug"] = world["article"].slug
    elif path.startswith("/admin/groups/"):
        values["slug"] = world["group"].slug

    def value(match: re.Match[str]) -> str:
        name = match.group(1)
        assert name in values, f"the page test cannot fill {{{name}}} of {path}: add it"
        return str(values[name])

    return re.sub(r"\{(\w+)\}", value, path)


def _pages(client: TestClient, app: FastAPI, world: dict[str, Any]) -> dict[str, Any]:
    pages = {}
    for path in get_routes(app):
        url = _fill(path, world, token="unknown-token")
        response = client.get(url, headers={"Accept-Language": "en"}, follow_redirects=True)
        if "text/html" in response.headers.get("content-type", ""):
            pages[url] = response
    return pages


@pytest.mark.parametrize("who", ["anonymous", "member", "moderator", "admin"])
def test_every_page_in_english_shows_no_german_and_only_valid_times(
    db: Session, app: FastAPI, client: TestClient, world: dict[str, Any], who: str
) -> None:
    if who != "anonymous":
        sign_in(client, world[who])
    client.cookies.set("lang", "en")
    plain, patterns = _german_msgids()
    assert len(plain) > 300 and patterns  # the catalog was really read
    pages = _pages(client, app, world)
    assert len(pages) >= (20 if who == "anonymous" else 30)
    leaked = {url: german_left(r.text, plain, patterns) for url, r in pages.items()}
    leaked = {url: texts for url, texts in leaked.items() if texts}
    assert leaked == {}, "\n".join(f"{u}: {t}" for u, t in leaked.items())
    statuses = {url: r.status_code for url, r in pages.items() if r.status_code >= 500}
    assert statuses == {}
    times = {url: bad_times(r.text) for url, r in pages.items()}
    assert {url: t for url, t in times.items() if t} == {}
    shown = sum(len(visible(r.text).times) for r in pages.values())
    assert shown > 5  # dates were really on the pages


def test_the_checks_catch_german_and_bad_times() -> None:
    plain, patterns = _german_msgids()
    assert german_left("<p>Neueste Beiträge</p>", plain, patterns)
    assert german_left('<input placeholder="Bestenliste">', plain, patterns)
    assert not german_left("<p>Latest posts</p><script>var x = 'für';</script>", plain, patterns)
    assert bad_times('<time datetime="2026-11-29T10:00:00+00:00Z">x</time>')
    assert bad_times('<time datetime="29.11.2026">x</time>')
    assert not bad_times('<time datetime="2026-11-29T10:00:00Z">x</time>')
    # The one filter every page prints dates with: naive UTC, aware times, calendar days.
    naive = datetime(2026, 11, 29, 10, 0)
    for value in (naive, naive.replace(tzinfo=UTC), naive.date()):
        made = str(time_element(value)) + str(time_element(value, "date"))
        assert made.count("<time ") == 2 and not bad_times(made), made
    assert 'datetime="2026-11-29T10:00:00Z"' in str(time_element(naive))
