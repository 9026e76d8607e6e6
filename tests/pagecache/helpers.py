"""What the page cache's tests do as a member: a browser signed in, a page read."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from tests.factories import sign_in


def as_member(make_client: Any, user: Any) -> TestClient:
    """A new browser, signed in as `user`."""
    client: TestClient = make_client()
    sign_in(client, user)
    return client


def page_text(client: TestClient, path: str) -> str:
    """The page at `path`, which must answer 200."""
    response = client.get(path)
    assert response.status_code == 200, response.text
    return response.text
