"""The pages' routes are tried in an order chosen for speed (community/web/router.py): every
page still reaches its own route, none is caught by a route listed before it."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from starlette.routing import Match

from community.lazyroutes import load_all
from community.web.router import web_router


def _routes(routes: list[Any]) -> Iterator[Any]:
    for route in routes:
        included = getattr(route, "original_router", None)
        if included is not None:
            yield from _routes(included.routes)
        else:
            yield route


def _first_match(routes: list[Any], path: str, method: str) -> Any:
    scope = {"type": "http", "path": path, "method": method, "root_path": ""}
    for route in routes:
        match, _child = route.matches(dict(scope))
        if match == Match.FULL:
            return route
    return None


def test_every_page_reaches_its_own_route() -> None:
    load_all(web_router)  # the administration's routes too
    routes = list(_routes(web_router.routes))
    assert len(routes) > 100
    for route in routes:
        for method in route.methods:
            for value in ("123", "abc"):
                path = re.sub(r"\{[^}]+\}", value, route.path)
                first = _first_match(routes, path, method)
                assert first is route, f"{method} {path} reaches {first.path}, not {route.path}"
