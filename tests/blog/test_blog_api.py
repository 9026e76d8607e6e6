"""/api/v1/articles: readers see what the pages show; staff write and publish with four
eyes; members cannot."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlmodel import Session

from community.accounts.models import Role
from community.clock import utcnow
from tests.factories import make_category, make_group, make_user, sign_in


def test_staff_write_and_a_second_staff_member_publishes_through_the_api(
    db: Session, make_client: Any
) -> None:
    board = make_category(db, slug="tarife")
    author = make_user(db, nickname="Autorin", staff=True, real_name="Anna Korn")
    reviewer = make_user(db, nickname="Pruefer", role=Role.moderator, staff=True)
    member = make_user(db)
    writer, checker, customer, anon = make_client(), make_client(), make_client(), make_client()
    sign_in(writer, author)
    sign_in(checker, reviewer)
    sign_in(customer, member)
    body = {
        "title": "Neue Tarife",
        "teaser": "Kurz",
        "body": "Text **fett**",
        "category_slug": board.slug,
    }
    assert customer.post("/api/v1/articles", json=body).status_code == 403
    bad = writer.post("/api/v1/articles", json={**body, "title": "x"})
    assert bad.status_code == 422 and bad.json()["error"] == "invalid_title"
    created = writer.post("/api/v1/articles", json=body)
    assert created.status_code == 201, created.text
    article_id = created.json()["id"]
    assert created.json()["status"] == "draft"
    assert (
        writer.patch(f"/api/v1/articles/{article_id}", json={"teaser": "Kürzer"}).json()["teaser"]
        == "Kürzer"
    )
    assert writer.post(f"/api/v1/articles/{article_id}/review").json()["status"] == "review"
    own = writer.post(f"/api/v1/articles/{article_id}/publish", json={})
    assert own.status_code == 403 and own.json()["error"] == "four_eyes"
    assert anon.get(f"/api/v1/articles/{article_id}").status_code == 404
    later = (utcnow() + timedelta(hours=3)).isoformat()
    scheduled = checker.post(f"/api/v1/articles/{article_id}/publish", json={"at": later})
    assert scheduled.status_code == 200 and scheduled.json()["status"] == "published"
    assert anon.get("/api/v1/articles").json()["items"] == []
    assert checker.post(
        f"/api/v1/articles/{article_id}/withdraw", json={"note": "neu planen"}
    ).is_success
    writer.post(f"/api/v1/articles/{article_id}/review")
    assert checker.post(f"/api/v1/articles/{article_id}/publish", json={}).is_success
    [item] = anon.get("/api/v1/articles").json()["items"]
    assert item["id"] == article_id and item["author"] == "Autorin"
    assert "Korn" not in str(item)
    got = anon.get(f"/api/v1/articles/{article_id}").json()
    assert got["body_html"].count("<strong>fett</strong>") == 1 and got["thread_id"]
    assert [a["id"] for a in checker.get("/api/v1/admin/articles").json()] == [article_id]
    assert customer.get("/api/v1/admin/articles").status_code == 403


def test_a_closed_groups_article_is_not_in_the_api_for_outsiders(
    db: Session, make_client: Any
) -> None:
    author = make_user(db, staff=True)
    reviewer = make_user(db, role=Role.moderator, staff=True)
    insider = make_user(db)
    group = make_group(db, members=[insider, author])
    board = make_category(db, groups=[group])
    writer, checker, inside, outside = make_client(), make_client(), make_client(), make_client()
    for client, user in (
        (writer, author),
        (checker, reviewer),
        (inside, insider),
        (outside, make_user(db)),
    ):
        sign_in(client, user)
    body = {
        "title": "Nur für Partner",
        "teaser": "Intern",
        "body": "Text",
        "category_slug": board.slug,
    }
    article_id = writer.post("/api/v1/articles", json=body).json()["id"]
    writer.post(f"/api/v1/articles/{article_id}/review")
    assert checker.post(f"/api/v1/articles/{article_id}/publish", json={}).is_success
    assert inside.get(f"/api/v1/articles/{article_id}").status_code == 200
    assert [a["id"] for a in inside.get("/api/v1/articles").json()["items"]] == [article_id]
    for client in (outside, make_client()):
        assert client.get(f"/api/v1/articles/{article_id}").status_code == 404
        assert client.get("/api/v1/articles").json()["items"] == []
