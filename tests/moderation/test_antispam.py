"""Anti-spam limits on posting and registering: intervals between posts and threads (longer
for new members), links per post and threads on the first day for new members, no text
twice within five minutes, registrations per IP. Refusals are 429 with Retry-After, in the
API and the web forms alike, and save nothing. Staff wait for no interval."""

from __future__ import annotations

import os
import re
import uuid
from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from community.accounts.models import Role, User
from community.clock import utcnow
from community.forum.models import Post, Thread
from community.moderation.antispam import count_links, is_new_member, normalise
from community.ratelimit import make_limiter
from tests.factories import PASSWORD, make_category, make_thread, make_user, sign_in

REDIS_ENV = "COMMUNITY_TEST_REDIS_URL"


@pytest.fixture
def limits_on(settings, monkeypatch):
    """The limits as shipped (conftest turns them off for the rest of the suite)."""
    monkeypatch.setattr(settings, "antispam_enabled", True)
    return settings


@pytest.fixture
def board(db):
    return make_category(db, slug="internet", name="Internet")


@pytest.fixture
def thread(db, board):
    return make_thread(db, author=make_user(db, nickname="Fragerin"), category=board)


def _member(db, *, nickname: str, age: timedelta = timedelta(days=30), **kwargs) -> User:
    user = make_user(db, nickname=nickname, **kwargs)
    user.created_at = utcnow() - age
    db.add(user)
    db.commit()
    return user


@pytest.fixture
def regular(db):
    return _member(db, nickname="Stammgast")


@pytest.fixture
def newcomer(db):
    return _member(db, nickname="Neuling", age=timedelta(hours=2))


def _reply(client, thread, body: str):
    return client.post(f"/api/v1/threads/{thread.id}/posts", json={"body": body})


def _ask(client, board, title: str, body: str | None = None):
    return client.post(
        "/api/v1/threads",
        json={"category": board.slug, "title": title, "body": body or f"Text zu: {title}"},
    )


def _count(db, model, author: User) -> int:
    db.expire_all()
    return db.execute(
        select(func.count()).select_from(model).where(model.author_id == author.id)
    ).scalar_one()


def _refused(response, code: str, most_seconds: int) -> int:
    assert response.status_code == 429, response.text
    assert response.json()["error"] == code
    retry_after = int(response.headers["Retry-After"])
    assert 1 <= retry_after <= most_seconds
    return retry_after


# ---- intervals -------------------------------------------------------------------------------


def test_a_second_reply_within_five_seconds_is_refused_and_saved_nowhere(
    db, client, limits_on, thread, regular
):
    sign_in(client, regular)
    assert _reply(client, thread, "Erste Antwort").status_code == 201

    second = _reply(client, thread, "Zweite Antwort")

    _refused(second, "posting_too_fast", 5)
    assert "5 s" in second.json()["detail"]
    assert _count(db, Post, regular) == 1
    assert client.get(f"/api/v1/threads/{thread.id}").json()["reply_count"] == 1


def test_a_reply_after_the_interval_passes(
    db, client, limits_on, monkeypatch, thread, regular, limiter_clock
):
    monkeypatch.setattr(limits_on, "reply_interval_seconds", 1)
    sign_in(client, regular)
    assert _reply(client, thread, "Erste Antwort").status_code == 201
    _refused(_reply(client, thread, "Zu schnell"), "posting_too_fast", 1)

    limiter_clock.advance(1.1)

    assert _reply(client, thread, "Nach der Pause").status_code == 201
    assert _count(db, Post, regular) == 2


def test_a_second_thread_within_fifteen_seconds_is_refused(db, client, limits_on, board, regular):
    sign_in(client, regular)
    assert _ask(client, board, "Router blinkt rot, was tun?").status_code == 201

    second = _ask(client, board, "Wie ändere ich das WLAN-Passwort?")

    retry_after = _refused(second, "posting_too_fast", 15)
    assert retry_after > 5  # the thread interval, not the reply interval
    assert _count(db, Thread, regular) == 1


def test_threads_and_replies_have_intervals_of_their_own(db, client, limits_on, board, regular):
    sign_in(client, regular)
    created = _ask(client, board, "Router blinkt rot, was tun?")
    thread_id = created.json()["thread"]["id"]

    reply = client.post(f"/api/v1/threads/{thread_id}/posts", json={"body": "Nachtrag: Modell X"})

    assert reply.status_code == 201


