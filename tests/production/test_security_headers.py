"""Security headers on every answer (also the body-limit layer's 413 and 422), HSTS where the
forum is served over https, and no CDN-loading API docs in production."""

from __future__ import annotations

from fastapi.testclient import TestClient

from community.app import create_app
from community.config import Settings
from tests.production.test_settings_check import production

HEADERS = ("content-security-policy", "x-content-type-options", "x-frame-options")


def _client(settings: Settings, engine) -> TestClient:  # type: ignore[no-untyped-def]
    return TestClient(create_app(settings, engine))


def test_production_sends_hsts_on_pages_and_on_refusals_of_the_body_limit(engine) -> None:
    client = _client(production(max_body_bytes=1000), engine)
    answers = {
        "page": client.get("/"),
        "413": client.post("/api/v1/threads", content=b"x" * 2000),
        "422": client.get("/c/board%00"),
        "api 404": client.get("/api/v1/threads/999999"),
    }
    assert answers["413"].status_code == 413 and answers["422"].status_code == 422
    for name, response in answers.items():
        for header in HEADERS:
            assert header in response.headers, (name, header)
        assert response.headers["strict-transport-security"] == "max-age=31536000", name


def test_hsts_max_age_is_configurable_and_absent_over_plain_http(engine) -> None:
    short = _client(production(hsts_max_age_seconds=600), engine).get("/")
    assert short.headers["strict-transport-security"] == "max-age=600"
    plain = Settings(_env_file=None, public_url="http://127.0.0.1:8000")  # type: ignore[call-arg]
    assert "strict-transport-security" not in _client(plain, engine).get("/").headers


def test_api_docs_are_off_in_production_and_the_schema_stays(engine) -> None:
    client = _client(production(), engine)
    assert client.get("/docs").status_code == 404
    assert client.get("/redoc").status_code == 404
    assert client.get("/openapi.json").status_code == 200
    switched_on = _client(production(api_docs=True), engine)
    assert switched_on.get("/docs").status_code == 200


def test_api_docs_stay_available_in_development(engine) -> None:
    dev = Settings(_env_file=None)  # type: ignore[call-arg]
    assert _client(dev, engine).get("/docs").status_code == 200
