"""Routers that keep FastAPI's answer to "have the routes changed?" (issue 21)."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.routing import _IncludedRouter


class KeptVersionRouter(APIRouter):
    """FastAPI (0.165) asks an included router on every match and handling, several times
    per request, whether its routes changed, and the answer walks every route of every
    router under it (~250 for the pages, ~130 for the API: ~10 us each time). The answer
    is kept with the routers under this one and their own counts of changes
    (`_routes_version`, bumped by every route or router added to them), and worked out
    anew when one of them changed: a lazy area's routes (lazyroutes.py) included."""

    _kept_version: tuple[tuple[APIRouter, ...], tuple[int, ...], int] | None = None

    def _get_routes_version(self, seen: set[int] | None = None) -> int:
        if seen is not None:  # asked from a router above: FastAPI's own walk
            return super()._get_routes_version(seen)
        kept = self._kept_version
        if kept is not None and tuple(r._routes_version for r in kept[0]) == kept[1]:
            return kept[2]
        # The routers and their counts before the walk: a change meanwhile is seen next time.
        routers = _routers_under(self)
        counts = tuple(r._routes_version for r in routers)
        version = super()._get_routes_version()
        self._kept_version = (routers, counts, version)
        return version


def _routers_under(router: APIRouter) -> tuple[APIRouter, ...]:
    found: dict[int, APIRouter] = {}
    todo = [router]
    while todo:
        current = todo.pop()
        if id(current) in found:
            continue
        found[id(current)] = current
        todo.extend(r.original_router for r in current.routes if isinstance(r, _IncludedRouter))
    return tuple(found.values())
