"""Accessibility and layout checks for a page open in Chromium: axe-core (the npm package,
installed by .ci/run into tests/browser/node_modules) at desktop and phone width, and no
horizontal scroll on the phone."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

AXE_ENV = "COMMUNITY_TEST_AXE"
AXE = Path(
    os.environ.get(AXE_ENV, Path(__file__).parent / "node_modules" / "axe-core" / "axe.min.js")
)
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
# What the team's bar counts as a failure; "minor" and "moderate" findings are reported by
# axe but do not fail the check.
BLOCKING = ("serious", "critical")


def axe_source() -> str:
    if not AXE.exists():
        pytest.skip(f"no axe-core at {AXE}: run `npm ci --prefix tests/browser` or set {AXE_ENV}")
    return AXE.read_text(encoding="utf-8")


def serious_violations(page: Any) -> list[str]:
    """axe-core's serious and critical findings on the page as it is now, one line each.
    The script is evaluated through the DevTools protocol, so the page's CSP (no inline
    script) stays as it is for the page itself."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(axe_source())
    # Only violations are read: axe then skips gathering every node that passed (about a
    # third of the time), and still reports each violation in full.
    result = page.evaluate(
        "async () => await window.axe.run(document, {resultTypes: ['violations']})"
    )
    return [
        f"{v['id']} ({v['impact']}): {v['help']} -- "
        + "; ".join(str(node["target"]) for node in v["nodes"][:3])
        for v in result["violations"]
        if v.get("impact") in BLOCKING
    ]


def horizontal_overflow(page: Any) -> int:
    """How many CSS pixels the page is wider than the window (0: no horizontal scroll)."""
    return int(
        page.evaluate("Math.max(0, document.documentElement.scrollWidth - window.innerWidth)")
    )


def check_page(page: Any, url: str) -> list[str]:
    """Open `url` at desktop width, check it, narrow the window to phone width and check it
    again (one page load: the layout follows the window as on a phone turned or a narrowed
    browser); every problem found, as text (empty: fine)."""
    problems: list[str] = []
    page.set_viewport_size(DESKTOP)
    page.goto(url)
    for name, size in (("1280 px", DESKTOP), ("390 px", PHONE)):
        page.set_viewport_size(size)
        problems += [f"{url} at {name}: {v}" for v in serious_violations(page)]
        if name == "390 px" and (extra := horizontal_overflow(page)):
            problems.append(f"{url} at 390 px scrolls sideways by {extra} px")
    return problems
