"""A real HTTP receiver on loopback that verifies every delivery with standardwebhooks."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from standardwebhooks import Webhook


@dataclass
class Received:
    headers: dict[str, str]
    body: bytes
    at: float
    payload: Any = None


@dataclass
class Receiver:
    host: str = "127.0.0.1"
    secret: str | None = None
    received: list[Received] = field(default_factory=list)
    # (status, headers) answered in turn; afterwards 200.
    answers: list[tuple[int, dict[str, str]]] = field(default_factory=list)
    server: ThreadingHTTPServer | None = None
    arrived: threading.Event = field(default_factory=threading.Event)

    @property
    def url(self) -> str:
        assert self.server is not None
        return f"http://{self.host}:{self.server.server_address[1]}/hook"

    def verified(self) -> list[Any]:
        """Every delivery, verified with the endpoint's secret (raises if one is not)."""
        assert self.secret, "set receiver.secret to the endpoint's secret first"
        hook = Webhook(self.secret)
        return [hook.verify(r.body, r.headers) for r in self.received]

    def start(self) -> Receiver:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("content-length", 0)))
                receiver.received.append(
                    Received(dict(self.headers.items()), body, time.perf_counter())
                )
                status, headers = receiver.answers.pop(0) if receiver.answers else (200, {})
                self.send_response(status)
                for k, v in headers.items():
                    self.send_header(k, v)
                self.send_header("content-length", "0")
                self.end_headers()
                receiver.arrived.set()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer((self.host, 0), Handler)
        # shutdown() waits for the loop's next look at its flag: every half second by default,
        # which every test with a receiver paid at its end.
        threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        ).start()
        return self

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
