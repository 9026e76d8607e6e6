"""ASGI entry point for uvicorn with several workers: `uvicorn community.asgi:app`."""

from community.app import create_app
from community.config import get_settings
from community.requestlog import configure_logging

# Each worker process is started afresh (spawn) and sets up its own log handler.
configure_logging(get_settings())
app = create_app()
