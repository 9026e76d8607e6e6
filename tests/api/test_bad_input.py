"""Whatever a client sends, the answer is a clean 4xx in the {"error", "detail"} shape:
never a 500, never a crash while parsing."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session

from community.accounts.models import Role, User
from community.forum.models import Post, Thread
from tests.factories import (
    PASSWORD,
    make_category,
    make_group,
    make_reply,
    make_thread,
    make_user,
    sign_in,
)

LIMIT = 1_000_000


def assert_error_shape(response, status: int | None = None) -> dict[str, Any]:
    assert response.status_code < 500, (
        response.request.method,
        response.request.url,
        response.text,
    )
    if status is not None:
        assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json"), response.text
    body = response.json()
    assert set(body) == {"error", "detail"}, body
    assert isinstance(body["error"], str)
    assert body["error"]
    assert body["detail"]
    return body


@pytest.fixture
def board(db):
    return make_category(db, slug="technik", name="Technik")


@pytest.fixture
def member(db):
    return make_user(db, nickname="Tester")


@pytest.fixture
def signed_in(client, member):
    sign_in(client, member)
    return client


@pytest.fixture
def thread(db, board, member):
    return make_thread(db, author=member, category=board)


# ---- size -----------------------------------------------------------------------------------


def test_body_over_one_megabyte_is_413_before_parsing(db, signed_in, board):
    # Not even valid JSON: a parser would answer 422, the size limit answers first.
    response = signed_in.post(
        "/api/v1/threads",
        content=b"{" * (LIMIT + 1),
        headers={"content-type": "application/json"},
    )
    body = assert_error_shape(response, 413)
    assert body["error"] == "payload_too_large"


def test_body_of_exactly_the_limit_is_parsed(db, signed_in, board):
    start = b'{"category": "technik", "title": "Genau an der Grenze", "body": "x"'
    content = start + b" " * (LIMIT - len(start) - 1) + b"}"
    assert len(content) == LIMIT
    response = signed_in.post(
        "/api/v1/threads", content=content, headers={"content-type": "application/json"}
    )
    assert response.status_code == 201, response.text


def test_chunked_body_without_length_over_the_limit_is_413(db, signed_in, board):
    def chunks():
        yield b'{"category": "technik", "title": "Gestreamte Frage", "body": "'
        for _ in range(11):
            yield b"x" * 100_000
        yield b'"}'

    response = signed_in.post(
        "/api/v1/threads", content=chunks(), headers={"content-type": "application/json"}
    )
    assert "content-length" not in response.request.headers
    assert response.request.headers["transfer-encoding"] == "chunked"
    body = assert_error_shape(response, 413)
    assert body["error"] == "payload_too_large"
    assert signed_in.get("/api/v1/threads").json()["items"] == []


def test_small_chunked_body_is_accepted(db, signed_in, board):
    def chunks():
        yield b'{"category": "technik", "title": "Gestreamte Frage",'
        yield b' "body": "kurz"}'

    response = signed_in.post(
        "/api/v1/threads", content=chunks(), headers={"content-type": "application/json"}
    )
    assert response.status_code == 201, response.text


def test_oversized_web_form_is_413(db, signed_in, board):
    token = signed_in.headers["X-CSRF-Token"]
    response = signed_in.post(
        "/new",
        data={
            "csrf_token": token,
            "category": "technik",
            "kind": "question",
            "title": "Eine viel zu große Frage",
            "body": "x" * (LIMIT + 1),
        },
        headers={"Accept-Language": "en"},
    )
    assert response.status_code == 413
    # A page for the browser in its language, not the API's JSON
    assert response.headers["content-type"].startswith("text/html")
    assert '<html lang="en">' in response.text
    assert "What you sent is too large: at most 1 MB are accepted here." in response.text
    assert 'href="/static/site.css"' in response.text  # the forum's look, not a 404
    # A header that is no text in UTF-8 changes nothing
    odd = signed_in.post(
        "/new",
        content=b"x" * (LIMIT + 1),
        headers={"Accept-Language": b"\xff\xfe"},
    )
    assert odd.status_code == 413


# ---- text that cannot be stored ----------------------------------------------------------------

NUL = "Frage mit \x00 NUL-Byte"


@pytest.mark.parametrize(
    ("method", "path", "payload"),
    [
        ("POST", "/api/v1/threads", {"category": "technik", "title": NUL, "body": "Text"}),
        (
            "POST",
            "/api/v1/threads",
            {"category": "technik", "title": "Ordentlicher Titel", "body": NUL},
        ),
        ("POST", "/api/v1/threads/{thread}/posts", {"body": NUL}),
        ("PATCH", "/api/v1/posts/{post}", {"body": NUL}),
        ("PATCH", "/api/v1/threads/{thread}", {"title": NUL}),
        ("PATCH", "/api/v1/me", {"nickname": "Nu\x00ll"}),
        ("PATCH", "/api/v1/me", {"real_name": NUL}),
    ],
)
def test_nul_bytes_are_422(db, signed_in, thread, method, path, payload):
    post_id = signed_in.get(f"/api/v1/threads/{thread.id}").json()["opening_post"]["id"]
    url = path.format(thread=thread.id, post=post_id)
    response = signed_in.request(method, url, json=payload)
    assert_error_shape(response, 422)
    detail = signed_in.get(f"/api/v1/threads/{thread.id}").json()
    assert "\x00" not in json.dumps(detail)
    assert signed_in.get("/api/v1/me").json()["nickname"] == "Tester"


def test_nul_byte_in_registration_nickname_is_422(db, anon):
    response = anon.post(
        "/api/v1/auth/register",
        json={"email": "nul@example.com", "password": PASSWORD, "nickname": "Nu\x00ll"},
    )
    assert_error_shape(response, 422)


@pytest.mark.parametrize(
    ("path", "raw"),
    [
        (
            "/api/v1/threads",
            '{"category": "technik", "title": "Frage \\ud800 kaputt", "body": "x"}',
        ),
        (
            "/api/v1/threads",
            '{"category": "technik", "title": "Ordentlicher Titel", "body": "\\udfff"}',
        ),
        ("/api/v1/threads/{thread}/posts", '{"body": "Antwort \\ud83d ohne Partner"}'),
        (
            "/api/v1/auth/register",
            '{"email": "s@example.com", "password": "x", "nickname": "S\\ud800x"}',
        ),
    ],
)
def test_lone_surrogates_are_422(db, signed_in, thread, path, raw):
    response = signed_in.post(
        path.format(thread=thread.id),
        content=raw.encode(),
        headers={"content-type": "application/json"},
    )
    assert_error_shape(response, 422)
    assert signed_in.get(f"/api/v1/threads/{thread.id}").json()["reply_count"] == 0


@pytest.mark.parametrize(
    "raw",
    [
        b'{"category": "technik", "title": ',
        b"{'category': 'technik'}",
        b'{"category": "technik",}',
        b"",
        b"nicht json",
        b'{"a": 1} {"b": 2}',
        b'{"title": NaN}',
    ],
)
def test_malformed_json_is_422(db, signed_in, board, raw):
    response = signed_in.post(
        "/api/v1/threads", content=raw, headers={"content-type": "application/json"}
    )
    body = assert_error_shape(response, 422)
    assert body["error"] == "invalid_input"


@pytest.mark.parametrize(
    "raw",
    [
        b'{"category": "technik", "title": "\xff\xfe kaputt", "body": "x"}',
        b"[" * 100_000 + b"]" * 100_000,
    ],
    ids=["not_utf8", "nested_too_deep"],
)
def test_body_that_no_parser_can_read_is_refused_cleanly(db, signed_in, board, raw):
    response = signed_in.post(
        "/api/v1/threads", content=raw, headers={"content-type": "application/json"}
    )
    assert response.status_code in (400, 422)
    assert_error_shape(response)


def test_validation_errors_do_not_echo_the_input(db, anon):
    secret = "Geheimes-Passwort-12345"
    response = anon.post(
        "/api/v1/auth/login", json={"email": ["kein", "string"], "password": [secret]}
    )
    assert_error_shape(response, 422)
    assert secret not in response.text


@pytest.mark.parametrize(
    "payload",
    [
        {"category": "technik", "title": 12345678901, "body": "Text"},
        {"category": "technik", "title": "Ordentlicher Titel", "body": None},
        {"category": "technik", "title": "Ordentlicher Titel", "body": ["Text"]},
        {"category": "technik", "title": "Ordentlicher Titel", "body": {"md": "x"}},
        {"category": ["technik"], "title": "Ordentlicher Titel", "body": "Text"},
        {"category": "technik", "title": "Ordentlicher Titel", "body": "Text", "kind": 1},
        {"category": "technik", "title": "Ordentlicher Titel", "body": "Text", "kind": "umfrage"},
        {"category": "technik", "title": "Ordentlicher Titel"},
        {},
        [],
        "Text",
        None,
        42,
    ],
)
def test_wrong_types_are_422(db, signed_in, board, payload):
    response = signed_in.post("/api/v1/threads", json=payload)
    body = assert_error_shape(response, 422)
    assert body["error"] == "invalid_input"
    assert signed_in.get("/api/v1/threads").json()["items"] == []


@pytest.mark.parametrize(
    "payload", [{"is_locked": "vielleicht"}, {"is_locked": [True]}, {"title": 5}]
)
def test_wrong_types_in_thread_update_are_422(db, signed_in, thread, payload):
    response = signed_in.patch(f"/api/v1/threads/{thread.id}", json=payload)
    assert_error_shape(response, 422)


@pytest.mark.parametrize("thread_id", ["abc", "1.5", "1e3", "%00", "0x10"])
def test_malformed_id_in_path_is_422(db, client, thread_id):
    response = client.get(f"/api/v1/threads/{thread_id}")
    assert_error_shape(response, 422)


def test_unknown_thread_is_404_with_error_and_detail(db, client):
    response = client.get("/api/v1/threads/424242")
    body = assert_error_shape(response, 404)
    assert body["error"] == "not_found"
    assert isinstance(body["detail"], str)


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/threads/{big}",
        "/api/v1/threads/{big}/posts",
        "/api/v1/posts/{big}",
        "/api/v1/posts/{big}/revisions",
        "/api/v1/threads/-{big}",
    ],
)
def test_ids_too_large_for_the_database_are_refused_not_crashed(db, client, path):
    response = client.get(path.format(big=10**25))
    assert response.status_code in (404, 422)
    assert_error_shape(response)
    response = client.get(path.format(big=2**31))
    assert response.status_code in (404, 422)


def test_write_to_an_id_too_large_is_refused(db, signed_in):
    big = 2**63
    for method, url, payload in [
        ("POST", f"/api/v1/threads/{big}/posts", {"body": "Hallo"}),
        ("PATCH", f"/api/v1/posts/{big}", {"body": "Hallo"}),
        ("PATCH", f"/api/v1/threads/{big}", {"is_locked": True}),
        ("DELETE", f"/api/v1/posts/{big}", None),
    ]:
        response = signed_in.request(method, url, json=payload)
        assert response.status_code in (404, 422), (method, url, response.text)
        assert_error_shape(response)


def test_web_pages_with_ids_too_large_are_not_500(db, client):
    for path in (f"/t/{10**25}", f"/t/{10**25}/slug", f"/t/{2**31}", "/t/-1"):
        response = client.get(path)
        assert response.status_code in (404, 422), path
        assert response.headers["content-type"].startswith("text/html")


def test_unknown_api_path_and_wrong_method_have_the_error_shape(db, client):
    assert assert_error_shape(client.get("/api/v1/gibt-es-nicht"), 404)["error"] == "not_found"
    body = assert_error_shape(client.put("/api/v1/threads"), 405)
    assert body["error"] == "method_not_allowed"


def test_form_encoded_body_to_a_json_route_is_422(db, signed_in, board):
    response = signed_in.post(
        "/api/v1/threads",
        data={"category": "technik", "title": "Als Formular", "body": "x"},
    )
    assert_error_shape(response, 422)


# ---- the sweep: junk to every route of the API --------------------------------------------------


@dataclass
class Arena:
    admin: User
    member: User
    thread: Thread
    post: Post
    token_id: int


@pytest.fixture
def sweeper(app):
    """A client that reports a server error as a 500 answer, so a sweep lists them all."""
    with TestClient(app, raise_server_exceptions=False) as c:
        yield c


@pytest.fixture
def arena(db: Session, sweeper: TestClient) -> Arena:
    admin = make_user(db, nickname="Chefin", role=Role.admin, email="chefin@example.com")
    member = make_user(db, nickname="Mitmacher")
    group = make_group(db, slug="kunden-x", members=[member])
    make_category(db, slug="offen")
    closed = make_category(db, slug="kunden-bereich", groups=[group])
    thread = make_thread(db, author=member, category=closed)
    post = make_reply(db, author=member, thread=thread)
    sign_in(sweeper, admin)
    created = sweeper.post("/api/v1/admin/tokens", json={"name": "CRM", "scopes": ["events:read"]})
    assert created.status_code == 201
    assert thread.id is not None and post.id is not None
    return Arena(admin, member, thread, post, created.json()["id"])


def _real_path(path: str, arena: Arena) -> str:
    values = {
        "thread_id": str(arena.thread.id),
        "post_id": str(arena.post.id),
        "nickname": arena.member.nickname,
        "token_id": str(arena.token_id),
        "slug": "kunden-x" if "/groups/" in path else "kunden-bereich",
        "page": "impressum",
    }
    return re.sub(r"\{(\w+)\}", lambda m: values.get(m.group(1), "1"), path)


def _is_clean(response) -> bool:
    if response.status_code >= 500:
        return False
    if response.status_code < 400:
        return True
    try:
        return set(response.json()) == {"error", "detail"}
    except ValueError:
        return False


# Sending these would end the sweep's own session; they take no body anyway.
SESSION_ENDING = {("POST", "/api/v1/auth/logout")}

# A body each write route accepts, so that one junk field at a time reaches the rules.
VALID_BODIES: dict[tuple[str, str], dict[str, Any]] = {
    ("POST", "/api/v1/auth/register"): {
        "email": "neu@example.com",
        "password": PASSWORD,
        "nickname": "Neuling",
        "real_name": "Neu",
        "company": "Firma",
        "locale": "de",
    },
    ("POST", "/api/v1/auth/login"): {"email": "chefin@example.com", "password": PASSWORD},
    ("POST", "/api/v1/auth/verify-email"): {"token": "abc"},
    ("POST", "/api/v1/auth/password-reset"): {"email": "chefin@example.com"},
    ("POST", "/api/v1/auth/password-reset/confirm"): {"token": "abc", "password": PASSWORD},
    ("PATCH", "/api/v1/me"): {
        "nickname": "Chefin",
        "real_name": "Chefin",
        "company": "Firma",
        "locale": "de",
    },
    ("POST", "/api/v1/me/password"): {"current_password": "falsch", "new_password": PASSWORD},
    ("POST", "/api/v1/threads"): {
        "category": "offen",
        "kind": "question",
        "title": "Eine gültige Frage hier",
        "body": "Text",
    },
    ("PATCH", "/api/v1/threads/{thread_id}"): {"title": "Ein gültiger Titel", "is_locked": False},
    ("POST", "/api/v1/threads/{thread_id}/posts"): {"body": "Antwort"},
    ("POST", "/api/v1/preview"): {"body": "**fett**"},
    ("PUT", "/api/v1/drafts/new-thread"): {"title": "Entwurf", "body": "Text"},
    ("PUT", "/api/v1/threads/{thread_id}/draft"): {"body": "Antwort", "seen_post_id": 1},
    ("PATCH", "/api/v1/posts/{post_id}"): {"body": "Neu"},
    ("PATCH", "/api/v1/admin/users/{nickname}"): {
        "role": "member",
        "is_staff": False,
        "is_active": True,
    },
    ("POST", "/api/v1/admin/groups"): {"slug": "neue-gruppe", "name": "Neue Gruppe"},
    ("POST", "/api/v1/admin/groups/{slug}/members"): {"nickname": "Mitmacher"},
    ("POST", "/api/v1/admin/categories"): {
        "slug": "neuer-bereich",
        "name": "Neuer Bereich",
        "description": "",
        "position": 1,
        "parent": "offen",
        "groups": ["kunden-x"],
    },
    ("PUT", "/api/v1/admin/categories/{slug}/groups"): {"groups": ["kunden-x"]},
    ("POST", "/api/v1/admin/tokens"): {"name": "Token", "scopes": ["faq:read"]},
    ("PUT", "/api/v1/threads/{thread_id}/solution"): {"post_id": 1},
    ("POST", "/api/v1/admin/webhooks"): {
        "url": "https://hooks.example.com/in",
        "event_types": ["thread.created"],
    },
    ("PATCH", "/api/v1/admin/webhooks/{endpoint_id}"): {"event_types": ["thread.solved"]},
    ("PATCH", "/api/v1/faq/entries/{faq_id}"): {"answer_text": "Neu formuliert"},
    ("POST", "/api/v1/articles"): {
        "title": "Neue Tarife",
        "teaser": "Kurz",
        "body": "Text",
        "category_slug": "router",
    },
    ("PATCH", "/api/v1/articles/{article_id}"): {"teaser": "Kürzer"},
    ("POST", "/api/v1/articles/{article_id}/return"): {"note": "Bitte kürzen"},
    ("POST", "/api/v1/articles/{article_id}/publish"): {"at": "2030-01-01T09:00:00Z"},
    ("POST", "/api/v1/articles/{article_id}/withdraw"): {"note": "veraltet"},
    ("POST", "/api/v1/articles/{article_id}/revision/reject"): {"note": "Titel bleibt"},
    ("POST", "/api/v1/leads"): {"agreed": True, "text_version": "v", "real_name": "Chefin"},
    ("POST", "/api/v1/leads/{lead_id}/consent"): {"agreed": True, "text_version": "v"},
    ("POST", "/api/v1/threads/{thread_id}/escalation"): {"note": "Bitte übernehmen"},
    ("PUT", "/api/v1/ideas/{thread_id}/status"): {"status": "planned", "note": "Kommt bald"},
    ("POST", "/api/v1/ideas/{thread_id}/merge"): {"into_thread_id": 1},
    ("POST", "/api/v1/posts/{post_id}/reports"): {"reason": "spam", "comment": "Werbung"},
    ("POST", "/api/v1/moderation/posts/{post_id}/hide"): {"reason": "Werbung"},
    ("POST", "/api/v1/moderation/posts/{post_id}/restore"): {"reason": ""},
    ("POST", "/api/v1/moderation/posts/{post_id}/delete"): {"reason": "Spam"},
    ("POST", "/api/v1/moderation/posts/{post_id}/dismiss"): {"reason": ""},
    ("POST", "/api/v1/moderation/threads/{thread_id}/lock"): {"reason": ""},
    ("POST", "/api/v1/moderation/threads/{thread_id}/unlock"): {"reason": ""},
    ("POST", "/api/v1/moderation/threads/{thread_id}/move"): {"category": "offen", "reason": ""},
    ("POST", "/api/v1/moderation/users/{nickname}/suspend"): {"days": 1, "reason": "Test"},
    ("POST", "/api/v1/moderation/users/{nickname}/ban"): {"reason": "Test"},
    ("POST", "/api/v1/moderation/users/{nickname}/unsuspend"): {"reason": ""},
    ("POST", "/api/v1/moderation/posts/{post_id}/edit"): {
        "body": "Neu gefasst",
        "reason": "Beleidigung entfernt",
    },
    ("POST", "/api/v1/moderation/posts/{post_id}/approve"): {"reason": ""},
    ("POST", "/api/v1/moderation/posts/{post_id}/reject"): {"reason": "Werbung"},
    ("POST", "/api/v1/moderation/threads/{thread_id}/duplicate"): {
        "original_thread_id": 1,
        "reason": "Schon beantwortet",
    },
    ("POST", "/api/v1/moderation/threads/{thread_id}/not-duplicate"): {"reason": ""},
    ("PATCH", "/api/v1/admin/categories/{slug}"): {"premoderated": False},
    ("PUT", "/api/v1/admin/premoderation"): {"first_posts": 0},
    ("POST", "/api/v1/me/notifications/read"): {"ids": [1], "all": False},
    ("PUT", "/api/v1/me/notification-settings"): {"reply": "in_app", "kudos": "off"},
    ("PUT", "/api/v1/admin/legal/{page}"): {
        "markdown": "## Anbieter\n\nBeispiel GmbH",
        "url": "https://example.com/impressum",
    },
    ("PUT", "/api/v1/admin/staff-names"): {"show_name": True},
    # Erasure: a wrong password and a confirmation naming someone else reach the rules
    # but erase no one, so the sweep's admin and arena stay for the routes after them.
    ("POST", "/api/v1/me/erase"): {"password": "falsch", "confirm": True, "remove_posts": False},
    ("POST", "/api/v1/admin/users/{nickname}/erase"): {
        "confirm_nickname": "Chefin",
        "remove_posts": False,
    },
    ("POST", "/api/v1/threads/{thread_id}/satisfaction"): {"rating": 5, "comment": "Danke"},
    ("PUT", "/api/v1/admin/ranks"): {
        "steps": [{"key": "newcomer", "name_de": "Neuling", "name_en": "Newcomer", "min_points": 0}]
    },
}

JUNK_VALUES: dict[str, Any] = {
    "nul": "a\x00b",
    "surrogate": "\ud800",
    "huge_number": 10**40,
    "negative": -(2**63),
    "float": 1e308,
    "bool": True,
    "null": None,
    "list": [1, "zwei", None],
    "nested": {"a": {"b": {"c": [{}]}}},
    "long_string": "x" * 300_000,
    "empty": "",
    "spaces": "   ",
    "html": "<script>alert(1)</script>",
    "zero_width": "\u200b\u202e",
}
JUNK_DOCUMENTS: dict[str, bytes] = {
    "no_body": b"",
    "broken": b'{"x": ',
    "array": b"[]",
    "string": b'"x"',
    "null_document": b"null",
    "number": b"1e999",
    "deep": b"[" * 2000 + b"]" * 2000,
    "invalid_utf8": b'{"x": "\xff"}',
}


def _write_operations(spec: dict[str, Any]):
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            verb = method.upper()
            if verb in ("POST", "PATCH", "PUT", "DELETE") and (verb, path) not in SESSION_ENDING:
                yield verb, path, operation


def _field_names(spec: dict[str, Any], operation: dict[str, Any]) -> list[str]:
    content = operation.get("requestBody", {}).get("content", {})
    schema = content.get("application/json", {}).get("schema", {})
    ref = schema.get("$ref")
    if ref:
        schema = spec["components"]["schemas"][ref.rsplit("/", 1)[1]]
    return list(schema.get("properties", {}))


def _junk_bodies(spec, method, path, operation, junk):
    """Each field in turn set to the junk (and, for lists, a list holding it), the others
    valid; routes without a known valid body get the junk in every field at once."""
    valid = VALID_BODIES.get((method, path))
    names = _field_names(spec, operation)
    if valid is None:
        yield "*", dict.fromkeys(names or ["x"], junk)
        return
    for name in names:
        yield name, valid | {name: junk}
        if isinstance(valid.get(name), list):
            yield f"{name}[]", valid | {name: [junk]}


def test_every_write_route_with_a_body_has_a_valid_example(app):
    spec = app.openapi()
    missing = [
        (method, path)
        for method, path, operation in _write_operations(spec)
        if _field_names(spec, operation) and (method, path) not in VALID_BODIES
    ]
    assert missing == []


@pytest.mark.parametrize("junk", sorted(JUNK_VALUES))
def test_junk_in_any_field_of_any_write_route_is_never_a_500(db, app, sweeper, arena, junk):
    spec = app.openapi()
    failures = []
    for method, path, operation in _write_operations(spec):
        for field, body in _junk_bodies(spec, method, path, operation, JUNK_VALUES[junk]):
            # json.dumps writes a lone surrogate as the escape \ud800, as a client would.
            response = sweeper.request(
                method,
                _real_path(path, arena),
                content=json.dumps(body).encode(),
                headers={"content-type": "application/json"},
            )
            if not _is_clean(response):
                failures.append((method, path, field, response.status_code))
    assert failures == []


@pytest.mark.parametrize("junk", sorted(JUNK_DOCUMENTS))
def test_junk_documents_to_every_write_route_are_never_a_500(db, app, sweeper, arena, junk):
    failures = []
    for method, path, _operation in _write_operations(app.openapi()):
        response = sweeper.request(
            method,
            _real_path(path, arena),
            content=JUNK_DOCUMENTS[junk],
            headers={"content-type": "application/json"},
        )
        if not _is_clean(response):
            failures.append((method, path, response.status_code, response.text[:200]))
    assert failures == []


JUNK_URL_VALUES = [
    "0",
    "-1",
    str(2**31),
    str(10**30),
    "abc",
    "%00",
    "a%00b",
    "%ff%fe",
    "%ED%A0%80",
    "%F0%9F%90%A6",
    "..%2F..%2Fetc",
    "x" * 500,
    "%20",
    "%25",
    "1e5",
    "null",
]


@pytest.mark.parametrize("value", JUNK_URL_VALUES)
def test_junk_in_every_path_parameter_is_never_a_500(db, app, sweeper, arena, value):
    spec = app.openapi()
    failures = []
    for path, operations in spec["paths"].items():
        if "{" not in path:
            continue
        for method in operations:
            if (method.upper(), path) in SESSION_ENDING:
                continue
            url = re.sub(r"\{\w+\}", value, path)
            response = sweeper.request(method.upper(), url, json={})
            if not _is_clean(response):
                failures.append((method, url[:80], response.status_code, response.text[:200]))
    assert failures == []


@pytest.mark.parametrize("value", ["", *JUNK_URL_VALUES])
def test_junk_in_every_query_parameter_is_never_a_500(db, app, sweeper, arena, value):
    spec = app.openapi()
    failures = []
    for path, operations in spec["paths"].items():
        operation = operations.get("get")
        if operation is None:
            continue
        names = [p["name"] for p in operation.get("parameters", []) if p["in"] == "query"]
        for name in names:
            # Written into the URL as is, so percent escapes reach the server undecoded.
            response = sweeper.get(f"{_real_path(path, arena)}?{name}={value}")
            if not _is_clean(response):
                failures.append((path, name, response.status_code, response.text[:200]))
    assert failures == []


WEB_FORMS: dict[str, dict[str, str]] = {
    "/login": {"email": "chefin@example.com", "password": PASSWORD, "next": "/"},
    "/register": {
        "email": "web@example.com",
        "nickname": "Webling",
        "password": PASSWORD,
        "real_name": "Web",
        "company": "Firma",
    },
    "/forgot-password": {"email": "chefin@example.com"},
    "/reset-password": {"token": "abc", "password": PASSWORD},
    "/new": {
        "category": "offen",
        "kind": "question",
        "title": "Eine Frage im Formular",
        "body": "Text",
    },
    "/t/{thread_id}/reply": {"body": "Antwort im Formular"},
    "/admin/legal/{page}": {"markdown": "Angaben", "url": "https://example.com/impressum"},
    "/admin/legal/staff-names": {"show_name": "true"},
    "/settings/erase": {"password": "falsch", "confirm": "true", "remove_posts": "true"},
    "/admin/users/{nickname}/erase": {"confirm_nickname": "Chefin", "remove_posts": "true"},
    "/t/{thread_id}/satisfaction": {"rating": "5", "comment": "Danke"},
}


@pytest.mark.parametrize("junk", ["a\x00b", "\ud800", "x" * 200_000, "", "%00"])
def test_junk_in_any_web_form_field_is_never_a_500(db, sweeper, arena, junk):
    token = sweeper.headers["X-CSRF-Token"]
    failures = []
    for path, valid in WEB_FORMS.items():
        for name in valid:
            form = valid | {name: junk, "csrf_token": token}
            if junk == "\ud800":
                # Browsers cannot send a lone surrogate; the nearest is its UTF-8 form.
                encoded = "&".join(
                    f"{k}=%ED%A0%80" if k == name else f"{k}={quote(v)}" for k, v in form.items()
                )
                response = sweeper.post(
                    _real_path(path, arena),
                    content=encoded.encode(),
                    headers={"content-type": "application/x-www-form-urlencoded"},
                    follow_redirects=False,
                )
            else:
                response = sweeper.post(_real_path(path, arena), data=form, follow_redirects=False)
            if response.status_code >= 500:
                failures.append((path, name, response.status_code))
    assert failures == []


def test_the_sweep_reaches_the_handlers(db, app, sweeper, arena):
    """Guards the sweep itself: with real ids and a valid session, routes answer 2xx."""
    for path in ("/api/v1/threads/{thread_id}", "/api/v1/posts/{post_id}/revisions"):
        assert sweeper.get(_real_path(path, arena)).status_code == 200
    body = VALID_BODIES[("POST", "/api/v1/threads/{thread_id}/posts")]
    assert (
        sweeper.post(_real_path("/api/v1/threads/{thread_id}/posts", arena), json=body).status_code
        == 201
    )
    assert len(list(_write_operations(app.openapi()))) >= 15
