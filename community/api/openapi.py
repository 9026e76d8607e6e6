"""The OpenAPI document as a contract for client generators: operation ids from the route
names, the two ways to sign in as security schemes, the real error body on every error
answer, and the package's version."""

from __future__ import annotations

import inspect
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.openapi.utils import get_openapi
from fastapi.routing import APIRoute

from community.deps import _admin_only, get_current_user

COOKIE = "sessionCookie"
CSRF = "csrfToken"
BEARER = "bearerToken"
SAFE = {"get", "head", "options"}

ERROR_BODY: dict[str, Any] = {
    "title": "ErrorBody",
    "type": "object",
    "required": ["error", "detail"],
    "properties": {
        "error": {
            "type": "string",
            "description": "A stable code to branch on, e.g. not_authenticated, forbidden, "
            "missing_scope, not_found, conflict, invalid_input, rate_limited, unavailable.",
            "examples": ["not_found"],
        },
        "detail": {
            "description": "A message for people (German), or for invalid_input the list "
            "of refused fields.",
            "anyOf": [
                {"type": "string"},
                {"type": "array", "items": {"$ref": "#/components/schemas/FieldError"}},
            ],
        },
    },
}
FIELD_ERROR: dict[str, Any] = {
    "title": "FieldError",
    "type": "object",
    "required": ["loc", "msg"],
    "properties": {
        "loc": {"type": "array", "items": {"anyOf": [{"type": "string"}, {"type": "integer"}]}},
        "msg": {"type": "string"},
        "type": {"type": ["string", "null"]},
    },
}
RETRY_AFTER = {
    "Retry-After": {
        "description": "Seconds to wait before trying again.",
        "schema": {"type": "integer"},
    }
}


TAGS: list[dict[str, str]] = [
    {"name": "auth", "description": "Registration, login (session cookie), password reset."},
    {"name": "me", "description": "The signed-in member's own profile and settings."},
    {"name": "privacy", "description": "Data export and erasure (GDPR Art. 15, 17, 20)."},
    {"name": "search", "description": "Full-text search over the threads the viewer may see."},
    {"name": "forum", "description": "Boards, threads, posts, kudos and accepted answers."},
    {
        "name": "editor",
        "description": "The editor's helpers: @mention suggestions, the Markdown preview, "
        "drafts kept on the server (one new-thread draft per member, one reply draft per "
        "thread).",
    },
    {"name": "reputation", "description": "Leaderboard and the rank ladder."},
    {"name": "users", "description": "Public profiles by nickname."},
    {
        "name": "events",
        "description": "The CRM's pull feed: page with `after` = `next_after` of the "
        "last page; the same events go out as webhooks.",
    },
    {"name": "admin", "description": "Members, groups, boards, tokens and settings (admins)."},
    {"name": "webhooks", "description": "Standard Webhooks endpoints and their deliveries."},
    {
        "name": "faq",
        "description": "The FAQ export (token scope faq:read; page with `updated_since` = "
        "the X-Next-Cursor of the previous page) and curation.",
    },
    {"name": "leads", "description": "Sales contact requests with the customer's consent."},
    {"name": "moderation", "description": "Reports, the moderation queue and decisions."},
    {"name": "notifications", "description": "Notices, watches and notification settings."},
    {"name": "insights", "description": "Statistics for staff and the askers' satisfaction."},
]


def package_version() -> str:
    try:
        return version("community")
    except PackageNotFoundError:  # run from a source tree that was never installed
        return "0.0.0"


class OperationIds:
    """`generate_unique_id_function`: the route's own name (`login`, `list_threads`). It
    sees every route with its dependencies, so it also notes how each one signs in."""

    def __init__(self) -> None:
        self.routes: dict[str, APIRoute] = {}

    def __call__(self, route: APIRoute) -> str:
        self.routes[route.name] = route
        return route.name

    def auth(self, operation_id: str) -> tuple[str, str | None]:
        route = self.routes.get(operation_id)
        return _auth_of(route.dependant) if route is not None else ("optional", None)


def _auth_of(dependant: Dependant) -> tuple[str, str | None]:
    """("scope", scope) for token routes, ("user", None) for routes needing a signed-in
    member, ("optional", None) otherwise (the service may still refuse a visitor)."""
    found: tuple[str, str | None] = ("optional", None)
    for dep in dependant.dependencies:
        call = dep.call
        if call is not None and getattr(call, "__qualname__", "").startswith("require_scope."):
            return ("scope", inspect.getclosurevars(call).nonlocals.get("scope"))
        if call in (get_current_user, _admin_only):
            found = ("user", None)
        inner = _auth_of(dep)
        if inner[0] == "scope":
            return inner
        if inner[0] == "user":
            found = inner
    return found


