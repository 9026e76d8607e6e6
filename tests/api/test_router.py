"""The API router (community/api/router.py, on community/routing.py) keeps FastAPI's
answer to "have the routes changed?": a route or a module's router added after the first
request is still found."""

from __future__ import annotations

from fastapi import APIRouter, FastAPI
from fastapi.testclient import TestClient

from community.api.router import PrefixedRouter


def test_a_route_added_after_the_first_request_is_found() -> None:
    module = APIRouter()

    @module.get("/early")
    def early() -> dict[str, str]:
        return {"route": "early"}

    api = PrefixedRouter(prefix="/api/v1")
    api.include_router(module)
    app = FastAPI()
    app.include_router(api)
    with TestClient(app) as client:
        assert client.get("/api/v1/early").json() == {"route": "early"}
        assert client.get("/api/v1/late").status_code == 404

        @module.get("/late")
        def late() -> dict[str, str]:
            return {"route": "late"}

        assert client.get("/api/v1/late").json() == {"route": "late"}

        another = APIRouter()

        @another.get("/another")
        def in_another() -> dict[str, str]:
            return {"route": "another"}

        api.include_router(another)
        assert client.get("/api/v1/another").json() == {"route": "another"}
        assert client.get("/elsewhere").status_code == 404
