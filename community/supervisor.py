"""`community serve --workers N` once its checks and migrations are done: uvicorn's supervisor
of the app processes, in a fresh interpreter that `serve` replaces itself with (same process
id, so signals from systemd, Docker or Kubernetes still reach it). The command line, the
ORM and Alembic, which the checks and migrations loaded, stay behind: 73 MiB of the
process's own memory before, what uvicorn and the settings need after (issue 21). The app
processes import the app themselves (community/asgi.py)."""

from __future__ import annotations

import sys


def main(argv: list[str]) -> None:
    host, port, workers = argv[0], int(argv[1]), int(argv[2])
    import uvicorn

    from community.config import get_settings
    from community.requestlog import configure_logging

    configure_logging(get_settings())
    # As `serve` with one process: our access line, uvicorn's loggers through our handler.
    uvicorn.run(
        "community.asgi:app",
        host=host,
        port=port,
        workers=workers,
        log_config=None,
        access_log=False,
    )


if __name__ == "__main__":
    main(sys.argv[1:])