def install(app: FastAPI, ids: OperationIds, session_cookie: str) -> None:
    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            spec = get_openapi(
                title=app.title,
                version=app.version,
                description=app.description,
                routes=app.routes,
                tags=TAGS,
            )
            _complete(spec, ids, session_cookie)
            app.openapi_schema = spec
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def _complete(spec: dict[str, Any], ids: OperationIds, session_cookie: str) -> None:
    components = spec.setdefault("components", {})
    schemas = components.setdefault("schemas", {})
    schemas.pop("HTTPValidationError", None)
    schemas.pop("ValidationError", None)
    schemas["ErrorBody"] = ERROR_BODY
    for key, schema in schemas.items():
        if "__" in key:
            # Two models of one name (insights' and the leaderboard's Period) get their
            # module path as key but keep one title, on which client generators collide.
            *_, module, name = key.split("__")
            schema["title"] = module.title().replace("_", "") + name
    schemas["FieldError"] = FIELD_ERROR
    components["securitySchemes"] = {
        COOKIE: {
            "type": "apiKey",
            "in": "cookie",
            "name": session_cookie,
            "description": "The browser's session after POST /api/v1/auth/login.",
        },
        CSRF: {
            "type": "apiKey",
            "in": "header",
            "name": "X-CSRF-Token",
            "description": "With the session cookie, every write echoes the CSRF token "
            "(the `csrf_token` of the login answer).",
        },
        BEARER: {
            "type": "http",
            "scheme": "bearer",
            "description": "An integration token (admin: /api/v1/admin/tokens) with scopes.",
        },
    }
    error = {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorBody"}}}
    for ops in spec["paths"].values():
        for method, op in ops.items():
            kind, scope = ids.auth(op["operationId"])
            op["security"] = _security(kind, method)
            if scope:
                op["description"] = (
                    op.get("description", "") + f"\n\nToken scope: `{scope}` (or an admin's "
                    "session)."
                ).strip()
            responses = op["responses"]
            responses["422"] = {"description": "Invalid input", "content": error}
            if kind != "optional":
                responses.setdefault(
                    "401", {"description": "Not signed in or invalid token", "content": error}
                )
                responses.setdefault("403", {"description": "Not allowed", "content": error})
            responses.setdefault(
                "4XX",
                {
                    "description": "Refused: `error` says why (not_found, conflict ...)",
                    "content": error,
                },
            )
            responses["429"] = {
                "description": "Too many requests",
                "headers": RETRY_AFTER,
                "content": error,
            }
            responses["503"] = {
                "description": "Temporarily unavailable (`unavailable`): retry later",
                "headers": RETRY_AFTER,
                "content": error,
            }


def _security(kind: str, method: str) -> list[dict[str, list[str]]]:
    cookie: dict[str, list[str]] = {COOKIE: []} if method in SAFE else {COOKIE: [], CSRF: []}
    if kind == "scope":
        return [{BEARER: []}, cookie]
    if kind == "user":
        return [cookie]
    return [{}, cookie]


ASSETS_URL = "/docs/assets"


def install_docs(app: FastAPI) -> None:
    """Swagger UI at /docs and ReDoc at /redoc from the assets the `fastapi-offline` package
    ships, served by the forum itself: the pages work offline and load nothing from a CDN
    (their policy: community/middleware.py DOCS_CSP)."""
    import fastapi_offline
    from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
    from fastapi.responses import HTMLResponse
    from fastapi.staticfiles import StaticFiles

    assets = Path(fastapi_offline.__file__).parent / "static"
    app.mount(ASSETS_URL, StaticFiles(directory=assets), name="docs-assets")
    title = f"{app.title} ({app.version})"

    @app.get("/docs", include_in_schema=False)
    async def swagger_ui() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url="/openapi.json",
            title=title,
            swagger_js_url=f"{ASSETS_URL}/swagger-ui-bundle.js",
            swagger_css_url=f"{ASSETS_URL}/swagger-ui.css",
            swagger_favicon_url=f"{ASSETS_URL}/favicon.png",
            swagger_ui_parameters={"persistAuthorization": True},
        )

    @app.get("/redoc", include_in_schema=False)
    async def redoc() -> HTMLResponse:
        return get_redoc_html(
            openapi_url="/openapi.json",
            title=title,
            redoc_js_url=f"{ASSETS_URL}/redoc.standalone.js",
            redoc_favicon_url=f"{ASSETS_URL}/favicon.png",
            with_google_fonts=False,
        )
