"""/api/v1 ideas: list with sort and filter, vote and unvote, status, merge; response
shapes from the OpenAPI document; a closed board's idea answers 404 to outsiders."""

from __future__ import annotations

import pytest

from community.accounts.models import Role
from tests.factories import make_group, make_user, sign_in
from tests.ideas.helpers import make_idea, make_idea_board


def test_propose_vote_unvote_and_list_by_votes(db, make_client):
    board = make_idea_board(db)
    author, fan = make_user(db), make_user(db)
    proposer = make_client()
    sign_in(proposer, author)
    created = proposer.post(
        "/api/v1/threads",
        json={"category": "ideen", "title": "Rechnungen als CSV exportieren", "body": "Bitte."},
    )
    assert created.status_code == 201, created.text
    assert created.json()["thread"]["kind"] == "idea"
    idea_id = created.json()["thread"]["id"]
    quiet = make_idea(db, author=author, board=board, title="Eine Idee ohne Unterstützung")
    voter = make_client()
    sign_in(voter, fan)
    voted = voter.post(f"/api/v1/ideas/{idea_id}/vote")
    assert voted.status_code == 200, voted.text
    assert (voted.json()["votes"], voted.json()["viewer_voted"]) == (1, True)
    assert voter.post(f"/api/v1/ideas/{idea_id}/vote").json()["votes"] == 1
    listed = voter.get("/api/v1/categories/ideen/ideas?sort=votes").json()
    assert [i["thread_id"] for i in listed["items"]] == [idea_id, quiet.id]
    assert listed["items"][0]["status"] == "new"
    own = proposer.post(f"/api/v1/ideas/{idea_id}/vote")
    assert own.status_code == 403 and own.json()["error"] == "own_idea"
    withdrawn = voter.delete(f"/api/v1/ideas/{idea_id}/vote")
    assert (withdrawn.json()["votes"], withdrawn.json()["viewer_voted"]) == (0, False)
    assert voter.get("/api/v1/categories/ideen/ideas?sort=sideways").status_code == 422


def test_status_by_staff_only_and_filter_by_status(db, make_client):
    board = make_idea_board(db)
    idea = make_idea(db, author=make_user(db), board=board, title="Störungen per SMS melden")
    member = make_client()
    sign_in(member, make_user(db))
    body = {"status": "planned", "note": "Kommt im Frühjahr."}
    refused = member.put(f"/api/v1/ideas/{idea.id}/status", json=body)
    assert refused.status_code == 403
    staff = make_client()
    sign_in(staff, make_user(db, staff=True))
    done = staff.put(f"/api/v1/ideas/{idea.id}/status", json=body)
    assert done.status_code == 200, done.text
    assert (done.json()["status"], done.json()["status_note"]) == ("planned", "Kommt im Frühjahr.")
    bad = staff.put(f"/api/v1/ideas/{idea.id}/status", json={"status": "vielleicht"})
    assert bad.status_code == 422
    planned = member.get("/api/v1/categories/ideen/ideas?status=planned").json()["items"]
    assert [i["thread_id"] for i in planned] == [idea.id]
    assert member.get("/api/v1/categories/ideen/ideas?status=done").json()["items"] == []


def test_merge_through_the_api(db, make_client):
    board = make_idea_board(db)
    author = make_user(db)
    target = make_idea(db, author=author, board=board, title="Mehrere Ansprechpartner")
    dup = make_idea(db, author=author, board=board, title="Zweiter Ansprechpartner")
    voter = make_client()
    sign_in(voter, make_user(db))
    voter.post(f"/api/v1/ideas/{target.id}/vote")
    voter.post(f"/api/v1/ideas/{dup.id}/vote")
    staff = make_client()
    sign_in(staff, make_user(db, role=Role.moderator))
    merged = staff.post(f"/api/v1/ideas/{dup.id}/merge", json={"into_thread_id": target.id})
    assert merged.status_code == 200, merged.text
    assert merged.json()["thread_id"] == target.id and merged.json()["votes"] == 1
    assert voter.get(f"/api/v1/ideas/{dup.id}").json()["merged_into_thread_id"] == target.id
    again = staff.post(f"/api/v1/ideas/{dup.id}/merge", json={"into_thread_id": target.id})
    assert again.status_code == 409


@pytest.mark.parametrize("who", ["anonymous", "outsider", "staff_outside"])
def test_closed_board_ideas_answer_404_to_outsiders(db, make_client, who):
    insider = make_user(db)
    board = make_idea_board(db, slug="ideen-kunden", groups=[make_group(db, members=[insider])])
    idea = make_idea(db, author=insider, board=board, title="Vertrauliche Idee der Kunden")
    browser = make_client()
    if who != "anonymous":
        sign_in(browser, make_user(db, staff=who == "staff_outside"))
    for method, path, body in (
        ("GET", "/api/v1/categories/ideen-kunden/ideas", None),
        ("GET", f"/api/v1/ideas/{idea.id}", None),
        ("POST", f"/api/v1/ideas/{idea.id}/vote", None),
        ("DELETE", f"/api/v1/ideas/{idea.id}/vote", None),
        ("PUT", f"/api/v1/ideas/{idea.id}/status", {"status": "planned"}),
        ("POST", f"/api/v1/ideas/{idea.id}/merge", {"into_thread_id": idea.id}),
    ):
        response = browser.request(method, path, json=body)
        assert response.status_code == 404, (method, path, response.text)
    member = make_client()
    sign_in(member, insider)
    assert member.get(f"/api/v1/ideas/{idea.id}").status_code == 200


def test_operations_have_ids_and_response_models(app):
    paths = app.openapi()["paths"]
    expected = {
        ("/api/v1/categories/{slug}/ideas", "get"): "list_ideas",
        ("/api/v1/ideas/{thread_id}", "get"): "get_idea",
        ("/api/v1/ideas/{thread_id}/vote", "post"): "vote_idea",
        ("/api/v1/ideas/{thread_id}/vote", "delete"): "unvote_idea",
        ("/api/v1/ideas/{thread_id}/status", "put"): "set_idea_status",
        ("/api/v1/ideas/{thread_id}/merge", "post"): "merge_idea",
    }
    for (path, method), operation_id in expected.items():
        operation = paths[path][method]
        assert operation["operationId"] == operation_id
        schema = operation["responses"]["200"]["content"]["application/json"]["schema"]
        assert schema["$ref"].split("/")[-1] in ("IdeaPublic", "IdeasPublic")
