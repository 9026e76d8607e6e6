"""Reports, the queue, the moderators' decisions and the audit log, through the API and the
thread page, with the worker's mail and search jobs really run."""

from __future__ import annotations

import pytest
from sqlmodel import select

from community.accounts.models import Role
from community.faq.models import FaqEntry
from community.forum.models import Post
from community.jobs.worker import Worker
from community.moderation.models import AuditEntry
from community.notifications.models import Notification
from tests.factories import (
    PASSWORD,
    make_category,
    make_group,
    make_reply,
    make_thread,
    make_user,
    sign_in,
)


@pytest.fixture
def world(db):
    board = make_category(db, slug="technik", name="Technik")
    author = make_user(db, nickname="Schreiber")
    thread = make_thread(db, author=author, category=board, title="Router verliert Verbindung")
    reply = make_reply(db, author=author, thread=thread, body="Kauft Zauberpillen bei mir")
    mod = make_user(db, nickname="Wache", role=Role.moderator)
    return board, author, thread, reply, mod


def _report(client, post_id, **body):
    return client.post(f"/api/v1/posts/{post_id}/reports", json=body)


def test_visitor_reports_unlawful_content_and_it_reaches_the_queue(db, anon, client, world):
    _board, _author, _thread, reply, mod = world
    response = _report(
        anon, reply.id, reason="unlawful", comment="Betrug", contact_email="Zeugin@Example.com"
    )
    assert response.status_code == 201, response.text
    assert response.json()["reporter"] is None
    sign_in(client, mod)
    items = client.get("/api/v1/moderation/queue").json()["items"]
    assert [i["id"] for i in items] == [reply.id]
    item = items[0]
    assert item["thread_title"] == "Router verliert Verbindung"
    assert item["author"] == "Schreiber" and item["author_post_count"] == 2
    assert item["reports"][0]["reason"] == "unlawful"
    assert item["reports"][0]["comment"] == "Betrug"
    # Visitors' addresses stay with the report: the queue shows no address.
    assert "zeugin@example.com" not in str(items).lower()


def test_visitor_may_report_only_unlawful_content_and_must_leave_an_address(anon, world):
    reply = world[3]
    assert _report(anon, reply.id, reason="spam", contact_email="a@example.com").status_code == 403
    assert _report(anon, reply.id, reason="unlawful").status_code == 422
    assert _report(anon, reply.id, reason="unlawful", contact_email="kein-mail").status_code == 422


def test_one_report_per_member_and_post(db, client, world):
    reply = world[3]
    sign_in(client, make_user(db, nickname="Melder"))
    assert _report(client, reply.id, reason="spam").status_code == 201
    again = _report(client, reply.id, reason="insult")
    assert again.status_code == 409 and again.json()["error"] == "already_reported"


def test_queue_groups_by_post_oldest_first_and_is_for_moderators_only(db, make_client, world):
    _board, _author, thread, reply, mod = world
    opening = db.exec(select(Post).where(Post.thread_id == thread.id, Post.is_opening)).one()
    first, second, moderator = make_client(), make_client(), make_client()
    sign_in(first, make_user(db, nickname="Eins"))
    sign_in(second, make_user(db, nickname="Zwei"))
    assert _report(first, reply.id, reason="spam").status_code == 201
    assert _report(second, opening.id, reason="off_topic").status_code == 201
    assert _report(second, reply.id, reason="spam").status_code == 201
    assert second.get("/api/v1/moderation/queue").status_code == 403
    sign_in(moderator, mod)
    items = moderator.get("/api/v1/moderation/queue").json()["items"]
    assert [i["id"] for i in items] == [reply.id, opening.id]
    assert [r["reporter"] for r in items[0]["reports"]] == ["Eins", "Zwei"]


