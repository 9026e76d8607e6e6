"""The OpenAPI document is a contract a client generator can use: it validates, every
operation has a readable unique id, a success schema and the real error body, the sign-in
ways are security schemes, and the API docs work offline."""

from __future__ import annotations

from importlib.metadata import version
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from openapi_spec_validator import validate

from community.app import create_app
from community.config import Settings
from community.db import make_engine

ERROR_REF = "#/components/schemas/ErrorBody"


def _operations(spec: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [(m, p, op) for p, ops in spec["paths"].items() for m, op in ops.items()]


@pytest.fixture(scope="module")
def docs_app() -> FastAPI:
    """The app with the default settings. The document and the docs pages read no database,
    so the tests of them run once, not once per database; the app is built once for them."""
    return create_app(Settings(_env_file=None), make_engine("sqlite://"))  # type: ignore[call-arg]


@pytest.fixture(scope="module")
def spec(docs_app: FastAPI) -> dict[str, Any]:
    response = TestClient(docs_app).get("/openapi.json")
    assert response.status_code == 200
    return response.json()  # type: ignore[no-any-return]


def test_the_spec_validates_and_carries_the_package_version(spec: dict[str, Any]) -> None:
    validate(spec)
    assert spec["info"]["version"] == version("community") == "0.1.0"


def test_every_tag_is_described(spec: dict[str, Any]) -> None:
    described = {t["name"] for t in spec["tags"] if t["description"]}
    used = {t for _, _, op in _operations(spec) for t in op["tags"]}
    assert used <= described, used - described


def test_every_operation_has_a_readable_unique_id(spec: dict[str, Any]) -> None:
    ids = [op["operationId"] for _, _, op in _operations(spec)]
    assert len(ids) > 100 and len(set(ids)) == len(ids)
    assert all("_api_v1_" not in i and i.isidentifier() for i in ids)
    assert {"login", "list_threads", "create_thread", "faq_export", "list_events"} <= set(ids)


def test_every_operation_documents_its_success_and_the_error_body(spec: dict[str, Any]) -> None:
    error = spec["components"]["schemas"]["ErrorBody"]
    assert error["required"] == ["error", "detail"]
    assert "HTTPValidationError" not in spec["components"]["schemas"]
    for method, path, op in _operations(spec):
        where = f"{method.upper()} {path}"
        success = [c for c in op["responses"] if c in ("200", "201", "202", "204")]
        assert len(success) == 1, where
        if success[0] != "204":
            content = op["responses"][success[0]]["content"]["application/json"]
            assert content.get("schema"), where
        errors = [c for c in op["responses"] if c[0] in "45"]
        assert "503" in errors and "4XX" not in errors, where
        for code in errors:
            body = op["responses"][code]["content"]["application/json"]["schema"]
            assert body == {"$ref": ERROR_REF}, (where, code)
        assert "Retry-After" in op["responses"]["503"]["headers"], where


def test_the_documented_error_body_is_what_the_api_answers(engine) -> None:
    client = TestClient(create_app(Settings(_env_file=None), engine))  # type: ignore[call-arg]
    for response in (
        client.get("/api/v1/threads/999999"),
        client.get("/api/v1/threads/abc"),
        client.get("/api/v1/me"),
    ):
        assert response.status_code in (401, 404, 422)
        assert set(response.json()) == {"error", "detail"}


def test_tokens_and_the_session_cookie_are_security_schemes(spec: dict[str, Any]) -> None:
    schemes = spec["components"]["securitySchemes"]
    assert schemes["bearerToken"] == {
        "type": "http",
        "scheme": "bearer",
        "description": schemes["bearerToken"]["description"],
    }
    assert schemes["sessionCookie"]["in"] == "cookie"
    assert schemes["sessionCookie"]["name"] == "community_session"
    assert schemes["csrfToken"] == {**schemes["csrfToken"], "in": "header", "name": "X-CSRF-Token"}
    ops = {op["operationId"]: op for _, _, op in _operations(spec)}
    assert {"bearerToken": []} in ops["faq_export"]["security"]
    assert "faq:read" in ops["faq_export"]["description"]
    assert {"bearerToken": []} in ops["list_events"]["security"]
    # a member's own data: the session only; writes echo the CSRF token
    assert ops["get_me"]["security"] == [{"sessionCookie": []}]
    assert ops["update_me"]["security"] == [{"sessionCookie": [], "csrfToken": []}]
    # open to visitors too
    assert {} in ops["list_threads"]["security"]


def test_api_docs_load_their_assets_from_the_forum_itself(docs_app: FastAPI) -> None:
    client = TestClient(docs_app)
    for page in ("/docs", "/redoc"):
        response = client.get(page)
        assert response.status_code == 200, page
        assert "cdn." not in response.text and "https://" not in response.text.split("<body")[0]
        csp = response.headers["content-security-policy"]
        assert "https:" not in csp and "'self'" in csp
    assert "/docs/assets/swagger-ui-bundle.js" in client.get("/docs").text
    for asset in ("swagger-ui-bundle.js", "swagger-ui.css", "redoc.standalone.js"):
        got = client.get(f"/docs/assets/{asset}")
        assert got.status_code == 200 and len(got.content) > 10_000, asset