def test_new_members_wait_thirty_seconds_between_replies_and_two_minutes_between_threads(
    db, client, limits_on, board, thread, newcomer
):
    sign_in(client, newcomer)
    assert _reply(client, thread, "Erste Antwort").status_code == 201
    assert _ask(client, board, "Router blinkt rot, was tun?").status_code == 201

    reply_wait = _refused(_reply(client, thread, "Zweite Antwort"), "posting_too_fast", 30)
    thread_wait = _refused(
        _ask(client, board, "Wie ändere ich das WLAN-Passwort?"), "posting_too_fast", 120
    )

    assert reply_wait > 15 and thread_wait > 100


def test_an_unverified_or_young_account_is_new_and_a_month_old_verified_one_is_not(db):
    now = utcnow()
    young = make_user(db, nickname="Jung")
    old_unverified = _member(db, nickname="Unbestaetigt", verified=False)
    old = _member(db, nickname="Alt")
    day_old = _member(db, nickname="Eintagsfliege", age=timedelta(hours=24, minutes=1))

    assert is_new_member(young, now)
    assert is_new_member(old_unverified, now)
    assert not is_new_member(old, now)
    assert not is_new_member(day_old, now)


@pytest.mark.parametrize(
    "staff",
    [{"role": Role.moderator}, {"role": Role.admin}, {"staff": True}],
    ids=["moderator", "admin", "staff-flag"],
)
def test_staff_wait_for_no_interval_even_as_new_accounts(
    db, client, limits_on, board, thread, staff
):
    member = _member(db, nickname="Teamkollege", age=timedelta(hours=1), **staff)
    sign_in(client, member)

    replies = [_reply(client, thread, f"Antwort Nummer {n}") for n in range(3)]
    threads = [_ask(client, board, f"Ankündigung Nummer {n} vom Team") for n in range(4)]

    assert [r.status_code for r in replies + threads] == [201] * 7


def test_edits_wait_for_no_interval(db, client, limits_on, thread, regular):
    sign_in(client, regular)
    post_id = _reply(client, thread, "Erste Fassung").json()["id"]

    first = client.patch(f"/api/v1/posts/{post_id}", json={"body": "Zweite Fassung"})
    second = client.patch(f"/api/v1/posts/{post_id}", json={"body": "Dritte Fassung"})

    assert first.status_code == second.status_code == 200


def test_with_the_switch_off_nothing_is_limited(db, client, settings, thread, newcomer):
    assert settings.antispam_enabled is False  # what tests/conftest.py sets
    sign_in(client, newcomer)
    links = "[a](https://a.example) [b](https://b.example) [c](https://c.example)"

    responses = [_reply(client, thread, links) for _ in range(3)]

    assert [r.status_code for r in responses] == [201] * 3


def test_an_interval_of_zero_is_off(db, client, limits_on, monkeypatch, thread, regular):
    monkeypatch.setattr(limits_on, "reply_interval_seconds", 0)
    sign_in(client, regular)

    responses = [_reply(client, thread, f"Antwort Nummer {n}") for n in range(3)]

    assert [r.status_code for r in responses] == [201] * 3


def test_posting_goes_on_without_intervals_while_redis_is_unreachable(
    db, client, limits_on, monkeypatch, thread, regular, caplog
):
    from community.moderation import antispam

    down = make_limiter("redis://127.0.0.1:1/0", f"community-test-{uuid.uuid4().hex[:8]}")
    monkeypatch.setattr(antispam, "limiter", lambda: down)
    sign_in(client, regular)

    responses = [_reply(client, thread, f"Antwort Nummer {n}") for n in range(2)]

    assert [r.status_code for r in responses] == [201, 201]
    assert "rate-limit storage is unreachable" in caplog.text


def test_login_answers_503_not_500_while_the_limit_storage_is_unreachable(
    db, client, monkeypatch, regular
):
    from community import ratelimit

    down = make_limiter("redis://127.0.0.1:1/0", f"community-test-{uuid.uuid4().hex[:8]}")
    monkeypatch.setattr(ratelimit, "limiter", lambda: down)

    response = client.post(
        "/api/v1/auth/login", json={"email": regular.email, "password": "whatever-password"}
    )

    assert response.status_code == 503
    assert response.json()["error"] == "service_unavailable"


# ---- links -----------------------------------------------------------------------------------

THREE_LINKS = (
    "Siehe [Anleitung](https://hilfe.example/router), <https://status.example> "
    "und www.angebot-billig.de"
)
TWO_LINKS = "Siehe [Anleitung](https://hilfe.example/router) und <https://status.example>."


