from __future__ import annotations

from sqlalchemy import func, select

from community.accounts.models import Role, User
from community.events.models import Event
from community.reputation.models import Kudo
from tests.factories import make_category, make_group, make_reply, make_thread, make_user, sign_in


def _profile(client, nickname):
    return client.get(f"/api/v1/users/{nickname}").json()


def test_kudos_counts_on_the_post_and_gives_the_author_points(db, client):
    board = make_category(db)
    asker = make_user(db, nickname="Fragerin")
    helper = make_user(db, nickname="Helfer")
    thread = make_thread(db, author=asker, category=board)
    reply = make_reply(db, author=helper, thread=thread)
    before = _profile(client, "Helfer")

    sign_in(client, asker)
    response = client.post(f"/api/v1/posts/{reply.id}/kudos")

    assert response.status_code == 200, response.text
    assert response.json() == {"post_id": reply.id, "kudos_count": 1, "given": True}
    after = _profile(client, "Helfer")
    assert after["points"] == before["points"] + 4
    assert after["kudos_received"] == 1
    assert _profile(client, "Fragerin")["kudos_given"] == 1
    posts = client.get(f"/api/v1/threads/{thread.id}/posts").json()["items"]
    assert posts[1]["kudos_count"] == 1
    assert client.get(f"/api/v1/threads/{thread.id}").json()["kudos_count"] == 1


def test_giving_kudos_twice_is_not_an_error_and_counts_once(db, client):
    board = make_category(db)
    asker, helper = make_user(db), make_user(db)
    thread = make_thread(db, author=asker, category=board)
    reply = make_reply(db, author=helper, thread=thread)
    sign_in(client, asker)
    first = client.post(f"/api/v1/posts/{reply.id}/kudos")
    second = client.post(f"/api/v1/posts/{reply.id}/kudos")
    assert first.status_code == second.status_code == 200
    assert second.json()["kudos_count"] == 1
    assert db.execute(select(func.count()).select_from(Kudo)).scalar_one() == 1
    db.expire_all()
    assert db.get(User, helper.id).points == 1 + 4  # one reply, one kudos


def test_kudos_for_ones_own_post_is_refused(db, client):
    board = make_category(db)
    author = make_user(db)
    thread = make_thread(db, author=author, category=board)
    reply = make_reply(db, author=author, thread=thread)
    sign_in(client, author)
    response = client.post(f"/api/v1/posts/{reply.id}/kudos")
    assert response.status_code == 403
    assert response.json()["error"] == "own_post"


def test_taking_kudos_back_removes_the_count_and_the_points(db, client):
    board = make_category(db)
    asker, helper = make_user(db), make_user(db)
    thread = make_thread(db, author=asker, category=board)
    reply = make_reply(db, author=helper, thread=thread)
    sign_in(client, asker)
    client.post(f"/api/v1/posts/{reply.id}/kudos")
    response = client.delete(f"/api/v1/posts/{reply.id}/kudos")
    assert response.json() == {"post_id": reply.id, "kudos_count": 0, "given": False}
    db.expire_all()
    assert db.get(User, helper.id).points == 1
    assert db.get(User, helper.id).kudos_received == 0
    assert db.get(User, asker.id).kudos_given == 0
    # Taking back what was never given is harmless too.
    assert client.delete(f"/api/v1/posts/{reply.id}/kudos").status_code == 200


def test_kudos_need_a_verified_member(db, client, anon):
    board = make_category(db)
    asker, helper = make_user(db), make_user(db)
    unverified = make_user(db, verified=False)
    thread = make_thread(db, author=asker, category=board)
    reply = make_reply(db, author=helper, thread=thread)
    assert anon.post(f"/api/v1/posts/{reply.id}/kudos").status_code == 401
    sign_in(client, unverified)
    assert client.post(f"/api/v1/posts/{reply.id}/kudos").status_code == 403


def test_kudos_for_a_deleted_post_or_a_closed_board_answer_404(db, client, make_client):
    asker, helper, outsider = make_user(db), make_user(db), make_user(db)
    closed = make_category(db, groups=[make_group(db, members=[asker, helper])])
    thread = make_thread(db, author=asker, category=closed)
    reply = make_reply(db, author=helper, thread=thread)
    sign_in(client, outsider)
    assert client.post(f"/api/v1/posts/{reply.id}/kudos").status_code == 404

    open_board = make_category(db)
    thread2 = make_thread(db, author=asker, category=open_board)
    gone = make_reply(db, author=helper, thread=thread2)
    helper_client = make_client()
    sign_in(helper_client, helper)
    assert helper_client.delete(f"/api/v1/posts/{gone.id}").status_code == 204
    assert client.post(f"/api/v1/posts/{gone.id}/kudos").status_code == 404


def test_kudos_between_the_same_two_members_count_for_points_five_times_a_day(db, client):
    board = make_category(db)
    fan, helper = make_user(db), make_user(db)
    thread = make_thread(db, author=fan, category=board)
    replies = [make_reply(db, author=helper, thread=thread, body=f"Tipp {i}") for i in range(7)]
    sign_in(client, fan)
    for reply in replies:
        assert client.post(f"/api/v1/posts/{reply.id}/kudos").status_code == 200
    db.expire_all()
    user = db.get(User, helper.id)
    assert user.kudos_received == 7  # every thank-you is shown ...
    assert user.points == 7 * 1 + 5 * 4  # ... but only five a day count for points
    # Another member's kudos still count in full.
    other = make_user(db)
    sign_in(client, other)
    client.post(f"/api/v1/posts/{replies[0].id}/kudos")
    db.expire_all()
    assert db.get(User, helper.id).points == 7 + 6 * 4


def test_kudos_given_event_names_nicknames_not_real_names(db, client):
    board = make_category(db)
    asker = make_user(db, nickname="Dankbar", real_name="Geheimer Klarname")
    helper = make_user(db, nickname="Wissend", company="Geheime Firma GmbH")
    thread = make_thread(db, author=asker, category=board)
    reply = make_reply(db, author=helper, thread=thread)
    sign_in(client, asker)
    client.post(f"/api/v1/posts/{reply.id}/kudos")
    event = db.execute(select(Event).where(Event.type == "kudos.given")).scalar_one()
    assert event.payload["giver"] == "Dankbar"
    assert event.payload["receiver"] == "Wissend"
    assert event.payload["post_id"] == reply.id
    assert "Geheim" not in str(event.payload)


def test_staff_show_their_role_instead_of_a_points_rank(db, client):
    board = make_category(db)
    member = make_user(db, nickname="Kundin")
    mod = make_user(db, nickname="Moderatorin", role=Role.moderator, staff=True)
    employee = make_user(db, nickname="Mitarbeiter", staff=True)
    thread = make_thread(db, author=member, category=board)
    make_reply(db, author=mod, thread=thread)
    make_reply(db, author=employee, thread=thread)
    posts = client.get(f"/api/v1/threads/{thread.id}/posts").json()["items"]
    ranks = {p["author"]["nickname"]: p["author"]["rank"]["name_de"] for p in posts}
    assert ranks == {"Kundin": "Mitglied", "Moderatorin": "Moderator", "Mitarbeiter": "Team"}
