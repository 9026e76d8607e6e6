"""The API speaks the language of Accept-Language (German by default), and every message an
error of ours can carry is in the catalog with an English translation."""

from __future__ import annotations

import ast
import importlib
import re
from pathlib import Path

from babel.messages.pofile import read_po
from fastapi.testclient import TestClient
from sqlmodel import Session

from community.accounts.models import Role
from community.config import get_settings
from tests.factories import make_user, sign_in
from tests.web.test_catalog import PO, ROOT


def _error_classes(trees: dict[Path, ast.Module]) -> set[str]:
    """CommunityError and every subclass of it in community/ (UnsafeUrl, CsrfError ...)."""
    classes = {"CommunityError"}
    grown = True
    while grown:
        grown = False
        for tree in trees.values():
            for node in ast.walk(tree):
                if isinstance(node, ast.ClassDef) and node.name not in classes:
                    bases = {getattr(b, "id", getattr(b, "attr", None)) for b in node.bases}
                    if bases & classes:
                        classes.add(node.name)
                        grown = True
    return classes


def _module_of(path: Path) -> str:
    return ".".join(path.relative_to(ROOT).with_suffix("").parts)


def test_every_error_message_in_community_is_a_translated_catalog_entry() -> None:
    """Each message given to an error, read from the source: a literal, a `Formatted` or
    `N_` msgid, a module constant, or an f-string whose values are limits (then the catalog
    must hold it for the shipped limits, see community/web/messages.py). A message built
    from the request's own values (a host name, a list of names) must be `Formatted`, or
    it cannot be translated. Messages returned by validators are checked by
    test_catalog.test_messages_built_at_run_time_are_in_the_catalog."""
    catalog = read_po(PO.open("rb"), locale="en")
    translated = {m.id for m in catalog if isinstance(m.id, str) and m.id and m.string}
    trees = {p: ast.parse(p.read_text()) for p in (ROOT / "community").rglob("*.py")}
    classes = _error_classes(trees)
    problems, checked = [], 0
    for path, tree in trees.items():
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call) or not node.args:
                continue
            name = getattr(node.func, "id", getattr(node.func, "attr", None))
            if name not in classes:
                continue
            where = f"{path.relative_to(ROOT)}:{node.lineno}"
            message = node.args[0]
            if (
                isinstance(message, ast.Call)
                and getattr(message.func, "id", None) in ("Formatted", "N_")
                and message.args
            ):
                message = message.args[0]
            if isinstance(message, ast.Constant) and isinstance(message.value, str):
                checked += 1
                if message.value not in translated:
                    problems.append(f"{where}: not in the catalog: {message.value!r}")
            elif isinstance(message, ast.JoinedStr):
                checked += 1
                pattern = "".join(
                    re.escape(part.value) if isinstance(part, ast.Constant) else ".+"
                    for part in message.values
                )
                if not any(re.fullmatch(pattern, msgid) for msgid in translated):
                    problems.append(f"{where}: an f-string, use Formatted: {ast.unparse(message)}")
            elif isinstance(message, ast.Name):
                value = getattr(importlib.import_module(_module_of(path)), message.id, None)
                if isinstance(value, str):
                    checked += 1
                    if value not in translated:
                        problems.append(f"{where}: {message.id} is not in the catalog: {value!r}")
    assert checked > 120  # the services were really read
    assert problems == [], "\n".join(problems)


def test_api_errors_answer_in_the_language_of_accept_language(
    client: TestClient, db: Session
) -> None:
    german = client.get("/api/v1/threads/999999")
    assert german.status_code == 404
    assert german.json() == {"error": "not_found", "detail": "Dieses Thema gibt es nicht."}
    assert german.headers["content-language"] == "de"
    english = client.get("/api/v1/threads/999999", headers={"Accept-Language": "en-GB,de;q=0.5"})
    assert english.json() == {"error": "not_found", "detail": "This topic does not exist."}
    assert english.headers["content-language"] == "en"

    # 422 from a service, with a value of the request in it (a Formatted message).
    admin = make_user(db, nickname="Tokenmeister", role=Role.admin)
    sign_in(client, admin)
    refused = client.post(
        "/api/v1/admin/tokens",
        json={"name": "CRM", "scopes": ["kein:scope"]},
        headers={"Accept-Language": "en"},
    )
    assert refused.status_code == 422, refused.text
    assert refused.json()["detail"] == "Unknown permission: kein:scope"
    in_german = client.post("/api/v1/admin/tokens", json={"name": "CRM", "scopes": ["kein:scope"]})
    assert in_german.json()["detail"] == "Unbekannte Berechtigung: kein:scope"


def test_the_api_ignores_the_members_language_setting(client: TestClient, db: Session) -> None:
    """Pages follow a member's setting; the API follows only the request's header."""
    member = make_user(db, nickname="Englishman", locale="en")
    sign_in(client, member)
    german = client.get("/api/v1/threads/999999", headers={"Accept-Language": "de"})
    assert german.json()["detail"] == "Dieses Thema gibt es nicht."
    page = client.get("/t/999999/x", headers={"Accept-Language": "de"})
    assert "This topic does not exist." in page.text


def test_refusals_at_the_door_answer_in_the_language_too(anon: TestClient) -> None:
    """A NUL byte in the address and a body over the limit are refused before any route."""
    nul = anon.get("/api/v1/search?q=a%00b", headers={"Accept-Language": "en"})
    assert nul.status_code == 422
    assert nul.json()["detail"] == "The address contains a NUL character."
    assert nul.headers["content-language"] == "en"
    too_big = anon.post(
        "/api/v1/auth/login",
        content=b"x" * (get_settings().max_body_bytes + 1),
        headers={"Accept-Language": "en", "Content-Type": "application/json"},
    )
    assert too_big.status_code == 413
    assert too_big.json()["detail"].startswith("The request is larger than")
    german = anon.get("/api/v1/search?q=a%00b")
    assert german.json()["detail"] == "Die Adresse enthält ein NUL-Zeichen."
