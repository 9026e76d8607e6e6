"""Each operation documents the errors it can really answer with, in the body it really
sends: the spec's ErrorBody validates real 401, 404, 422 and 429 answers, and the real status
is among the documented ones. The examples validate against their schemas, and the limited
operations carry the RateLimit-* headers the spec and the README promise."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012
from sqlmodel import Session

from community.config import get_settings
from tests.factories import make_user, sign_in

EVENTS_DIR = Path(__file__).resolve().parents[2] / "docs" / "events"


@pytest.fixture
def spec(app: FastAPI) -> dict[str, Any]:
    return app.openapi()


def _ops(spec: dict[str, Any]) -> dict[str, tuple[str, str, dict[str, Any]]]:
    return {
        op["operationId"]: (m, p, op) for p, ops in spec["paths"].items() for m, op in ops.items()
    }


def _registry(spec: dict[str, Any]) -> Registry:
    """The spec as a resource, so that `urn:spec#/components/...` resolves in it."""
    return Registry().with_resource("urn:spec", Resource(contents=spec, specification=DRAFT202012))


def _check(spec: dict[str, Any], operation: str, response: httpx.Response) -> None:
    """The real answer's status is documented for the operation and its body validates
    against the documented schema."""
    _m, _p, op = _ops(spec)[operation]
    code = str(response.status_code)
    assert code in op["responses"], (operation, code, list(op["responses"]))
    schema = op["responses"][code]["content"]["application/json"]["schema"]
    validator = Draft202012Validator(
        {"$ref": "urn:spec" + schema["$ref"]}, registry=_registry(spec)
    )
    errors = [e.message for e in validator.iter_errors(response.json())]
    assert errors == [], (operation, response.json(), errors)


def test_operations_list_the_errors_they_can_answer_with(spec: dict[str, Any]) -> None:
    ops = _ops(spec)

    def codes(name: str) -> set[str]:
        return {c for c in ops[name][2]["responses"] if c[0] in "45"}

    # a by-id GET can miss; a list cannot
    assert "404" in codes("get_thread") and "404" not in codes("list_threads")
    # a token-protected read: 401 without a token, 403 without the scope
    assert {"401", "403"} <= codes("faq_export") and {"401", "403"} <= codes("list_events")
    # open to visitors: no 401; no parameters: no 422
    assert "401" not in codes("list_threads") and "422" not in codes("list_categories")
    assert "409" in codes("create_group") and "409" not in codes("get_thread")
    assert "429" in codes("login") and "429" in codes("create_thread")
    assert "429" not in codes("list_threads")
    assert all("503" in codes(name) for name in ops)
    login = ops["login"][2]["responses"]
    assert {"Retry-After", "RateLimit-Limit", "RateLimit-Remaining", "RateLimit-Reset"} <= set(
        login["429"]["headers"]
    )
    assert "RateLimit-Remaining" in login["200"]["headers"]
    # the cursors are described where they are passed
    params = {p["name"]: p for p in ops["list_events"][2]["parameters"]}
    assert "next_after" in params["after"]["description"]
    params = {p["name"]: p for p in ops["list_threads"][2]["parameters"]}
    assert "next_cursor" in params["cursor"]["description"]
    params = {p["name"]: p for p in ops["faq_export"][2]["parameters"]}
    assert "X-Next-Cursor" in params["updated_since"]["description"]
    assert (
        ops["get_thread"][2]["responses"]["404"]["content"]["application/json"]["example"]["error"]
        == "not_found"
    )


def test_real_error_answers_match_the_documented_body(
    spec: dict[str, Any], client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    _check(spec, "get_thread", client.get("/api/v1/threads/999999"))  # 404
    _check(spec, "get_thread", client.get("/api/v1/threads/abc"))  # 422, field list
    _check(spec, "list_events", client.get("/api/v1/events?limit=0"))  # 401 first
    _check(spec, "faq_export", client.get("/api/v1/faq"))  # 401
    _check(spec, "faq_export", client.get("/api/v1/faq", headers={"Authorization": "Bearer x"}))
    monkeypatch.setattr(get_settings(), "login_rate", "2/minute")
    wrong = {"email": "niemand@example.com", "password": "falsch-falsch-falsch"}
    answers = [client.post("/api/v1/auth/login", json=wrong) for _ in range(3)]
    assert [a.status_code for a in answers] == [401, 401, 429]
    for answer in answers:
        _check(spec, "login", answer)
    refused = answers[-1]
    assert refused.json()["error"] == "rate_limited"
    assert int(refused.headers["Retry-After"]) > 0
    assert refused.headers["RateLimit-Limit"] == "2"
    assert refused.headers["RateLimit-Remaining"] == "0"
    assert 0 < int(refused.headers["RateLimit-Reset"]) <= 60
    # before the refusal, the client could see it coming
    assert [a.headers["RateLimit-Remaining"] for a in answers[:2]] == ["1", "0"]
    # an operation without a limit says nothing about one
    assert "RateLimit-Limit" not in client.get("/api/v1/threads").headers


def test_the_examples_validate_against_their_schemas(spec: dict[str, Any]) -> None:
    registry = _registry(spec)

    def validate(schema: dict[str, Any], instance: Any, where: str) -> None:
        if "$ref" in schema:
            schema = {"$ref": "urn:spec" + schema["$ref"]}
        else:
            schema = json.loads(
                json.dumps(schema).replace('"#/components', '"urn:spec#/components')
            )
        errors = [
            e.message for e in Draft202012Validator(schema, registry=registry).iter_errors(instance)
        ]
        assert errors == [], (where, errors)

    ops = _ops(spec)
    seen = 0
    for name in ("faq_export", "list_events", "create_endpoint", "create_thread"):
        _m, _p, op = ops[name]
        body = op.get("requestBody", {}).get("content", {}).get("application/json", {})
        if name in ("create_endpoint", "create_thread"):
            validate(body["schema"], body["example"], f"{name} request")
            seen += 1
        for code, answer in op["responses"].items():
            content = answer.get("content", {}).get("application/json", {})
            if "example" in content:
                validate(content["schema"], content["example"], f"{name} {code}")
                seen += 1
    assert seen >= 4 + 2 + 4 * 3  # success examples, request examples, error examples
    event = ops["list_events"][2]["responses"]["200"]["content"]["application/json"]["example"]
    for item in event["items"]:
        schema = json.loads((EVENTS_DIR / f"{item['type']}.schema.json").read_text())
        assert list(Draft202012Validator(schema).iter_errors(item["payload"])) == []


def test_what_a_visitor_gets_from_every_operation_is_documented(
    spec: dict[str, Any], client: TestClient
) -> None:
    """Every operation, called as a visitor with an empty body and made-up ids, answers with
    a status its entry in the spec lists, in the documented body."""
    answered: set[str] = set()
    for operation, (method, path, _op) in _ops(spec).items():
        url = re.sub(r"\{(\w+)\}", lambda m: "1" if m.group(1).endswith("id") else "x", path)
        response = client.request(method.upper(), url, json={})
        if response.status_code >= 400:
            _check(spec, operation, response)
        answered.add(str(response.status_code))
    assert {"401", "403", "404", "422"} <= answered


def test_what_a_member_gets_from_every_operation_is_documented(
    spec: dict[str, Any], client: TestClient, db: Session
) -> None:
    """The same for a signed-in member without any role: the admin, moderation and
    curation operations refuse with a documented 403."""
    sign_in(client, make_user(db))
    answered: dict[str, int] = {}
    for operation, (method, path, _op) in _ops(spec).items():
        if operation in {"logout", "erase_me", "change_password"}:
            continue  # would end the member's session for the operations after it
        url = re.sub(r"\{(\w+)\}", lambda m: "1" if m.group(1).endswith("id") else "x", path)
        response = client.request(method.upper(), url, json={})
        if response.status_code >= 400:
            _check(spec, operation, response)
        answered[operation] = response.status_code
    assert answered["list_tokens"] == 403 and answered["moderation_queue"] == 403
    assert answered["get_me"] == 200
    del client.headers["X-CSRF-Token"]  # a write without the CSRF token
    refused = client.patch("/api/v1/me", json={"locale": "en"})
    assert refused.status_code == 403
    _check(spec, "update_me", refused)


def test_error_examples_fit_their_operation(spec: dict[str, Any]) -> None:
    """One example per status served every operation: a refused scope named faq:read on
    the event feed, a conflict on a lead spoke of a group."""
    ops = _ops(spec)

    def example(name: str, code: str) -> Any:
        return ops[name][2]["responses"][code]["content"]["application/json"]["example"]

    assert example("list_events", "403")["detail"].endswith("events:read.")
    assert example("faq_export", "403")["detail"].endswith("faq:read.")
    for name, (method, _path, op) in ops.items():
        if "409" in op["responses"]:
            assert "Gruppe" not in str(example(name, "409")), name
        if "422" in op["responses"]:
            [field] = example(name, "422")["detail"]
            assert field["type"] is not None, name
            assert field["loc"][0] == ("query" if method == "get" else "body"), name


def test_the_staffs_operations_need_a_signed_in_caller_in_the_spec(spec: dict[str, Any]) -> None:
    """An empty security entry says "anonymous allowed"; every /admin operation refuses a
    visitor with 401."""
    for path, ops in spec["paths"].items():
        if path.startswith("/api/v1/admin/"):
            for method, op in ops.items():
                assert {} not in op["security"], (method, path)
                assert "401" in op["responses"], (method, path)
