"""The one headless Chromium of a test process, shared by every browser test (tests/browser,
tests/sso). Defined once, in the root conftest: a session fixture imported into two
conftests would start a second Playwright, which refuses to run beside the first."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.browser.conftest import ARGS, CHROMIUM, CHROMIUM_ENV


@pytest.fixture(scope="session")
def browser():  # type: ignore[no-untyped-def]
    if not Path(CHROMIUM).exists():
        pytest.skip(f"no Chromium at {CHROMIUM}; install Debian's chromium or set {CHROMIUM_ENV}")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        yield chromium
        chromium.close()
