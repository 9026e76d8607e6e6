"""The pages' router (community/web/router.py) keeps FastAPI's answer to "have the routes
changed?": a route added after the first request, at any depth under it, is still found."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, FastAPI
from fastapi.testclient import TestClient

from community.routing import KeptVersionRouter


def _kept_two_levels_above(inner: APIRouter) -> FastAPI:
    """An app whose kept router holds `inner` two levels down."""
    area = APIRouter()
    area.include_router(inner)
    pages = KeptVersionRouter()
    pages.include_router(area)
    app = FastAPI()
    app.include_router(pages)
    return app


def test_a_route_added_after_the_first_request_is_found_at_any_depth() -> None:
    inner = APIRouter()

    @inner.get("/early")
    def early() -> dict[str, str]:
        return {"route": "early"}

    with TestClient(_kept_two_levels_above(inner)) as client:
        assert client.get("/early").json() == {"route": "early"}
        assert client.get("/late").status_code == 404

        @inner.get("/late")  # two levels under the kept router
        def late() -> dict[str, str]:
            return {"route": "late"}

        assert client.get("/late").json() == {"route": "late"}

        another = APIRouter()

        @another.get("/another")
        def in_another() -> dict[str, str]:
            return {"route": "another"}

        inner.include_router(another)
        assert client.get("/another").json() == {"route": "another"}
        assert client.get("/elsewhere").status_code == 404


def test_files_under_a_router_two_levels_down_added_later_are_found(tmp_path: Path) -> None:
    # FastAPI gathers such routes (tried after all others) through every level: the kept
    # answer must change when a router below the kept one changes.
    (tmp_path / "index.html").write_text("<p>hier</p>")
    inner = APIRouter()
    with TestClient(_kept_two_levels_above(inner)) as client:
        assert client.get("/files/").status_code == 404
        inner.frontend("/files", directory=tmp_path)
        assert client.get("/files/").text == "<p>hier</p>"
