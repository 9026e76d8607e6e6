"""Routers of areas that few requests reach (the administration), imported by the first
request under their paths instead of at every app process's start (issue 21: the modules,
their forms and routes were ~3 MiB of each process's own memory).

A lazy router stands where the area's router was included, so routes are tried in the same
order. Until a request's path falls under one of its prefixes it holds no routes; no route
of the area lies outside them (tests/web/test_lazy_routes.py), so such a request is answered
as before: the same page, 404 or 405."""

from __future__ import annotations

import importlib
import threading
from typing import Any

from fastapi import APIRouter
from starlette._utils import get_route_path
from starlette.routing import Match
from starlette.types import Scope


class LazyRouter(APIRouter):
    def __init__(self, target: str, prefixes: tuple[str, ...]) -> None:
        """`target`: "module:router" of the area; `prefixes`: the paths its routes lie
        under (a prefix covers itself and what follows a slash after it)."""
        super().__init__()
        self.target = target
        self.prefixes = prefixes
        self.loaded = False
        self._lock = threading.Lock()

    def covers(self, path: str) -> bool:
        return any(path == p or path.startswith(p + "/") for p in self.prefixes)

    def load(self) -> None:
        if self.loaded:
            return
        with self._lock:
            if self.loaded:
                return
            module, _, name = self.target.partition(":")
            self.include_router(getattr(importlib.import_module(module), name))
            self.loaded = True

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        if not self.loaded and self.covers(get_route_path(scope)):
            self.load()
        return super().matches(scope)


def load_all(router: Any) -> None:
    """Load every lazy router under `router` (an app's, or an APIRouter): for what walks all
    routes, such as the OpenAPI schema."""
    for route in getattr(router, "routes", []):
        included = getattr(route, "original_router", None)
        if included is None:
            continue
        if isinstance(included, LazyRouter):
            included.load()
        load_all(included)