def test_links_are_counted_as_the_renderer_sees_them_bare_addresses_included():
    assert count_links(THREE_LINKS) == 3
    assert count_links(TWO_LINKS) == 2
    assert count_links("`https://im-code.example`\n\n```\nhttps://block.example\n```") == 0
    assert count_links("![Bild](https://bild.example/a.png) Kein Link.") == 0
    assert count_links("Schreiben Sie an hilfe@example.com") == 1


def test_a_new_member_may_post_two_links_but_not_three(db, client, limits_on, thread, newcomer):
    sign_in(client, newcomer)

    refused = _reply(client, thread, THREE_LINKS)

    retry_after = _refused(refused, "too_many_links", 24 * 3600)
    assert retry_after > 21 * 3600  # when the two-hour-old account stops being new
    assert "höchstens 2 Links" in refused.json()["detail"]
    assert _count(db, Post, newcomer) == 0
    assert _reply(client, thread, TWO_LINKS).status_code == 201


def test_a_new_member_cannot_start_a_thread_with_three_links(
    db, client, limits_on, board, newcomer
):
    sign_in(client, newcomer)

    refused = _ask(client, board, "Günstige Angebote für alle", THREE_LINKS)

    _refused(refused, "too_many_links", 24 * 3600)
    assert _count(db, Thread, newcomer) == 0


def test_an_established_member_may_post_three_links(db, client, limits_on, thread, regular):
    sign_in(client, regular)

    assert _reply(client, thread, THREE_LINKS).status_code == 201


def test_a_new_member_cannot_edit_links_into_a_post(db, client, limits_on, thread, newcomer):
    sign_in(client, newcomer)
    post_id = _reply(client, thread, "Harmloser Text").json()["id"]

    edited = client.patch(f"/api/v1/posts/{post_id}", json={"body": THREE_LINKS})

    _refused(edited, "too_many_links", 24 * 3600)
    assert client.get(f"/api/v1/posts/{post_id}").json()["body"] == "Harmloser Text"


# ---- threads on the first day ----------------------------------------------------------------


def test_the_fourth_thread_on_a_new_members_first_day_is_refused(
    db, client, limits_on, monkeypatch, board, newcomer
):
    monkeypatch.setattr(limits_on, "new_member_thread_interval_seconds", 0)
    sign_in(client, newcomer)
    for n in range(3):
        assert _ask(client, board, f"Frage Nummer {n} zum Anschluss").status_code == 201

    fourth = _ask(client, board, "Frage Nummer 4 zum Anschluss")

    retry_after = _refused(fourth, "first_day_thread_limit", 24 * 3600)
    assert retry_after > 21 * 3600
    assert "höchstens 3 Themen" in fourth.json()["detail"]
    assert _count(db, Thread, newcomer) == 3


def test_an_established_member_may_start_a_fourth_thread_in_a_day(
    db, client, limits_on, monkeypatch, board, regular
):
    monkeypatch.setattr(limits_on, "thread_interval_seconds", 0)
    sign_in(client, regular)

    responses = [_ask(client, board, f"Frage Nummer {n} zum Anschluss") for n in range(5)]

    assert [r.status_code for r in responses] == [201] * 5


def test_the_first_day_cap_follows_the_configured_number(
    db, client, limits_on, monkeypatch, board, newcomer
):
    monkeypatch.setattr(limits_on, "new_member_thread_interval_seconds", 0)
    monkeypatch.setattr(limits_on, "new_member_first_day_threads", 1)
    sign_in(client, newcomer)

    assert _ask(client, board, "Frage Nummer 1 zum Anschluss").status_code == 201
    _refused(_ask(client, board, "Frage Nummer 2 zum Anschluss"), "first_day_thread_limit", 86400)


# ---- the same text twice ---------------------------------------------------------------------


def test_the_same_text_twice_within_five_minutes_is_refused_even_in_another_thread(
    db, client, limits_on, monkeypatch, board, thread, regular
):
    monkeypatch.setattr(limits_on, "reply_interval_seconds", 0)
    other = make_thread(db, author=make_user(db), category=board)
    sign_in(client, regular)
    assert _reply(client, thread, "Starten Sie den Router neu.").status_code == 201

    again = _reply(client, other, "  starten sie   den ROUTER neu.\n")

    retry_after = _refused(again, "duplicate_post", 300)
    assert retry_after > 290
    assert _count(db, Post, regular) == 1
    assert _reply(client, other, "Starten Sie den Router bitte neu.").status_code == 201


