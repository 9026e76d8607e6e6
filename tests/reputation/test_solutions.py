from __future__ import annotations

from sqlalchemy import select

from community.accounts.models import Role, User
from community.events.models import Event
from community.forum.models import ThreadKind
from tests.factories import make_category, make_group, make_reply, make_thread, make_user, sign_in


def _events(db, type_):
    return list(db.execute(select(Event).where(Event.type == type_).order_by(Event.id)).scalars())


def test_the_asker_accepts_a_reply_and_the_thread_shows_solved(db, client):
    board = make_category(db)
    asker = make_user(db, nickname="Fragerin")
    helper = make_user(db, nickname="Loeserin")
    thread = make_thread(db, author=asker, category=board, title="Router blinkt rot, was nun?")
    make_reply(db, author=helper, thread=thread, body="Erst einmal neu starten.")
    answer = make_reply(db, author=helper, thread=thread, body="Firmware aktualisieren!")
    make_reply(db, author=asker, thread=thread, body="Danke, das war es.")
    sign_in(client, asker)

    response = client.put(f"/api/v1/threads/{thread.id}/solution", json={"post_id": answer.id})

    assert response.status_code == 200, response.text
    detail = response.json()
    assert detail["solved"] is True
    # The answer is repeated under the question and stays in place in the conversation.
    assert detail["solution"]["id"] == answer.id
    assert detail["solution"]["body"] == "Firmware aktualisieren!"
    posts = client.get(f"/api/v1/threads/{thread.id}/posts").json()["items"]
    assert [p["id"] for p in posts if p["is_solution"]] == [answer.id]
    assert posts[2]["id"] == answer.id
    db.expire_all()
    assert db.get(User, helper.id).points == 2 + 15
    assert db.get(User, helper.id).solution_count == 1
    (event,) = _events(db, "thread.solved")
    assert event.payload["answerer"] == "Loeserin"
    assert event.payload["asker"] == "Fragerin"
    assert event.payload["accepted_by"] == "Fragerin"


def test_solved_and_unsolved_filters_on_every_list(db, client):
    board = make_category(db, slug="internet")
    asker, helper = make_user(db), make_user(db)
    solved = make_thread(db, author=asker, category=board, title="Geloeste Frage zum Router")
    open_q = make_thread(db, author=asker, category=board, title="Offene Frage zum Router")
    make_thread(
        db,
        author=asker,
        category=board,
        title="Diskussion ueber Glasfaser",
        kind=ThreadKind.discussion,
    )
    answer = make_reply(db, author=helper, thread=solved)
    sign_in(client, asker)
    client.put(f"/api/v1/threads/{solved.id}/solution", json={"post_id": answer.id})

    def ids(url, query):
        return [t["id"] for t in client.get(url, params=query).json()["items"]]

    for url in ("/api/v1/threads", "/api/v1/categories/internet/threads"):
        assert ids(url, {"solved": "solved"}) == [solved.id]
        assert ids(url, {"solved": "unsolved"}) == [open_q.id]
        assert len(ids(url, {"solved": "all"})) == 3
        listed = {t["id"]: t["solved"] for t in client.get(url).json()["items"]}
        assert listed[solved.id] is True
        assert listed[open_q.id] is False


def test_changing_the_solution_moves_the_points(db, client):
    board = make_category(db)
    asker, first, second = make_user(db), make_user(db), make_user(db)
    thread = make_thread(db, author=asker, category=board)
    a = make_reply(db, author=first, thread=thread)
    b = make_reply(db, author=second, thread=thread)
    sign_in(client, asker)
    client.put(f"/api/v1/threads/{thread.id}/solution", json={"post_id": a.id})
    response = client.put(f"/api/v1/threads/{thread.id}/solution", json={"post_id": b.id})
    assert response.json()["solution_post_id"] == b.id
    db.expire_all()
    assert db.get(User, first.id).points == 1
    assert db.get(User, second.id).points == 1 + 15


def test_withdrawing_the_solution_unsolves_and_records_an_event(db, client):
    board = make_category(db)
    asker, helper = make_user(db), make_user(db)
    thread = make_thread(db, author=asker, category=board)
    answer = make_reply(db, author=helper, thread=thread)
    sign_in(client, asker)
    client.put(f"/api/v1/threads/{thread.id}/solution", json={"post_id": answer.id})
    response = client.delete(f"/api/v1/threads/{thread.id}/solution")
    assert response.status_code == 200
    assert response.json()["solved"] is False
    assert response.json()["solution"] is None
    db.expire_all()
    assert db.get(User, helper.id).points == 1
    assert len(_events(db, "thread.unsolved")) == 1


