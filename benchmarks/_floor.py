"""The stack's floor under issue 21's memory goal: what an app process of these libraries
holds before any of the forum's code, data or caches (benchmarks/pages.py starts it beside
the forum and loads it as the forum's /healthz).

    python benchmarks/_floor.py modules PORT   # serve; `modules` lists one module a line
    python benchmarks/_floor.py probe          # print the modules an app process imports

`probe` imports the app and runs its start-up (templates, warm-up, search reader) as an
app process does, then prints every module loaded that is not the forum's own: the
libraries and the standard library's modules they and the forum use. `serve` imports exactly
those, with the app processes' malloc settings (community/memory.py), and serves one
FastAPI route under uvicorn with the options `community serve` gives it."""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import json
import os
import sys
from typing import Any

OURS = ("community", "search", "__main__", "_floor")


def probe() -> None:
    from community.asgi import app

    async def start_and_stop() -> None:
        async with app.router.lifespan_context(app):
            pass

    asyncio.run(start_and_stop())
    # uvicorn, and what it loads to serve, the floor's own server imports as the app's does.
    ours = [m for m in sys.modules if m.split(".")[0] in OURS]
    print(json.dumps(sorted(set(sys.modules) - set(ours))))


def serve(modules_file: str, port: int) -> None:
    # As community/memory.py sets them for the app processes (glibc reads these at start).
    assert os.environ.get("MALLOC_ARENA_MAX") == "2", "started by benchmarks/pages.py"
    with open(modules_file) as listed:
        modules = json.load(listed)
    for name in modules:
        # A module that only its parent's import can create (e.g. a compiled submodule).
        with contextlib.suppress(Exception):
            importlib.import_module(name)
    import gc

    import uvicorn
    from fastapi import FastAPI
    from fastapi.responses import PlainTextResponse

    app = FastAPI()

    @app.get("/healthz", response_class=PlainTextResponse)
    def healthz() -> str:
        return "ok"

    gc.collect()
    gc.freeze()
    uvicorn.run(app, host="127.0.0.1", port=port, **_server_options())


def _server_options() -> dict[str, Any]:
    """What `community serve` gives uvicorn; in a tree from before SERVER_OPTIONS (when two
    trees are compared), what it gave then."""
    try:
        from community import supervisor
    except ImportError:
        supervisor = None  # type: ignore[assignment]
    before: dict[str, Any] = {"log_config": None, "access_log": False}
    return dict(getattr(supervisor, "SERVER_OPTIONS", before))


if __name__ == "__main__":
    if sys.argv[1] == "probe":
        probe()
    else:
        serve(sys.argv[1], int(sys.argv[2]))
