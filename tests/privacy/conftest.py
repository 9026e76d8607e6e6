"""Fixtures of the privacy tests: a member who has done a bit of everything, the worker,
and a webhook receiver on loopback."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select
from sqlmodel import Session

from community.accounts.models import Role, User
from community.events.catalog import WEBHOOK_TYPES
from community.faq.models import FaqEntry
from community.forum.models import Category, Post, Thread
from community.jobs.worker import Worker
from community.leads.consent import CONSENT_TEXT_VERSION
from tests.factories import make_category, make_group, make_reply, make_thread, make_user, sign_in
from tests.webhooks.conftest import allow_private, receiver  # noqa: F401  (fixtures)
from tests.webhooks.receiver import Receiver

NICKNAME = "Zaunkoenig"
EMAIL = "kanarien@vogel.example"
REAL_NAME = "Klara Kanarienvogel"
COMPANY = "Vogelhaus GmbH"


def leaks(text: str) -> list[str]:
    """Which of the old identity's values appear in the text."""
    return [c for c in (NICKNAME, EMAIL, REAL_NAME) if c.casefold() in text.casefold()]


@pytest.fixture
def run_jobs(engine: Engine) -> Callable[[], int]:
    return lambda: Worker(engine).run_until_empty()


@dataclass
class World:
    member: User
    helper: User
    admin: User
    board: Category
    closed: Category
    # Started by the member, answered by the helper (accepted; a published FAQ entry).
    answered: Thread
    helper_answer: Post
    # The helper's thread with the member's (edited, thanked) reply.
    helpers_thread: Thread
    member_reply: Post
    # Started by the member, no one else replied.
    lonely: Thread
    # Started by the member in a closed board of their group.
    closed_thread: Thread
    browsers: dict[str, TestClient]
    tokens: dict[str, dict[str, str]]


@pytest.fixture
def world(
    db: Session,
    make_client: Any,
    receiver: Receiver,  # noqa: F811
    run_jobs: Callable[[], int],
) -> World:
    board = make_category(db, slug="telefonie", name="Telefonie")
    member = make_user(db, nickname=NICKNAME, email=EMAIL, real_name=REAL_NAME, company=COMPANY)
    helper = make_user(db, nickname="Helferlein")
    admin = make_user(db, nickname="Admina", role=Role.admin, staff=True)
    group = make_group(db, slug="grosskunde", members=[member])
    closed = make_category(db, slug="grosskunde-intern", groups=[group])
    browsers = {u.nickname: make_client() for u in (member, helper, admin)}
    for user in (member, helper, admin):
        sign_in(browsers[user.nickname], user)
    me, them, boss = browsers[NICKNAME], browsers["Helferlein"], browsers["Admina"]

    hook = boss.post(
        "/api/v1/admin/webhooks", json={"url": receiver.url, "event_types": list(WEBHOOK_TYPES)}
    )
    assert hook.status_code == 201, hook.text
    receiver.secret = hook.json()["secret"]
    tokens = {}
    for name, scopes in (("faq", ["faq:read"]), ("feed", ["events:read", "leads:read"])):
        created = boss.post("/api/v1/admin/tokens", json={"name": name, "scopes": scopes})
        tokens[name] = {"Authorization": f"Bearer {created.json()['token']}"}

    answered = make_thread(
        db, author=member, category=board, title="Rufumleitung im Portal einrichten"
    )
    helper_answer = them.post(
        f"/api/v1/threads/{answered.id}/posts", json={"body": "Im Portal unter Telefonie."}
    )
    assert helper_answer.status_code == 201, helper_answer.text
    solved = me.put(
        f"/api/v1/threads/{answered.id}/solution", json={"post_id": helper_answer.json()["id"]}
    )
    assert solved.status_code == 200, solved.text
    me.post(f"/api/v1/posts/{helper_answer.json()['id']}/kudos").raise_for_status()
    db.expire_all()
    entry_id = db.execute(select(FaqEntry.id)).scalar_one()  # type: ignore[call-overload]
    assert boss.post(f"/api/v1/faq/entries/{entry_id}/publish").is_success

    helpers_thread = make_thread(
        db, author=helper, category=board, title="Faxgerät nach IP-Umstellung stumm"
    )
    member_reply = make_reply(
        db, author=member, thread=helpers_thread, body="Bei mir half ein T.38-Profil."
    )
    edited = me.patch(
        f"/api/v1/posts/{member_reply.id}",
        json={"body": f"Bei mir half das Profil G.711.\n\nGruß, {REAL_NAME} ({EMAIL})"},
    )
    assert edited.status_code == 200, edited.text
    them.post(f"/api/v1/posts/{member_reply.id}/kudos").raise_for_status()
    reported = me.post(
        f"/api/v1/posts/{_opening(db, helpers_thread).id}/reports",
        json={"reason": "off_topic", "comment": "Gehört in einen anderen Bereich."},
    )
    assert reported.status_code == 201, reported.text

    lonely = make_thread(db, author=member, category=board, title="Warteschleifenmusik ändern")
    closed_thread = make_thread(
        db, author=member, category=closed, title="Rahmenvertrag Standortvernetzung"
    )
    lead = me.post(
        "/api/v1/leads",
        json={
            "agreed": True,
            "text_version": CONSENT_TEXT_VERSION,
            "real_name": REAL_NAME,
            "company": COMPANY,
            "phone": "+49 171 5550",
            "thread_id": answered.id,
        },
    )
    assert lead.status_code == 201, lead.text
    run_jobs()
    db.expire_all()
    return World(
        member=member,
        helper=helper,
        admin=admin,
        board=board,
        closed=closed,
        answered=answered,
        helper_answer=db.get(Post, helper_answer.json()["id"]),  # type: ignore[arg-type]
        helpers_thread=helpers_thread,
        member_reply=member_reply,
        lonely=lonely,
        closed_thread=closed_thread,
        browsers=browsers,
        tokens=tokens,
    )


def _opening(db: Session, thread: Thread) -> Post:
    return db.execute(
        select(Post).where(Post.thread_id == thread.id, Post.is_opening == True)  # type: ignore[arg-type]  # noqa: E712
    ).scalar_one()
