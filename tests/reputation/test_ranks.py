from __future__ import annotations

from sqlalchemy import select

from community.accounts.models import Role, User
from community.events.models import Event
from community.reputation.models import RankChange
from tests.factories import make_category, make_reply, make_thread, make_user, sign_in

SMALL_LADDER = {
    "steps": [
        {"key": "newcomer", "name_de": "Neuling", "name_en": "Newcomer", "min_points": 0},
        {
            "key": "member",
            "name_de": "Mitglied",
            "name_en": "Member",
            "min_points": 0,
            "min_posts": 1,
        },
        {
            "key": "advanced",
            "name_de": "Fortgeschrittener",
            "name_en": "Advanced",
            "min_points": 10,
        },
        {"key": "expert", "name_de": "Experte", "name_en": "Expert", "min_points": 20},
    ]
}


def test_default_ladder_starts_with_neuling_and_member_after_the_first_post(db, client):
    board = make_category(db)
    newbie = make_user(db, nickname="Neu-Hier")
    assert client.get("/api/v1/users/Neu-Hier").json()["rank"]["name_de"] == "Neuling"
    make_thread(db, author=newbie, category=board)
    profile = client.get("/api/v1/users/Neu-Hier").json()
    assert profile["rank"] == {"key": "member", "name_de": "Mitglied", "name_en": "Member"}
    ladder = client.get("/api/v1/ranks").json()["steps"]
    assert [(s["name_de"], s["min_points"]) for s in ladder] == [
        ("Neuling", 0),
        ("Mitglied", 0),
        ("Fortgeschrittener", 100),
        ("Experte", 500),
        ("Guru", 2000),
    ]
    assert [s["name_en"] for s in ladder] == ["Newcomer", "Member", "Advanced", "Expert", "Guru"]


def test_reaching_a_threshold_changes_the_rank_records_it_and_shows_it_beside_the_nickname(
    db, client, make_client
):
    admin = make_user(db, role=Role.admin, staff=True)
    board = make_category(db)
    asker, helper = make_user(db), make_user(db, nickname="Aufsteigerin")
    admin_client = make_client()
    sign_in(admin_client, admin)
    assert admin_client.put("/api/v1/admin/ranks", json=SMALL_LADDER).status_code == 200

    thread = make_thread(db, author=asker, category=board)
    answer = make_reply(db, author=helper, thread=thread)
    sign_in(client, asker)
    client.put(
        f"/api/v1/threads/{thread.id}/solution", json={"post_id": answer.id}
    )  # 1 + 15 points

    posts = client.get(f"/api/v1/threads/{thread.id}/posts").json()["items"]
    assert posts[1]["author"]["rank"]["name_de"] == "Fortgeschrittener"
    changes = (
        db.execute(
            select(RankChange).where(RankChange.user_id == helper.id).order_by(RankChange.id)
        )
        .scalars()
        .all()
    )
    assert [(c.old_rank, c.new_rank) for c in changes] == [
        ("newcomer", "member"),
        ("member", "advanced"),
    ]
    events = db.execute(select(Event).where(Event.type == "rank.changed")).scalars().all()
    assert {"user": "Aufsteigerin", "old_rank": "member", "new_rank": "advanced", "points": 16} in [
        e.payload for e in events
    ]


def test_changing_the_ladder_re_ranks_every_member(db, client):
    admin = make_user(db, role=Role.admin, staff=True)
    board = make_category(db)
    helper = make_user(db, nickname="Vielschreiber")
    thread = make_thread(db, author=helper, category=board)
    for _ in range(11):
        make_reply(db, author=helper, thread=thread)
    assert client.get("/api/v1/users/Vielschreiber").json()["rank"]["key"] == "member"
    sign_in(client, admin)
    client.put("/api/v1/admin/ranks", json=SMALL_LADDER)
    assert client.get("/api/v1/users/Vielschreiber").json()["rank"]["key"] == "advanced"
    db.expire_all()
    assert db.get(User, helper.id).rank == "advanced"


def test_only_admins_change_the_ladder_and_a_bad_ladder_is_refused(db, client):
    member = make_user(db)
    sign_in(client, member)
    assert client.put("/api/v1/admin/ranks", json=SMALL_LADDER).status_code == 403
    admin = make_user(db, role=Role.admin)
    sign_in(client, admin)
    unordered = {
        "steps": [SMALL_LADDER["steps"][0], SMALL_LADDER["steps"][3], SMALL_LADDER["steps"][2]]
    }
    staff_name = {"steps": [SMALL_LADDER["steps"][0], {**SMALL_LADDER["steps"][2], "key": "team"}]}
    not_from_zero = {"steps": SMALL_LADDER["steps"][2:]}
    for bad in (unordered, staff_name, not_from_zero, {"steps": []}):
        response = client.put("/api/v1/admin/ranks", json=bad)
        assert response.status_code == 422, bad
    assert client.get("/api/v1/ranks").json()["steps"][2]["min_points"] == 100


def test_the_rank_ladder_can_come_from_a_settings_file(db, client, tmp_path, monkeypatch, settings):
    import json

    path = tmp_path / "ranks.json"
    path.write_text(json.dumps(SMALL_LADDER), "utf-8")
    monkeypatch.setattr(settings, "ranks_file", path)
    assert [s["key"] for s in client.get("/api/v1/ranks").json()["steps"]] == [
        "newcomer",
        "member",
        "advanced",
        "expert",
    ]
