"""A database fault in the middle of a member's thread page leaves the shared store
(web/threadshare.py) usable and the next page right."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.exc import OperationalError

from community.forum import reading
from community.reputation import figures
from tests.factories import sign_in
from tests.pagecache.conftest import Scene


def _fault(*_: Any, **__: Any) -> Any:
    raise OperationalError("SELECT", {}, Exception("database is locked"))


@pytest.mark.parametrize("where", ["counts", "mark_read"])
def test_a_fault_mid_page_then_the_next_page(
    app, make_client, monkeypatch, scene: Scene, where
) -> None:
    client: TestClient = make_client()
    sign_in(client, scene.reader)
    good = client.get(scene.path).text
    app.state.thread_share.clear()
    app.state.post_fragments.clear()
    with monkeypatch.context() as m:
        if where == "counts":
            m.setattr(figures, "post_counts", _fault)
        else:
            m.setattr(reading, "mark_read", _fault)
        try:
            response = client.get(scene.path)
            status = response.status_code
        except OperationalError:
            status = "raised"
        print(where, "fault status", status, "store entries", len(app.state.thread_share))
        assert status in (503, "raised"), status
    again = client.get(scene.path)
    assert again.status_code == 200
    assert again.text == good
    other = make_client()
    sign_in(other, scene.helper)
    assert other.get(scene.path).status_code == 200
