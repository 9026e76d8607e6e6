"""`community serve --workers N` once its checks and migrations are done: uvicorn's supervisor
of the app processes, in a fresh interpreter that `serve` replaces itself with (same process
id, so signals from systemd, Docker or Kubernetes still reach it). The command line, the
ORM and Alembic, which the checks and migrations loaded, stay behind: 73 MiB of the
process's own memory before, what uvicorn and the settings need after (issue 21). The app
processes import the app themselves (community/asgi.py)."""

from __future__ import annotations

import sys
from typing import Any

# What `serve` gives uvicorn, with one app process or several: our own access line
# (community.access) names the route, not the path with its query (which may hold a token);
# uvicorn's loggers go through our handler; and no WebSockets, which the forum does not
# serve (their library was ~1.7 MiB of each app process's own memory, issue 21).
SERVER_OPTIONS: dict[str, Any] = {"log_config": None, "access_log": False, "ws": "none"}


def main(argv: list[str]) -> None:
    host, port, workers = argv[0], int(argv[1]), int(argv[2])
    import uvicorn

    from community.config import get_settings
    from community.requestlog import configure_logging

    configure_logging(get_settings())
    uvicorn.run("community.asgi:app", host=host, port=port, workers=workers, **SERVER_OPTIONS)


if __name__ == "__main__":
    main(sys.argv[1:])
