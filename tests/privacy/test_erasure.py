"""Erasing an account: afterwards the old nickname, e-mail and real name are found nowhere
— pages, API, search, FAQ export, event feed and payloads, jobs, webhook deliveries — and
the account cannot sign in. On request the member's posts go, but not a thread that
someone else answered."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import timedelta
from typing import Any
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlmodel import Session, col

from community.accounts.models import User
from community.clock import utcnow
from community.events.models import Event
from community.faq.models import FaqEntry
from community.forum.models import Post, PostRevision, Thread
from community.jobs.models import Job
from community.leads.models import Lead
from community.moderation.models import AuditEntry, Report
from community.webhooks.models import WebhookDelivery
from tests.events.test_catalog import validate_all
from tests.factories import PASSWORD, make_group, make_user, sign_in
from tests.privacy.conftest import EMAIL, NICKNAME, REAL_NAME, World, leaks
from tests.webhooks.receiver import Receiver


def _erase(world: World, how: str, *, remove_posts: bool = False) -> dict[str, Any]:
    if how == "self":
        response = world.browsers[NICKNAME].post(
            "/api/v1/me/erase",
            json={"password": PASSWORD, "confirm": True, "remove_posts": remove_posts},
        )
    else:
        response = world.browsers["Admina"].post(
            f"/api/v1/admin/users/{NICKNAME}/erase",
            json={"confirm_nickname": NICKNAME, "remove_posts": remove_posts},
        )
    assert response.status_code == 200, response.text
    return response.json()


def _stored_text(db: Session) -> dict[str, str]:
    """Every stored copy that could hold the old identity, as text per table."""
    db.expire_all()
    dump = lambda rows: json.dumps(rows, ensure_ascii=False, default=str)  # noqa: E731
    return {
        "events": dump([e.payload for e in db.execute(select(Event)).scalars()]),
        "jobs": dump(
            [(j.type, j.payload, j.last_error) for j in db.execute(select(Job)).scalars()]
        ),
        "faq": dump(
            [
                (e.asker, e.answerer, e.question_text, e.answer_text, e.published_answer)
                for e in db.execute(select(FaqEntry)).scalars()
            ]
        ),
        "audit": dump(
            [
                (a.actor, a.reason, a.before, a.after)
                for a in db.execute(select(AuditEntry)).scalars()
            ]
        ),
        "reports": dump([r.contact_email for r in db.execute(select(Report)).scalars()]),
        "users": dump(
            [
                (u.nickname, u.email, u.real_name, u.company)
                for u in db.execute(select(User)).scalars()
            ]
        ),
    }


@pytest.mark.parametrize("how", ["self", "admin"])
def test_after_erasure_the_old_identity_is_found_nowhere(
    how: str,
    world: World,
    db: Session,
    anon: TestClient,
    receiver: Receiver,
    run_jobs: Callable[[], int],
) -> None:
    # Jobs of a kind that names the member (a digest mail, say): one done, one waiting.
    later = utcnow() + timedelta(days=1)
    digest = {"user": NICKNAME, "to": EMAIL, "greeting": f"Hallo {NICKNAME},"}
    db.add(Job(type="mail.digest", payload=digest, status="done"))
    waiting = Job(type="mail.digest", payload=digest, run_at=later)
    db.add(waiting)
    db.commit()
    before = _stored_text(db)
    assert leaks(before["events"]) and leaks(before["users"]) and leaks(before["jobs"])
    delivered_before = len(receiver.received)

    result = _erase(world, how)
    pseudonym = result["pseudonym"]
    assert pseudonym == f"Gelöschtes Mitglied {world.member.id}"
    run_jobs()

    boss = world.browsers["Admina"]
    threads = (world.answered, world.helpers_thread, world.lonely, world.closed_thread)
    surfaces = {
        "home": anon.get("/").text,
        "board": anon.get("/c/telefonie").text,
        "leaderboard page": anon.get("/leaderboard").text,
        "faq page": anon.get("/c/telefonie/faq").text,
        "threads api": anon.get("/api/v1/threads").text,
        "leaderboard api": anon.get("/api/v1/leaderboard").text,
        "pseudonym profile api": anon.get(f"/api/v1/users/{pseudonym}").text,
        "pseudonym profile page": anon.get(f"/u/{pseudonym}").text,
        "search": anon.get("/api/v1/search", params={"q": "Rufumleitung Portal"}).text,
        "search page": anon.get("/search", params={"q": "Faxgerät"}).text,
        "events feed": anon.get("/api/v1/events", headers=world.tokens["feed"]).text,
        "audit log": boss.get("/api/v1/admin/audit-log").text,
        "moderation queue": boss.get("/api/v1/moderation/queue").text,
        "admin's private view": boss.get(f"/api/v1/users/{pseudonym}/private").text,
    }
    for fmt in ("json", "csv", "jsonld"):
        faq = anon.get("/api/v1/faq", headers=world.tokens["faq"], params={"format": fmt})
        assert faq.status_code == 200
        surfaces[f"faq {fmt}"] = faq.text
    for thread in threads:
        for who, client in (("visitor", anon), ("admin", boss)):
            surfaces[f"thread {thread.id} page for {who}"] = client.get(f"/t/{thread.id}").text
            surfaces[f"thread {thread.id} api for {who}"] = client.get(
                f"/api/v1/threads/{thread.id}"
            ).text
            surfaces[f"posts {thread.id} api for {who}"] = client.get(
                f"/api/v1/threads/{thread.id}/posts"
            ).text
    surfaces.update(_stored_text(db))
    found = {name: leaks(text) for name, text in surfaces.items() if leaks(text)}
    assert found == {}

    # The waiting job still runs, without the old data; the finished one is gone.
    digests = db.execute(select(Job).where(col(Job.type) == "mail.digest")).scalars().all()
    assert [(j.id, j.payload["user"], j.payload["to"]) for j in digests] == [
        (waiting.id, pseudonym, "[entfernt]")
    ]

    # What stays shows the pseudonym, on the page and in the FAQ export.
    assert pseudonym in anon.get(f"/t/{world.answered.id}").text
    published = anon.get("/api/v1/faq", headers=world.tokens["faq"]).json()["items"]
    assert [e["asker"] for e in published] == [pseudonym]
    # Search still finds the member's thread, now under no one's old name.
    hits = anon.get("/api/v1/search", params={"q": "Rufumleitung"}).json()["items"]
    assert [h["id"] for h in hits] == [world.answered.id]

    # The old profile is gone; the account cannot sign in, its session has ended.
    assert anon.get(f"/u/{NICKNAME}").status_code == 404
    assert anon.get(f"/api/v1/users/{NICKNAME}").status_code == 404
    login = anon.post("/api/v1/auth/login", json={"email": EMAIL, "password": PASSWORD})
    assert login.status_code == 401
    assert world.browsers[NICKNAME].get("/api/v1/me").status_code == 401

    # The CRM hears of it (only the id and the pseudonym), and the consented lead ends.
    validate_all(db)
    after = receiver.verified()[delivered_before:]
    erased = [p["data"] for p in after if p["type"] == "user.erased"]
    assert erased == [
        {"user_id": world.member.id, "pseudonym": pseudonym, "erased_at": erased[0]["erased_at"]}
    ]
    withdrawn = [p["data"] for p in after if p["type"] == "lead.consent_withdrawn"]
    assert [w["nickname"] for w in withdrawn] == [pseudonym]
    assert db.execute(select(Lead)).scalars().all() == []
    assert not any(leaks(r.body.decode()) for r in receiver.received[delivered_before:])

    # A delivery made before the erasure, sent again, carries the pseudonym.
    db.expire_all()
    first = (
        db.execute(
            select(WebhookDelivery)
            .where(col(WebhookDelivery.event_type) == "thread.created")
            .order_by(col(WebhookDelivery.id))
        )
        .scalars()
        .first()
    )
    assert first is not None
    assert leaks(receiver.received[0].body.decode())  # it named the member then
    count = len(receiver.received)
    assert boss.post(f"/api/v1/admin/webhooks/deliveries/{first.id}/redeliver").status_code == 202
    run_jobs()
    [again] = receiver.verified()[count:]
    assert again["data"]["author"] == pseudonym
    assert not leaks(receiver.received[-1].body.decode())

    # Audited, without the erased data.
    entries = [e for e in db.execute(select(AuditEntry)).scalars() if e.action == "user.erase"]
    assert [(e.target_id, e.actor) for e in entries] == [
        (world.member.id, pseudonym if how == "self" else "Admina")
    ]


def test_kept_posts_stay_under_the_pseudonym_with_their_counters(
    world: World, db: Session, anon: TestClient, run_jobs: Callable[[], int]
) -> None:
    helper_points = db.get(User, world.helper.id).points  # type: ignore[union-attr]
    result = _erase(world, "self")
    assert (result["posts_removed"], result["threads_kept"]) == (0, 0)
    run_jobs()
    posts = anon.get(f"/api/v1/threads/{world.helpers_thread.id}/posts").json()["items"]
    assert [p["author"]["nickname"] for p in posts] == ["Helferlein", result["pseudonym"]]
    # The pseudonym has no profile gathering the posts, rank and joining date again
    pseudonym = quote(result["pseudonym"])
    assert anon.get(f"/u/{pseudonym}").status_code == 404
    assert anon.get(f"/api/v1/users/{pseudonym}").status_code == 404
    page = anon.get(f"/t/{world.helpers_thread.id}/{world.helpers_thread.slug}").text
    assert result["pseudonym"] in page and f"/u/{pseudonym}" not in page
    # The signature that named the member is gone from the kept post; the rest stays.
    assert posts[1]["body"] == "Bei mir half das Profil G.711.\n\nGruß, [entfernt] ([entfernt])"
    db.expire_all()
    assert db.get(User, world.helper.id).points == helper_points  # type: ignore[union-attr]
    assert db.get(Thread, world.answered.id).solution_post_id == world.helper_answer.id  # type: ignore[union-attr]


def test_removing_posts_keeps_a_thread_that_others_answered(
    world: World, db: Session, anon: TestClient, run_jobs: Callable[[], int]
) -> None:
    helper = db.get(User, world.helper.id)
    assert helper is not None
    helper_before = (helper.points, helper.solution_count, helper.kudos_given)
    found = anon.get("/api/v1/search", params={"q": "Warteschleifenmusik"}).json()["items"]
    assert [h["id"] for h in found] == [world.lonely.id]
    assert db.get(Thread, world.helpers_thread.id).reply_count == 1  # type: ignore[union-attr]

    result = _erase(world, "self", remove_posts=True)
    # The reply, the lonely thread and the closed-board thread go; the answered one stays.
    assert (result["posts_removed"], result["threads_kept"]) == (3, 1)
    run_jobs()

    assert anon.get(f"/t/{world.answered.id}").status_code == 200
    answered_posts = anon.get(f"/api/v1/threads/{world.answered.id}/posts").json()["items"]
    assert [p["author"]["nickname"] for p in answered_posts] == [
        result["pseudonym"],
        "Helferlein",
    ]
    assert anon.get(f"/t/{world.lonely.id}").status_code == 404
    assert anon.get(f"/api/v1/posts/{world.member_reply.id}").status_code == 404
    helpers_posts = anon.get(f"/api/v1/threads/{world.helpers_thread.id}/posts").json()["items"]
    assert [p["author"]["nickname"] for p in helpers_posts] == ["Helferlein"]
    hits = anon.get("/api/v1/search", params={"q": "Warteschleifenmusik"}).json()["items"]
    assert hits == []

    # Counters follow the removal; the helper keeps the solution and the kudos they gave.
    db.expire_all()
    assert db.get(Thread, world.helpers_thread.id).reply_count == 0  # type: ignore[union-attr]
    helper = db.get(User, world.helper.id)
    assert helper is not None
    assert (helper.points, helper.solution_count, helper.kudos_given) == helper_before
    # A removed post's text is gone even for moderators, with its earlier versions.
    reply = db.get(Post, world.member_reply.id)
    assert reply is not None and reply.is_deleted and reply.body == ""
    assert (
        db.execute(
            select(PostRevision).where(col(PostRevision.post_id) == world.member_reply.id)
        ).all()
        == []
    )


def test_admin_erasure_needs_an_admin_and_the_nickname_again(
    world: World, anon: TestClient
) -> None:
    path = f"/api/v1/admin/users/{NICKNAME}/erase"
    body = {"confirm_nickname": NICKNAME}
    assert anon.post(path, json=body).status_code == 401
    assert world.browsers["Helferlein"].post(path, json=body).status_code == 403
    assert world.browsers[NICKNAME].post(path, json=body).status_code == 403
    boss = world.browsers["Admina"]
    wrong = boss.post(path, json={"confirm_nickname": "Helferlein"})
    assert wrong.status_code == 422
    assert wrong.json()["error"] == "confirmation_required"
    own = boss.post("/api/v1/admin/users/Admina/erase", json={"confirm_nickname": "Admina"})
    assert own.status_code == 409
    assert world.browsers[NICKNAME].get("/api/v1/me").status_code == 200  # nothing happened

    pseudonym = _erase(world, "admin")["pseudonym"]
    again = boss.post(
        f"/api/v1/admin/users/{pseudonym}/erase", json={"confirm_nickname": pseudonym}
    )
    assert again.status_code == 409


def test_self_erasure_needs_the_password_and_a_confirmation(world: World) -> None:
    me = world.browsers[NICKNAME]
    wrong = me.post("/api/v1/me/erase", json={"password": "falsch-falsch", "confirm": True})
    assert wrong.status_code == 403
    unconfirmed = me.post("/api/v1/me/erase", json={"password": PASSWORD, "confirm": False})
    assert unconfirmed.status_code == 422
    assert me.get("/api/v1/me").json()["nickname"] == NICKNAME


def test_the_settings_page_erases_the_account(world: World, anon: TestClient) -> None:
    me = world.browsers[NICKNAME]
    page = me.get("/settings")
    assert 'action="/settings/erase"' in page.text
    token = me.headers["X-CSRF-Token"]
    wrong = me.post(
        "/settings/erase",
        data={"csrf_token": token, "password": "falsch", "confirm": "true", "remove_posts": "true"},
    )
    assert wrong.status_code == 422
    assert "Das Passwort stimmt nicht." in wrong.text
    # Still ticked: a second try must not quietly keep the posts
    assert 'name="remove_posts" value="true" checked' in wrong.text
    done = me.post(
        "/settings/erase",
        data={"csrf_token": token, "password": PASSWORD, "confirm": "true"},
        follow_redirects=False,
    )
    assert done.status_code == 200
    assert "Konto gelöscht" in done.text and NICKNAME not in done.text
    assert me.get("/settings", follow_redirects=False).status_code == 303
    assert anon.get(f"/u/{NICKNAME}").status_code == 404


def test_admins_find_the_erase_button_on_the_profile(world: World, anon: TestClient) -> None:
    action = f'action="/admin/users/{NICKNAME}/erase"'
    assert action not in anon.get(f"/u/{NICKNAME}").text
    assert action not in world.browsers["Helferlein"].get(f"/u/{NICKNAME}").text
    boss = world.browsers["Admina"]
    assert action in boss.get(f"/u/{NICKNAME}").text
    token = boss.headers["X-CSRF-Token"]
    mistyped = boss.post(
        f"/admin/users/{NICKNAME}/erase",
        data={"csrf_token": token, "confirm_nickname": "Vertipper", "remove_posts": "true"},
    )
    # The member's record again, the form open with the message and what was typed
    assert mistyped.status_code == 422
    assert "Zur Bestätigung bitte den Spitznamen des Mitglieds eingeben." in mistyped.text
    assert '<details class="admin-erase" open>' in mistyped.text
    assert 'value="Vertipper"' in mistyped.text and 'name="remove_posts" value="true" checked' in (
        mistyped.text
    )
    assert anon.get(f"/u/{NICKNAME}").status_code == 200  # nothing happened
    response = boss.post(
        f"/admin/users/{NICKNAME}/erase",
        data={"csrf_token": token, "confirm_nickname": NICKNAME, "remove_posts": "true"},
    )
    assert response.status_code == 200
    assert "Konto gelöscht" in response.text
    assert anon.get(f"/u/{NICKNAME}").status_code == 404
    assert anon.get(f"/t/{world.lonely.id}").status_code == 404


def test_an_erased_member_keeps_no_notices_settings_or_watches(world: World, db: Session) -> None:
    from community.notifications.models import Notification, ThreadWatch

    def count(table: Any) -> int:
        rows = db.execute(select(table).where(col(table.user_id) == world.member.id))
        return len(list(rows.scalars()))

    assert count(Notification) > 0 and count(ThreadWatch) > 0
    _erase(world, "self")
    db.expire_all()
    assert (count(Notification), count(ThreadWatch)) == (0, 0)


def test_erasure_keeps_a_rating_in_the_figures_but_drops_its_words(
    world: World, db: Session
) -> None:
    from community.insights.models import SatisfactionRating

    rated = world.browsers[NICKNAME].post(
        f"/api/v1/threads/{world.answered.id}/satisfaction",
        json={"rating": 4, "comment": f"Danke, {REAL_NAME}"},
    )
    assert rated.status_code == 201, rated.text
    exported = world.browsers[NICKNAME].get("/api/v1/me/export").json()
    assert [r["rating"] for r in exported["satisfaction_ratings"]] == [4]

    _erase(world, "self")
    db.expire_all()
    rating = db.execute(select(SatisfactionRating)).scalar_one()
    assert (rating.rating, rating.comment, rating.user_id) == (4, "", None)


def test_mentions_and_audit_records_of_an_erased_member_use_the_pseudonym(
    world: World, db: Session, run_jobs: Callable[[], int]
) -> None:
    boss, them = world.browsers["Admina"], world.browsers["Helferlein"]
    make_group(db, slug="zweite-gruppe")
    added = boss.post("/api/v1/admin/groups/zweite-gruppe/members", json={"nickname": NICKNAME})
    assert added.status_code == 204, added.text
    thanks = them.post(
        f"/api/v1/threads/{world.helpers_thread.id}/posts",
        json={"body": f"Danke @{NICKNAME}, das war es."},
    )
    assert thanks.status_code == 201, thanks.text
    asked = them.post(
        "/api/v1/threads",
        json={"category": "telefonie", "title": "Wie hat das geklappt?", "body": f"@{NICKNAME}?"},
    )
    assert asked.status_code == 201, asked.text
    entry_id = db.execute(select(FaqEntry.id)).scalar_one()  # type: ignore[call-overload]
    edit = boss.patch(
        f"/api/v1/faq/entries/{entry_id}",
        json={"answer_text": f"Im Portal unter Telefonie (Tipp von @{NICKNAME})."},
    )
    assert edit.status_code == 200, edit.text
    run_jobs()
    before = _stored_text(db)
    assert leaks(before["audit"]) and f"@{NICKNAME}" in before["faq"]

    pseudonym = _erase(world, "admin")["pseudonym"]
    run_jobs()

    after = _stored_text(db)
    for table in ("audit", "events", "faq"):
        assert not leaks(after[table]), (table, after[table])
    post = db.get(Post, thanks.json()["id"])
    assert post is not None
    assert post.body == f"Danke {pseudonym}, das war es."
    assert f"/u/{NICKNAME}" not in post.body_html and pseudonym in post.body_html
    assert pseudonym in after["audit"] and pseudonym in after["faq"]


def test_an_erased_member_s_idea_votes_are_exported_then_gone_and_recounted(
    world: World, db: Session
) -> None:
    from community.ideas.models import Idea, IdeaVote
    from tests.ideas.helpers import make_idea, make_idea_board

    idea = make_idea(
        db, author=make_user(db), board=make_idea_board(db), title="Rechnungen als CSV"
    )
    voted = world.browsers[NICKNAME].post(f"/api/v1/ideas/{idea.id}/vote")
    assert voted.status_code == 200 and voted.json()["votes"] == 1
    exported = world.browsers[NICKNAME].get("/api/v1/me/export").json()
    assert [v["idea_id"] for v in exported["idea_votes"]] == [idea.id]
    _erase(world, "self")
    db.expire_all()
    assert db.execute(select(IdeaVote)).first() is None
    assert db.get(Idea, idea.id).vote_count == 0  # type: ignore[union-attr]


def test_the_page_after_erasure_is_in_the_members_language(
    db: Session, make_client: Callable[[], TestClient]
) -> None:
    member = make_user(db, nickname="Leaving_Lea", locale="en")
    browser = make_client()
    csrf = sign_in(browser, member)
    done = browser.post(
        "/settings/erase",
        data={"csrf_token": csrf, "password": PASSWORD, "confirm": "true"},
        headers={"Accept-Language": "de"},
    )
    assert done.status_code == 200
    assert '<html lang="en"' in done.text and "Account deleted" in done.text