def test_experts_and_moderators_may_accept_but_other_members_may_not(db, client, make_client):
    board = make_category(db)
    asker, helper, stranger = make_user(db), make_user(db), make_user(db)
    expert = make_user(db, role=Role.expert)
    moderator = make_user(db, role=Role.moderator)
    thread = make_thread(db, author=asker, category=board)
    answer = make_reply(db, author=helper, thread=thread)
    url = f"/api/v1/threads/{thread.id}/solution"

    sign_in(client, stranger)
    refused = client.put(url, json={"post_id": answer.id})
    assert refused.status_code == 403
    assert client.get(f"/api/v1/threads/{thread.id}").json()["viewer_may_accept"] is False

    for person in (expert, moderator):
        c = make_client()
        sign_in(c, person)
        assert c.get(f"/api/v1/threads/{thread.id}").json()["viewer_may_accept"] is True
        assert c.put(url, json={"post_id": answer.id}).status_code == 200
        assert c.delete(url).status_code == 200


def test_a_stranger_who_cannot_see_the_thread_gets_404(db, client):
    asker, helper, outsider = make_user(db), make_user(db), make_user(db)
    closed = make_category(db, groups=[make_group(db, members=[asker, helper])])
    thread = make_thread(db, author=asker, category=closed)
    answer = make_reply(db, author=helper, thread=thread)
    sign_in(client, outsider)
    response = client.put(f"/api/v1/threads/{thread.id}/solution", json={"post_id": answer.id})
    assert response.status_code == 404


def test_only_replies_of_question_threads_can_be_solutions(db, client, make_client):
    board = make_category(db)
    asker, helper = make_user(db), make_user(db)
    question = make_thread(db, author=asker, category=board)
    discussion = make_thread(db, author=asker, category=board, kind=ThreadKind.discussion)
    in_discussion = make_reply(db, author=helper, thread=discussion)
    elsewhere = make_reply(db, author=helper, thread=discussion)
    deleted = make_reply(db, author=helper, thread=question)
    helper_client = make_client()
    sign_in(helper_client, helper)
    helper_client.delete(f"/api/v1/posts/{deleted.id}")
    sign_in(client, asker)
    opening = client.get(f"/api/v1/threads/{question.id}").json()["opening_post"]["id"]

    cases = {
        (discussion.id, in_discussion.id): "not_a_question",
        (question.id, opening): "invalid_post",
        (question.id, elsewhere.id): "invalid_post",
        (question.id, deleted.id): "invalid_post",
        (question.id, 999_999): "invalid_post",
    }
    for (thread_id, post_id), code in cases.items():
        response = client.put(f"/api/v1/threads/{thread_id}/solution", json={"post_id": post_id})
        assert response.status_code == 422, (thread_id, post_id, response.text)
        assert response.json()["error"] == code


def test_the_accepted_answer_is_deleted_only_by_a_moderator_and_then_unsolves(
    db, client, make_client
):
    board = make_category(db)
    asker, helper = make_user(db), make_user(db)
    moderator = make_user(db, role=Role.moderator)
    thread = make_thread(db, author=asker, category=board)
    answer = make_reply(db, author=helper, thread=thread)
    sign_in(client, asker)
    client.put(f"/api/v1/threads/{thread.id}/solution", json={"post_id": answer.id})

    helper_client = make_client()
    sign_in(helper_client, helper)
    refused = helper_client.delete(f"/api/v1/posts/{answer.id}")
    assert refused.status_code == 409
    assert refused.json()["error"] == "accepted_answer"

    mod_client = make_client()
    sign_in(mod_client, moderator)
    assert mod_client.delete(f"/api/v1/posts/{answer.id}").status_code == 204
    detail = client.get(f"/api/v1/threads/{thread.id}").json()
    assert detail["solved"] is False
    assert _events(db, "thread.unsolved")[-1].payload["reason"] == "removed"
    db.expire_all()
    assert db.get(User, helper.id).points == 0
    assert db.get(User, helper.id).solution_count == 0