def test_the_same_text_passes_after_five_minutes(
    db, client, limits_on, monkeypatch, thread, regular
):
    monkeypatch.setattr(limits_on, "reply_interval_seconds", 0)
    sign_in(client, regular)
    assert _reply(client, thread, "Starten Sie den Router neu.").status_code == 201
    _refused(_reply(client, thread, "Starten Sie den Router neu."), "duplicate_post", 300)
    # Five minutes and a second later, as the clock sees it.
    db.execute(
        update(Post)
        .where(Post.author_id == regular.id)
        .values(created_at=utcnow() - timedelta(minutes=5, seconds=1))
    )
    db.commit()

    assert _reply(client, thread, "Starten Sie den Router neu.").status_code == 201


def test_staff_too_cannot_send_the_same_text_twice(db, client, limits_on, thread):
    moderator = _member(db, nickname="ModMax", role=Role.moderator)
    sign_in(client, moderator)
    assert _reply(client, thread, "Bitte bleiben Sie sachlich.").status_code == 201

    _refused(_reply(client, thread, "Bitte bleiben Sie sachlich."), "duplicate_post", 300)


def test_a_thread_repeating_a_recent_post_is_refused(db, client, limits_on, board, thread, regular):
    sign_in(client, regular)
    body = "Günstige Router, nur heute, schreiben Sie mir."
    assert _reply(client, thread, body).status_code == 201

    _refused(_ask(client, board, "Angebot für alle Mitglieder", body), "duplicate_post", 300)
    assert _count(db, Thread, regular) == 0


def test_normalising_ignores_case_spacing_and_width():
    assert normalise("  Router\tNEU\n starten ") == normalise("router neu starten")
    assert normalise("ＲＯＵＴＥＲ") == normalise("router")
    assert normalise("Router neu starten") != normalise("Router neu starten!")


# ---- registration per IP ---------------------------------------------------------------------


def _register(client, n: int):
    return client.post(
        "/api/v1/auth/register",
        json={"email": f"neu{n}@example.com", "password": PASSWORD, "nickname": f"Neu{n}"},
    )


def test_registrations_per_ip_trip_at_the_configured_number(db, anon, settings, monkeypatch):
    monkeypatch.setattr(settings, "register_rate", "3/hour")
    for n in range(3):
        assert _register(anon, n).status_code == 201

    fourth = _register(anon, 4)

    assert fourth.status_code == 429
    assert fourth.json()["error"] == "rate_limited"
    assert 3500 <= int(fourth.headers["Retry-After"]) <= 3601
    assert db.execute(select(func.count()).select_from(User)).scalar_one() == 3


def test_registrations_per_ip_hold_with_the_post_limits_switched_off(
    db, anon, settings, monkeypatch
):
    assert settings.antispam_enabled is False
    monkeypatch.setattr(settings, "register_rate", "1/hour")
    assert _register(anon, 1).status_code == 201

    assert _register(anon, 2).status_code == 429


def test_the_registration_form_shares_the_count_and_says_why(db, anon, settings, monkeypatch):
    monkeypatch.setattr(settings, "register_rate", "1/hour")
    assert _register(anon, 1).status_code == 201
    anon.get("/register")

    page = anon.post(
        "/register",
        data={
            "email": "formular@example.com",
            "nickname": "Formular",
            "password": PASSWORD,
            "csrf_token": anon.cookies.get("community_csrf"),
        },
        follow_redirects=False,
    )

    assert page.status_code == 429
    assert "Retry-After" in page.headers
    assert "zu viele Konten" in page.text
    assert 'value="formular@example.com"' in page.text  # the form keeps what was typed


def test_refused_registrations_do_not_use_the_limit_up(db, anon, settings, monkeypatch):
    monkeypatch.setattr(settings, "register_rate", "2/hour")
    assert _register(anon, 1).status_code == 201
    taken = anon.post(
        "/api/v1/auth/register",
        json={"email": "anders@example.com", "password": PASSWORD, "nickname": "Neu1"},
    )
    anon.get("/register")
    typos = [
        anon.post(
            "/register",
            data={
                "email": f"tippfehler{n}@example.com",
                "nickname": "Neu1",  # taken
                "password": PASSWORD,
                "csrf_token": anon.cookies.get("community_csrf"),
            },
        )
        for n in range(3)
    ]

    second = _register(anon, 2)
    third = _register(anon, 3)

    assert taken.status_code == 409, taken.text
    assert all(page.status_code == 422 for page in typos)
    assert second.status_code == 201  # four refusals before it used nothing up
    assert third.status_code == 429  # the two that went through did


