"""The README's "For integrators" examples run as they stand there: the event-feed pager
against the forum with a real token, the Python webhook check in-process against a real
signed delivery of the forum's worker, and the Node one with `node` against the same
delivery. A tampered body, an old timestamp or a wrong secret are refused by both."""

from __future__ import annotations

import base64
import json
import re
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import Session

from community.accounts import service as accounts
from community.accounts.models import Role
from community.config import get_settings
from community.jobs.worker import Worker
from tests.factories import make_category, make_thread, make_user, sign_in
from tests.webhooks.receiver import Received, Receiver

README = Path(__file__).resolve().parents[2] / "README.md"
BLOCK = re.compile(r"```(python|js)\n(.*?)```", re.S)


def _example(first_line: str) -> str:
    section = README.read_text().split("## For integrators", 1)[1].split("\n## ", 1)[0]
    [code] = [c for _lang, c in BLOCK.findall(section) if c.startswith(first_line)]
    return code


def _load(first_line: str) -> dict[str, Any]:
    namespace: dict[str, Any] = {"__name__": "readme_example"}
    exec(compile(_example(first_line), first_line, "exec"), namespace)  # noqa: S102
    return namespace


@pytest.fixture
def receiver(monkeypatch: pytest.MonkeyPatch) -> Iterator[Receiver]:
    monkeypatch.setattr(get_settings(), "webhooks_allow_private", True)  # a loopback receiver
    r = Receiver().start()
    yield r
    r.stop()


@pytest.fixture
def delivery(
    client: TestClient, db: Session, engine: Engine, receiver: Receiver
) -> tuple[str, Received]:
    """The endpoint's secret and one real delivery of `thread.created`, signed by the forum."""
    admin = make_user(db, role=Role.admin, staff=True)
    sign_in(client, admin)
    created = client.post(
        "/api/v1/admin/webhooks", json={"url": receiver.url, "event_types": ["thread.created"]}
    )
    assert created.status_code == 201, created.text
    make_thread(db, author=make_user(db), category=make_category(db), title="VPN bricht ab")
    db.commit()
    Worker(engine).run_until_empty()
    [received] = receiver.received
    return created.json()["secret"], received


def _tampered(received: Received) -> list[tuple[str, dict[str, str], bytes]]:
    """(why, headers, body) that a receiver must refuse."""
    old = {**received.headers, "webhook-timestamp": str(int(time.time()) - 3600)}
    return [
        ("body", received.headers, received.body.replace(b"VPN", b"VPX")),
        ("timestamp", old, received.body),
        (
            "no signature",
            {k: v for k, v in received.headers.items() if k.lower() != "webhook-signature"},
            received.body,
        ),
    ]


def test_the_python_webhook_check_accepts_the_forum_and_refuses_forgeries(
    delivery: tuple[str, Received],
) -> None:
    secret, received = delivery
    verify = _load("# verify_webhook.py")["verify_webhook"]
    event = verify(secret, received.headers, received.body)
    assert event["type"] == "thread.created" and event["data"]["title"] == "VPN bricht ab"
    for _why, headers, body in _tampered(received):
        with pytest.raises(ValueError, match=r"signature|timestamp"):
            verify(secret, headers, body)
    other = "whsec_" + base64.b64encode(b"another endpoint's key 32 bytes.").decode()
    with pytest.raises(ValueError, match="signature"):
        verify(other, received.headers, received.body)


NODE_RUNNER = """
const { verifyWebhook } = require(process.argv[2]);
const cases = JSON.parse(require("node:fs").readFileSync(0, "utf8"));
const answers = cases.map(([secret, headers, body]) => {
  try {
    return verifyWebhook(secret, headers, Buffer.from(body, "base64")).type;
  } catch (error) {
    return "refused: " + error.message;
  }
});
console.log(JSON.stringify(answers));
"""


def test_the_node_webhook_check_accepts_the_forum_and_refuses_forgeries(
    delivery: tuple[str, Received], tmp_path: Path
) -> None:
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed (apt-get install nodejs runs this test)")
    secret, received = delivery
    (tmp_path / "verify-webhook.js").write_text(_example("// verify-webhook.js"))
    (tmp_path / "run.js").write_text(NODE_RUNNER)

    def lower(headers: dict[str, str]) -> dict[str, str]:  # as Node's http module gives them
        return {k.lower(): v for k, v in headers.items()}

    cases = [(secret, lower(received.headers), received.body)]
    cases += [(secret, lower(h), b) for _why, h, b in _tampered(received)]
    cases += [
        ("whsec_" + base64.b64encode(b"x" * 32).decode(), lower(received.headers), received.body)
    ]
    done = subprocess.run(
        [node, str(tmp_path / "run.js"), str(tmp_path / "verify-webhook.js")],
        input=json.dumps([[s, h, base64.b64encode(b).decode()] for s, h, b in cases]),
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    first, *refused = json.loads(done.stdout)
    assert first == "thread.created"
    assert len(refused) == 4 and all(a.startswith("refused: ") for a in refused), refused


def test_the_event_pager_reads_every_event_once_and_returns_the_cursor_to_keep(
    app: Any, db: Session
) -> None:
    board = make_category(db)
    for n in range(5):
        make_thread(db, author=make_user(db), category=board, title=f"Eine Frage Nummer {n}")
    _token, raw = accounts.create_api_token(db, name="CRM", scopes=["events:read"], created_by=None)
    db.commit()
    pull_events = _load("# pull_events.py")["pull_events"]
    seen: list[dict[str, Any]] = []
    with TestClient(app, headers={"Authorization": f"Bearer {raw}"}) as client:
        cursor = pull_events(client, 0, seen.append)
        assert [e["id"] for e in seen] == sorted({e["id"] for e in seen})
        assert sum(e["type"] == "thread.created" for e in seen) == 5
        assert cursor == seen[-1]["id"]
        # a later run from the stored cursor gets only what is new
        make_thread(db, author=make_user(db), category=board, title="Eine neue Frage")
        db.commit()
        later: list[dict[str, Any]] = []
        assert pull_events(client, cursor, later.append) > cursor
        assert [e["payload"]["title"] for e in later if e["type"] == "thread.created"] == [
            "Eine neue Frage"
        ]
