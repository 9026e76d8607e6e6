"""Upkeep of the embedded index folder: what a killed writer left behind, and whether
writes can succeed at all (a read-only folder, a full disk)."""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
import time
from pathlib import Path

PROBE = ".write-probe"
PROBE_BYTES = 64 * 1024
PROBE_EVERY_SECONDS = 2.0


def remove_orphans(path: Path, current: str | None, current_file: str) -> list[str]:
    """Remove build folders CURRENT does not name and half-written CURRENT files: a writer
    killed during a reindex leaves them. Only the writer calls this, so no build of
    another process is under way."""
    removed: list[str] = []
    if not path.is_dir():
        return removed
    for child in path.iterdir():
        orphan_build = child.is_dir() and child.name.startswith("v") and child.name != current
        orphan_tmp = child.is_file() and child.name.startswith(f"{current_file}.")
        if orphan_build or orphan_tmp:
            if child.is_dir():
                shutil.rmtree(child, ignore_errors=True)
            else:
                child.unlink(missing_ok=True)
            removed.append(child.name)
    return removed


def write_problem(folder: Path) -> str | None:
    """Why a write into `folder` would fail now ("read-only", "disk full", ...), or None.
    A small file is written and removed: the only test that sees both a read-only mount or
    permission and a full disk."""
    if not folder.is_dir():
        return None
    probe = folder / f"{PROBE}.{os.getpid()}"
    try:
        with open(probe, "wb") as f:
            f.write(b"\0" * PROBE_BYTES)
            f.flush()
            os.fsync(f.fileno())
    except OSError as exc:
        return _describe(exc)
    finally:
        with contextlib.suppress(OSError):
            probe.unlink(missing_ok=True)
    return None


def _describe(exc: OSError) -> str:
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return "disk full"
    if exc.errno in (errno.EROFS, errno.EACCES, errno.EPERM):
        return "read-only"
    return exc.strerror or type(exc).__name__


class WriteHealth:
    """The last write's failure (the writer's view) and a probe, cached for a moment, so
    that every search page can ask."""

    def __init__(self) -> None:
        self.last_error: str | None = None
        self._probed_at = 0.0
        self._probe: str | None = None

    def failed(self, exc: BaseException) -> None:
        self.last_error = _describe(exc) if isinstance(exc, OSError) else str(exc) or "error"
        self._probed_at = 0.0

    def succeeded(self) -> None:
        self.last_error = None

    def problem(self, folder: Path) -> str | None:
        now = time.monotonic()
        if now - self._probed_at >= PROBE_EVERY_SECONDS:
            self._probe = write_problem(folder)
            self._probed_at = now
        return self._probe or self.last_error