def test_hide_removes_text_from_page_api_and_search_and_restore_brings_it_back(
    db, engine, client, anon, world
):
    _board, _author, thread, reply, mod = world
    Worker(engine).run_until_empty()
    assert anon.get("/api/v1/search", params={"q": "Zauberpillen"}).json()["total"] == 1
    sign_in(client, mod)
    hidden = client.post(f"/api/v1/moderation/posts/{reply.id}/hide", json={"reason": "Werbung"})
    assert hidden.status_code == 204, hidden.text
    Worker(engine).run_until_empty()

    page = anon.get(f"/t/{thread.id}/{thread.slug}").text
    assert "Zauberpillen" not in page
    assert "von der Moderation ausgeblendet" in page and "Grund: Werbung" in page
    posts = anon.get(f"/api/v1/threads/{thread.id}/posts").json()["items"]
    shown = next(p for p in posts if p["id"] == reply.id)
    assert shown["body"] is None and shown["hidden_reason"] == "Werbung"
    assert anon.get("/api/v1/search", params={"q": "Zauberpillen"}).json()["total"] == 0
    assert anon.get(f"/api/v1/threads/{thread.id}").json()["reply_count"] == 0

    restored = client.post(f"/api/v1/moderation/posts/{reply.id}/restore", json={})
    assert restored.status_code == 204, restored.text
    Worker(engine).run_until_empty()
    assert "Zauberpillen" in anon.get(f"/t/{thread.id}/{thread.slug}").text
    assert anon.get("/api/v1/search", params={"q": "Zauberpillen"}).json()["total"] == 1
    assert anon.get(f"/api/v1/threads/{thread.id}").json()["reply_count"] == 1


def test_hiding_twice_leaves_one_audit_entry_and_one_notice(db, client, world):
    _board, author, _thread, reply, mod = world
    sign_in(client, mod)
    url = f"/api/v1/moderation/posts/{reply.id}/hide"
    assert client.post(url, json={"reason": "Werbung"}).status_code == 204
    assert client.post(url, json={"reason": "Werbung"}).status_code == 204  # a second click
    # A new reason is a change of its own
    assert client.post(url, json={"reason": "Werbung und Links"}).status_code == 204
    entries = db.exec(select(AuditEntry).where(AuditEntry.action == "post.hide")).all()
    assert [e.after["hidden_reason"] for e in entries] == ["Werbung", "Werbung und Links"]
    notices = db.exec(select(Notification).where(Notification.user_id == author.id)).all()
    assert len(notices) == 2


def test_hide_needs_a_reason_and_a_moderator(db, client, world):
    reply, mod = world[3], world[4]
    sign_in(client, make_user(db, nickname="Niemand"))
    assert (
        client.post(f"/api/v1/moderation/posts/{reply.id}/hide", json={"reason": "x"}).status_code
        == 403
    )
    sign_in(client, mod)
    response = client.post(f"/api/v1/moderation/posts/{reply.id}/hide", json={"reason": "  "})
    assert response.status_code == 422
    db.expire_all()
    assert db.get(Post, reply.id).is_hidden is False


def test_hiding_the_accepted_answer_withdraws_the_faq_entry(db, client, world):
    _board, author, thread, _reply, mod = world
    helper = make_user(db, nickname="Helfer")
    answer = make_reply(db, author=helper, thread=thread, body="Firmware aktualisieren hilft.")
    sign_in(client, author)
    accepted = client.put(f"/api/v1/threads/{thread.id}/solution", json={"post_id": answer.id})
    assert accepted.status_code == 200, accepted.text
    assert db.exec(select(FaqEntry).where(FaqEntry.thread_id == thread.id)).one().status == "draft"
    sign_in(client, mod)
    assert (
        client.post(
            f"/api/v1/moderation/posts/{answer.id}/hide", json={"reason": "Falsch"}
        ).status_code
        == 204
    )
    db.expire_all()
    entry = db.exec(select(FaqEntry).where(FaqEntry.thread_id == thread.id)).one()
    assert entry.status == "withdrawn"
    assert client.get(f"/api/v1/threads/{thread.id}").json()["solution_post_id"] is None


def test_decision_closes_reports_and_mails_each_reporter(db, engine, anon, client, mailbox, world):
    reply, mod = world[3], world[4]
    member = make_user(db, nickname="Melderin", email="melderin@example.com")
    sign_in(client, member)
    assert _report(client, reply.id, reason="spam").status_code == 201
    assert (
        _report(anon, reply.id, reason="unlawful", contact_email="besucher@example.com").status_code
        == 201
    )
    Worker(engine).run_until_empty()
    [confirm] = mailbox.to("besucher@example.com")
    assert anon.get(confirm.link("/report/confirm")).status_code == 200
    sign_in(client, mod)
    assert (
        client.post(
            f"/api/v1/moderation/posts/{reply.id}/delete", json={"reason": "Spam"}
        ).status_code
        == 204
    )
    assert client.get("/api/v1/moderation/queue").json()["items"] == []
    Worker(engine).run_until_empty()
    for address in ("melderin@example.com", "besucher@example.com"):
        [mail] = [m for m in mailbox.to(address) if "/report/confirm" not in m.text]
        assert "gelöscht" in mail.text
    db.expire_all()
    assert db.get(Post, reply.id).is_deleted is True


