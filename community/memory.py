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
# Blocks from this size up get their own mapping, handed back to the system when freed.
# glibc raises its threshold (128 KiB at first) to the size of each such block freed, up to
# 32 MiB, after which large blocks come from the heaps and stay with the process: fixed, the
# app process's own memory is ~1.5 MiB smaller after start-up and after a load test.
MMAP_THRESHOLD = 128 * 1024
_M_ARENA_MAX = -8  # <malloc.h>
_M_MMAP_THRESHOLD = -3


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
    """At most ARENAS malloc arenas for the threads started from now on, and the fixed
    MMAP_THRESHOLD, unless the environment sets MALLOC_ARENA_MAX or MALLOC_MMAP_THRESHOLD_
    itself (glibc reads those at the process's start). Best called before the imports."""
    libc = _glibc()
    if libc is None:
        return
    if "MALLOC_ARENA_MAX" not in os.environ:
        libc.mallopt(_M_ARENA_MAX, ARENAS)
    if "MALLOC_MMAP_THRESHOLD_" not in os.environ:
        libc.mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD)


def trim() -> None:
    """Return the free memory at the heaps' ends and their free pages to the system."""
    libc = _glibc()
    if libc is not None:
        libc.malloc_trim(0)
