"""The C allocator's share of a process's memory (glibc's malloc; elsewhere nothing is done).

glibc gives each thread that allocates its own arena, up to eight per core: the request
threads of an app process (anyio's pool) each fragmented one of their own, ~15 MiB more per
process after a load test (issue 21, benchmarks/pages.py). Two arenas cost no measurable
speed there, since the threads take turns at the interpreter's lock anyway. What start-up
allocated and freed again (templates compiled, catalogs parsed, warm-up pages rendered) is
handed back to the system once, before the process serves."""

from __future__ import annotations

import ctypes
import os
import sys
from functools import cache

ARENAS = 2
_M_ARENA_MAX = -8  # <malloc.h>


@cache
def _glibc() -> ctypes.CDLL | None:
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL("libc.so.6")  # musl (Alpine) has another name and no malloc_trim
    except OSError:
        return None
    if not hasattr(libc, "mallopt") or not hasattr(libc, "malloc_trim"):
        return None
    return libc


def limit_arenas() -> None:
    """At most ARENAS malloc arenas for the threads started from now on, unless the
    environment sets MALLOC_ARENA_MAX itself (glibc reads that at the process's start)."""
    libc = _glibc()
    if libc is not None and "MALLOC_ARENA_MAX" not in os.environ:
        libc.mallopt(_M_ARENA_MAX, ARENAS)


def trim() -> None:
    """Return the free memory at the heaps' ends and their free pages to the system."""
    libc = _glibc()
    if libc is not None:
        libc.malloc_trim(0)
