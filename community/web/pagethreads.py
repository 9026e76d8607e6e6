"""How many thread pages one app process computes at once (issue 21).

A member's thread page takes ~1.5 ms of CPU in a request thread and gives up the
interpreter's lock at each statement. With each waiting request in a thread of its own
(anyio's pool has 40), the threads and the event loop took turns at the lock, a turn back
waiting up to the 5 ms switch interval while another thread computed: a page's time grew
with the number at once, in pauses that came in clusters (p99 3.2-4.6 times the p50 at 16
connections, benchmarks/pages.py, timed in the server too). Two at a time on SQLite, whose
statements read the system's page cache without waiting, gave p99/p50 2.0-2.1 and less
CPU per page (1.44 against 1.69 ms, more pages per second); the others wait in the event
loop, in the order they came. On PostgreSQL, whose statements wait for the server, two
as well: with four the member's page was 4.7-5.2 % of /healthz (2.7-2.9 ms of CPU), with
two 5.6-5.7 % (2.7-2.8 ms), with eight 3.6 % (3.4 ms; `pages.py --postgres`, two runs each).
The pages the page cache does not answer (a visitor's first, a closed board's) take turns
as well.

The turns shape the load, they never refuse it: a page whose turn has not come within
WAIT_SECONDS (under load the wait is a few milliseconds) is computed beside the others, as
before. Pages that hold their turns while they wait for the database (a read mark written
while another writer holds SQLite's lock, a database that hangs) must not hold up the
pages behind them: those answer as they would without the turns, or with the database's
own 503 after its timeouts."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import anyio
from anyio.lowlevel import RunVar
from starlette.concurrency import run_in_threadpool

AT_ONCE = 2
WAIT_SECONDS = 0.25

T = TypeVar("T")
# One per event loop (an app process has one; the tests' clients each their own).
_TURNS: RunVar[anyio.CapacityLimiter] = RunVar("community_page_turns")


async def run(compute: Callable[..., T], *args: Any) -> T:
    """`compute(*args)` in a request thread, when a turn is free or WAIT_SECONDS passed."""
    turns = _turns()
    got = False
    with anyio.move_on_after(WAIT_SECONDS):
        await turns.acquire()
        got = True
    try:
        return await run_in_threadpool(compute, *args)
    finally:
        if got:
            turns.release()


def _turns() -> anyio.CapacityLimiter:
    try:
        return _TURNS.get()
    except LookupError:
        turns = anyio.CapacityLimiter(AT_ONCE)
        _TURNS.set(turns)
        return turns
