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

from community.api.examples import EXAMPLES, error_example
from community.deps import _admin_only, get_current_user

COOKIE = "sessionCookie"
CSRF = "csrfToken"
BEARER = "bearerToken"
SAFE = {"get", "head", "options"}
JSON = "application/json"

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
# IETF draft-ietf-httpapi-ratelimit-headers: on every answer of a limited operation (login,
# registration, password reset, visitor reports), and with Retry-After on its 429.
RATE_LIMIT = {
    "RateLimit-Limit": {
        "description": "Requests allowed in the window of the limit nearest to running out.",
        "schema": {"type": "integer"},
    },
    "RateLimit-Remaining": {
        "description": "Requests left in that window.",
        "schema": {"type": "integer"},
    },
    "RateLimit-Reset": {
        "description": "Seconds until that window frees a request again.",
        "schema": {"type": "integer"},
    },
}

# What a route's dependencies do not show: the codes its service can answer with. 401 and 403
# for routes whose sign-in check sits in the service (admin and moderation areas, writes),
# 409 for the conflicts the services raise, 429 for the rate-limited and anti-spam-checked
# operations. A path with a parameter can always answer 404.
SIGNED_IN_AREAS = ("/api/v1/admin/", "/api/v1/moderation/", "/api/v1/me")
NO_SIGN_IN = {
    "register",
    "login",
    "logout",
    "verify_email",
    "password_reset",
    "report_post",
    "password_reset_confirm",
    "faq_curation_queue",
    "faq_edit",
    "faq_publish",
}
WRONG_CREDENTIALS = {"login"}
ALSO_SIGNED_IN = {"resend_verification", "list_revisions", "list_unanswered", "my_leads"}
NOT_FORBIDDEN = {
    "get_me",
    "update_me",
    "change_password",
    "export_me",
    "erase_me",
    "list_notifications",
    "mark_notifications_read",
    "resend_verification",
    "get_notification_settings",
    "put_notification_settings",
    "my_leads",
}
ALSO_FORBIDDEN = {"faq_curation_queue", "faq_edit", "faq_publish"}
# Without a path parameter, yet "nothing there": no draft kept for this member.
ALSO_NOT_FOUND = {"get_new_thread_draft"}
CONFLICTS = {
    "register",
    "create_endpoint",
    "update_endpoint",
    "verify_email",
    "resend_verification",
    "update_me",
    "erase_me",
    "erase_user",
    "create_group",
    "create_category",
    "report_post",
    "approve_post",
    "reject_post",
    "suspend_user",
    "ban_user",
    "accept_solution",
    "delete_post",
    "request_contact",
    "consent_to_request",
    "set_idea_status",
    "merge_idea",
    "decline_lead",
    "withdraw_lead_consent",
    "escalate",
    "rate_solution",
    "update_article",
    "submit_article_for_review",
    "return_article_to_draft",
    "publish_article",
    "withdraw_article",
    "approve_article_revision",
    "reject_article_revision",
}
RATE_LIMITED = {"login", "register", "password_reset", "report_post"}
POSTING_LIMITED = {"create_thread", "create_post", "edit_post"}
ERROR_TEXT = {
    "401": "Not signed in, or the token is unknown or revoked (`not_authenticated`, "
    "`invalid_token`)",
    "403": "Signed in but not allowed, or the token lacks the scope (`forbidden`, "
    "`missing_scope` ...)",
    "404": "Not found, or not visible to this viewer (`not_found`)",
    "409": "Conflicts with the current state (`conflict` or a more precise code)",
    "422": "Invalid input (`invalid_input`: `detail` lists the refused fields)",
    "429": "Too many requests (`rate_limited`, `posting_too_fast` ...): wait Retry-After seconds",
    "503": "Temporarily unavailable (`unavailable`): retry after Retry-After seconds",
}

# Paging, described once here and in the README ("For integrators: cursors"): every list
# continues after the last row seen (keyset), never at an offset, so rows added meanwhile
# are neither skipped nor repeated.
CURSOR = "Opaque: pass the `next_cursor` of the previous page; omit for the first page. "
PAGING: dict[tuple[str, str], str] = {
    ("list_threads", "cursor"): CURSOR + "`next_cursor` is null on the last page.",
    ("list_category_threads", "cursor"): CURSOR + "`next_cursor` is null on the last page.",
    ("list_posts", "cursor"): CURSOR + "`next_cursor` is null on the last page.",
    ("list_notifications", "cursor"): CURSOR + "`next_cursor` is null on the last page.",
    ("list_events", "after"): "An event id: the page holds events with a larger id, oldest "
    "first. Pass the `next_after` of the previous page and keep it between runs; "
    "`next_after` is null once nothing newer exists (keep the value you had). Events "
    "the token may not see advance `next_after` without being listed.",
    ("faq_export", "updated_since"): "Opaque: the `next_cursor` (or X-Next-Cursor header) of "
    "the previous export; omit for everything. Returns entries changed since, oldest change "
    "first; at the end the cursor comes back unchanged.",
    ("audit_log", "before_id"): "An entry id: the page holds older entries, newest first; "
    "pass the smallest id of the previous page.",
}


