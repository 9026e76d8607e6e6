"""The store a member's thread page keeps its parts in, per process (issue 21): the posts'
rendered articles and the page's shell (web/fragments.py, web/thread_shell.py), and the rows
every member is shown alike (web/threadshare.py), each store bounded by its own bytes.

Least recently used first out; an entry also ages out after COMMUNITY_PAGE_CACHE_SECONDS,
as writes through a bare connection do not change the version of the pages its keys hold.
Shared by the request threads: every access takes the lock."""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Hashable

_ENTRY_OVERHEAD = 200  # the key and the bookkeeping, roughly


class KeptStore:
    def __init__(self, max_bytes: int, max_age: float) -> None:
        self.max_bytes = max_bytes
        self.max_age = max_age
        self.used = 0
        self._entries: OrderedDict[Hashable, tuple[object, float, int]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable) -> object | None:
        return self.get_many([key])[0]

    def get_many(self, keys: list[Hashable]) -> list[object | None]:
        """The entries of `keys`, in one turn of the lock (a page's posts)."""
        found: list[object | None] = []
        with self._lock:
            oldest = time.monotonic() - self.max_age
            for key in keys:
                entry = self._entries.get(key)
                if entry is not None and entry[1] < oldest:
                    self._drop(key)
                    entry = None
                if entry is not None:
                    self._entries.move_to_end(key)
                found.append(None if entry is None else entry[0])
        return found

    def put(self, key: Hashable, value: object, size: int | None = None) -> None:
        """Keeps `value`; `size`: its bytes, estimated by the caller, or None for a text or
        a tuple of texts (counted by their length)."""
        if size is None:
            assert isinstance(value, str | tuple), "a size is needed for other values"
            size = len(value) if isinstance(value, str) else sum(map(len, value))
        size += _ENTRY_OVERHEAD
        if size > self.max_bytes:
            return
        with self._lock:
            if key in self._entries:
                self._drop(key)
            self._entries[key] = (value, time.monotonic(), size)
            self.used += size
            while self.used > self.max_bytes:
                self._drop(next(iter(self._entries)))

    def _drop(self, key: Hashable) -> None:
        self.used -= self._entries.pop(key)[2]

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self.used = 0

    def __len__(self) -> int:
        return len(self._entries)