def test_the_reporters_mail_is_in_their_language(db, engine, client, mailbox, world):
    reply, mod = world[3], world[4]
    english = make_user(db, nickname="Reporter", email="reporter@example.com", locale="en")
    sign_in(client, english)
    assert _report(client, reply.id, reason="spam").status_code == 201
    sign_in(client, mod)
    dismissed = client.post(f"/api/v1/moderation/posts/{reply.id}/dismiss", json={"reason": ""})
    assert dismissed.status_code == 204, dismissed.text
    Worker(engine).run_until_empty()
    [mail] = mailbox.to("reporter@example.com")
    assert mail.subject.endswith("Your report was handled")
    assert "Hello Reporter," in mail.text
    assert "We reviewed the post and found no violation; it stays visible." in mail.text
    html = mail.message.get_body(preferencelist=("html",)).get_content()
    assert '<html lang="en">' in html and "Unsubscribe from these e-mails" in html


def test_suspended_member_cannot_post_or_give_kudos_until_unsuspended(db, client, world):
    _board, _author, thread, reply, mod = world
    member = make_user(db, nickname="Hitzkopf")
    sign_in(client, mod)
    suspended = client.post(
        "/api/v1/moderation/users/Hitzkopf/suspend", json={"days": 7, "reason": "Beleidigung"}
    )
    assert suspended.status_code == 204, suspended.text
    sign_in(client, member)
    reply_try = client.post(f"/api/v1/threads/{thread.id}/posts", json={"body": "Doch!"})
    assert reply_try.status_code == 403 and reply_try.json()["error"] == "suspended"
    kudos = client.post(f"/api/v1/posts/{reply.id}/kudos")
    assert kudos.status_code == 403
    sign_in(client, mod)
    assert client.post("/api/v1/moderation/users/Hitzkopf/unsuspend", json={}).status_code == 204
    sign_in(client, member)
    assert (
        client.post(f"/api/v1/threads/{thread.id}/posts", json={"body": "Sorry"}).status_code == 201
    )


def test_banned_member_cannot_post_nor_sign_in_again(db, make_client, world):
    thread, mod = world[2], world[4]
    member = make_user(db, nickname="Troll")
    troll, moderator = make_client(), make_client()
    sign_in(troll, member)
    sign_in(moderator, mod)
    banned = moderator.post("/api/v1/moderation/users/Troll/ban", json={"reason": "Wiederholt"})
    assert banned.status_code == 204, banned.text
    attempt = troll.post(f"/api/v1/threads/{thread.id}/posts", json={"body": "Noch einmal"})
    assert attempt.status_code in (401, 403), attempt.text
    again = make_client().post(
        "/api/v1/auth/login", json={"email": member.email, "password": PASSWORD}
    )
    assert again.status_code in (401, 403)


def test_moderator_cannot_suspend_another_moderator(db, client, world):
    mod = world[4]
    make_user(db, nickname="Kollege", role=Role.moderator)
    sign_in(client, mod)
    response = client.post(
        "/api/v1/moderation/users/Kollege/suspend", json={"days": 1, "reason": "Test"}
    )
    assert response.status_code == 403


def test_lock_unlock_and_move_with_counters_and_audit(db, client, world):
    board, _author, thread, _reply, mod = world
    other = make_category(db, slug="mobilfunk", name="Mobilfunk")
    sign_in(client, mod)
    assert client.post(f"/api/v1/moderation/threads/{thread.id}/lock", json={}).status_code == 204
    assert client.get(f"/api/v1/threads/{thread.id}").json()["is_locked"] is True
    assert client.post(f"/api/v1/moderation/threads/{thread.id}/unlock", json={}).status_code == 204
    assert client.get(f"/api/v1/threads/{thread.id}").json()["is_locked"] is False
    moved = client.post(
        f"/api/v1/moderation/threads/{thread.id}/move",
        json={"category": "mobilfunk", "reason": "Falscher Bereich"},
    )
    assert moved.status_code == 204, moved.text
    counts = {
        c["slug"]: c["thread_count"] for c in client.get("/api/v1/categories").json()["items"]
    }
    assert counts == {"technik": 0, "mobilfunk": 1}
    assert (
        client.post(
            f"/api/v1/moderation/threads/{thread.id}/move", json={"category": "gibt-es-nicht"}
        ).status_code
        == 404
    )

    admin = make_user(db, nickname="Chefin", role=Role.admin)
    sign_in(client, admin)
    log = client.get("/api/v1/admin/audit-log").json()["items"]
    assert [e["action"] for e in log] == ["thread.move", "thread.unlock", "thread.lock"]
    assert log[0]["actor"] == "Wache" and log[0]["reason"] == "Falscher Bereich"
    assert log[0]["before"] == {"category_id": board.id}
    assert log[0]["after"] == {"category_id": other.id}