def _describe_paging(op: dict[str, Any]) -> None:
    for parameter in op.get("parameters", []):
        text = PAGING.get((op["operationId"], parameter["name"]))
        if text and not parameter.get("description"):
            parameter["description"] = text


def error_codes(op: dict[str, Any], path: str, method: str, kind: str) -> list[str]:
    """The error statuses an operation can answer with (see the sets above)."""
    op_id = op["operationId"]
    write = method not in SAFE and not path.startswith("/api/v1/auth/")
    signed_in = kind != "optional" or (
        op_id not in NO_SIGN_IN
        and (write or path.startswith(SIGNED_IN_AREAS) or op_id in ALSO_SIGNED_IN)
    )
    codes = []
    if signed_in or op_id in WRONG_CREDENTIALS:
        codes.append("401")
    # A write with the session cookie but without its CSRF token is refused with 403.
    if (signed_in and (op_id not in NOT_FORBIDDEN or write)) or op_id in ALSO_FORBIDDEN:
        codes.append("403")
    if "{" in path or op_id in ALSO_NOT_FOUND:
        codes.append("404")
    if op_id in CONFLICTS:
        codes.append("409")
    if op.get("parameters") or op.get("requestBody"):
        codes.append("422")
    if op_id in RATE_LIMITED | POSTING_LIMITED:
        codes.append("429")
    codes.append("503")  # a database fault, on any operation
    return codes


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
    {
        "name": "blog",
        "description": "Staff articles: what readers may see, and writing with four eyes "
        "(the author cannot publish alone; `at` schedules). An edit of a published article "
        "waits as `pending_revision` until staff who did not edit it approve it.",
    },
    {"name": "leads", "description": "Sales contact requests with the customer's consent."},
    {"name": "moderation", "description": "Reports, the moderation queue and decisions."},
    {"name": "notifications", "description": "Notices, watches and notification settings."},
    {"name": "insights", "description": "Statistics for staff and the askers' satisfaction."},
    {"name": "ideas", "description": "Ideas boards: votes, status with a public note, merging."},
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
    for path, ops in spec["paths"].items():
        for method, op in ops.items():
            kind, scope = ids.auth(op["operationId"])
            if kind == "optional" and path.startswith("/api/v1/admin/"):
                # The staff's operations check the role in their service, not in a
                # dependency: a visitor is still refused (401), which the spec must say
                kind = "user"
            op["security"] = _security(kind, method)
            if scope:
                op["description"] = (
                    op.get("description", "") + f"\n\nToken scope: `{scope}` (or an admin's "
                    "session)."
                ).strip()
            op["responses"] = _responses(op, path, method, kind, scope)
            _add_examples(op)
            _describe_paging(op)


def _responses(
    op: dict[str, Any], path: str, method: str, kind: str, scope: str | None
) -> dict[str, Any]:
    responses: dict[str, Any] = {
        code: body for code, body in op["responses"].items() if not code.startswith("4")
    }
    op_id = op["operationId"]
    for code in error_codes(op, path, method, kind):
        example = error_example(code, method, scope)
        body = {"schema": {"$ref": "#/components/schemas/ErrorBody"}, "example": example}
        responses[code] = {"description": ERROR_TEXT[code], "content": {JSON: body}}
        if code in ("429", "503"):
            headers = dict(RETRY_AFTER)
            if code == "429" and op_id in RATE_LIMITED:
                headers.update(RATE_LIMIT)
            responses[code]["headers"] = headers
    if op_id in RATE_LIMITED:
        for code, answer in responses.items():
            if code.startswith("2"):
                answer["headers"] = {**answer.get("headers", {}), **RATE_LIMIT}
    return dict(sorted(responses.items()))


def _add_examples(op: dict[str, Any]) -> None:
    if op["operationId"] not in EXAMPLES:
        return
    request, response = EXAMPLES[op["operationId"]]
    if request is not None:
        op["requestBody"]["content"][JSON]["example"] = request
    success = next(c for c in op["responses"] if c.startswith("2"))
    op["responses"][success]["content"][JSON]["example"] = response


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