def test_a_registration_for_a_known_address_counts_like_a_new_one(db, anon, settings, monkeypatch):
    # Else the limit would tell which addresses have an account
    monkeypatch.setattr(settings, "register_rate", "1/hour")
    make_user(db, email="bekannt@example.com")
    known = anon.post(
        "/api/v1/auth/register",
        json={"email": "bekannt@example.com", "password": PASSWORD, "nickname": "Zweitname"},
    )
    assert known.status_code == 201
    assert _register(anon, 1).status_code == 429


# ---- the web forms ---------------------------------------------------------------------------


def _web_login(client, user: User) -> str:
    client.get("/login")
    csrf = client.cookies.get("community_csrf")
    response = client.post(
        "/login",
        data={"email": user.email, "password": PASSWORD, "csrf_token": csrf},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    return client.cookies.get("community_csrf")


def test_a_refused_reply_form_shows_the_thread_with_the_reason_and_the_text_kept(
    db, client, limits_on, thread, regular
):
    csrf = _web_login(client, regular)
    url = f"/t/{thread.id}/reply"
    first = client.post(url, data={"body": "Erste Antwort", "csrf_token": csrf})
    assert first.status_code == 200  # followed the redirect to the thread

    page = client.post(
        url,
        data={"body": "Meine zweite, lange Antwort", "csrf_token": csrf},
        follow_redirects=False,
    )

    assert page.status_code == 429
    assert 1 <= int(page.headers["Retry-After"]) <= 5
    assert "Zwischen zwei Beiträgen müssen 5 s liegen" in page.text
    assert re.search(r"erneut versuchen", page.text)
    assert re.search(r"<textarea[^>]*>Meine zweite, lange Antwort</textarea>", page.text)
    assert _count(db, Post, regular) == 1


def test_a_refused_new_thread_form_keeps_title_and_text(db, client, limits_on, board, newcomer):
    csrf = _web_login(client, newcomer)

    page = client.post(
        "/new",
        data={
            "category": board.slug,
            "kind": "question",
            "title": "Günstige Angebote für alle",
            "body": THREE_LINKS,
            "csrf_token": csrf,
        },
        follow_redirects=False,
    )

    assert page.status_code == 429
    assert "Retry-After" in page.headers
    assert "höchstens 2 Links" in page.text
    assert 'value="Günstige Angebote für alle"' in page.text
    assert _count(db, Thread, newcomer) == 0


def test_the_limit_messages_are_english_whatever_the_limits():
    """They depend on settings: translated with the numbers filled in, not only for the
    shipped limits (an operator's 7 s came out German)."""
    from community import i18n
    from community.moderation import antispam

    assert i18n.translate(antispam._interval_message("post", 7), "en") == (
        "Please wait: posts must be at least 7 s apart."
    )
    assert i18n.translate(antispam._interval_message("thread", 90), "en") == (
        "Please wait: new topics must be at least 90 s apart."
    )
    links = antispam.Formatted(
        "Neue Mitglieder dürfen höchstens %(most)s Links in einen Beitrag setzen.", most=4
    )
    assert i18n.translate(links, "en") == "New members may put at most 4 links in a post."


# ---- shared counts in Redis ------------------------------------------------------------------


@pytest.fixture
def redis_url() -> str:
    url = os.environ.get(REDIS_ENV)
    if not url:
        pytest.skip(f"the shared-Redis test needs {REDIS_ENV} (e.g. redis://127.0.0.1:6379/0)")
    return url


def test_two_app_processes_share_one_count_in_redis(redis_url):
    from limits import RateLimitItemPerSecond

    # A prefix of this run's own: parallel test processes never see each other's keys.
    prefix = f"community-test-{os.getpid()}-{uuid.uuid4().hex[:8]}"
    first, second = make_limiter(redis_url, prefix), make_limiter(redis_url, prefix)
    interval = RateLimitItemPerSecond(1, 30)
    try:
        assert first.hit(interval, "post-interval", "reply", "7") is None

        wait = second.hit(interval, "post-interval", "reply", "7")

        assert wait is not None and 1 <= wait <= 30
        assert second.hit(interval, "post-interval", "reply", "8") is None
    finally:
        first.reset()
    assert not first.storage.get_connection().keys(f"{prefix}:*")  # type: ignore[attr-defined]
