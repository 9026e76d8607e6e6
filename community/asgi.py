"""ASGI entry point for uvicorn with several workers: `uvicorn community.asgi:app`."""

from community import memory

memory.limit_arenas()  # before the imports allocate

from community.app import create_app  # noqa: E402
from community.config import get_settings  # noqa: E402
from community.requestlog import configure_logging  # noqa: E402

# Each worker process is started afresh (spawn) and sets up its own log handler.
configure_logging(get_settings())
app = create_app()