def test_moving_into_a_closed_board_hides_the_thread_from_outsiders(db, client, anon, world):
    _board, author, thread, reply, mod = world
    group = make_group(db, slug="kunden-x")
    closed = make_category(db, slug="intern", name="Intern")
    sign_in(client, make_user(db, nickname="Dankbar"))
    assert client.post(f"/api/v1/posts/{reply.id}/kudos").status_code in (200, 201)
    board_before = anon.get("/api/v1/leaderboard?period=all").json()
    assert author.nickname in str(board_before)
    sign_in(client, make_user(db, nickname="Chefin", role=Role.admin))
    assert (
        client.put(
            "/api/v1/admin/categories/intern/groups", json={"groups": [group.slug]}
        ).status_code
        == 200
    )
    sign_in(client, mod)
    assert (
        client.post(
            f"/api/v1/moderation/threads/{thread.id}/move", json={"category": closed.slug}
        ).status_code
        == 204
    )
    assert anon.get(f"/api/v1/threads/{thread.id}").status_code == 404
    # The kudos moved with the thread: outsiders' leaderboard no longer counts them.
    assert author.nickname not in str(anon.get("/api/v1/leaderboard?period=all").json())


def test_audit_log_is_for_admins_and_has_no_write_route(db, client, world):
    reply, mod = world[3], world[4]
    sign_in(client, mod)
    client.post(f"/api/v1/moderation/posts/{reply.id}/hide", json={"reason": "Werbung"})
    assert client.get("/api/v1/admin/audit-log").status_code == 403
    sign_in(client, make_user(db, nickname="Chefin", role=Role.admin))
    [entry] = client.get("/api/v1/admin/audit-log").json()["items"]
    assert entry["action"] == "post.hide" and entry["target_id"] == reply.id
    assert entry["before"]["post_hidden"] is False and entry["after"]["post_hidden"] is True
    for method in ("put", "patch", "delete", "post"):
        assert getattr(client, method)("/api/v1/admin/audit-log").status_code == 405


def test_an_unconfirmed_visitor_address_gets_no_decision_mail(
    db, engine, anon, client, mailbox, world
):
    # Anyone can type anyone's address: only its owner's click lets the forum write to it.
    reply, mod = world[3], world[4]
    for n in range(3):
        response = _report(anon, reply.id, reason="unlawful", contact_email=f"opfer{n}@example.com")
        assert response.status_code == 201
    Worker(engine).run_until_empty()
    [confirm] = mailbox.to("opfer0@example.com")
    assert "/report/confirm" in confirm.text
    assert anon.get(confirm.link("/report/confirm")).status_code == 200
    sign_in(client, mod)
    client.post(f"/api/v1/moderation/posts/{reply.id}/hide", json={"reason": "Betrug"})
    Worker(engine).run_until_empty()

    assert any("ausgeblendet" in m.text for m in mailbox.to("opfer0@example.com"))
    for n in (1, 2):
        assert len(mailbox.to(f"opfer{n}@example.com")) == 1  # the confirmation request only
    assert anon.get("/report/confirm?token=geraten").status_code == 422


def test_visitor_reports_are_limited_per_address_and_per_post(db, anon, world, monkeypatch):
    reply = world[3]
    author, thread = world[1], world[2]
    others = [make_reply(db, author=author, thread=thread, body=f"Text {n}") for n in range(6)]
    statuses = [
        _report(anon, post.id, reason="unlawful", contact_email=f"a{n}@example.com").status_code
        for n, post in enumerate(others)
    ]
    assert statuses == [201] * 5 + [429]  # one address: 5 an hour

    from community.config import get_settings

    monkeypatch.setattr(get_settings(), "visitor_report_rate", "1000/hour")
    per_post = [
        _report(anon, reply.id, reason="unlawful", contact_email=f"b{n}@example.com")
        for n in range(11)
    ]
    assert [r.status_code for r in per_post] == [201] * 10 + [429]
    assert per_post[-1].headers["Retry-After"]
