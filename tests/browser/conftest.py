"""Headless Chromium against the application in a real uvicorn server on loopback.

They run on SQLite; on PostgreSQL too only where no test without a browser covers what the
journey stores and queries there (each sqlite_only mark here names those tests)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI

from community.config import get_settings
from tests.liveserver import serving

CHROMIUM_ENV = "COMMUNITY_TEST_CHROMIUM"
CHROMIUM = os.environ.get(CHROMIUM_ENV, "/usr/bin/chromium")
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts"


@pytest.fixture
def live_server(app: FastAPI, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    with serving(app, log_level="warning") as base:
        # Links in mails and canonical URLs point at this server.
        monkeypatch.setattr(get_settings(), "public_url", base)
        yield base


class CspWatch:
    """Collects what Chromium reports about the Content-Security-Policy and page errors."""

    def __init__(self) -> None:
        self.problems: list[str] = []

    def attach(self, page) -> None:  # type: ignore[no-untyped-def]
        def on_console(msg) -> None:  # type: ignore[no-untyped-def]
            # A 404 page logs "Failed to load resource"; that is the page working, not a fault.
            if "Content Security Policy" in msg.text or (
                msg.type == "error" and "Failed to load resource" not in msg.text
            ):
                self.problems.append(msg.text)

        page.on("console", on_console)
        page.on("pageerror", lambda exc: self.problems.append(str(exc)))


@pytest.fixture
def new_page(browser, live_server):  # type: ignore[no-untyped-def]
    """new_page(**context_options) -> (page, watch); German unless a locale is given."""
    contexts = []

    def make(**options):  # type: ignore[no-untyped-def]
        options.setdefault("locale", "de-DE")
        options.setdefault("viewport", {"width": 1280, "height": 900})
        context = browser.new_context(base_url=live_server, **options)
        context.set_default_timeout(10_000)
        contexts.append(context)
        page = context.new_page()
        watch = CspWatch()
        watch.attach(page)
        return page, watch

    yield make
    for context in contexts:
        context.close()


def shoot(page, name: str) -> None:  # type: ignore[no-untyped-def]
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
