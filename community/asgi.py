"""ASGI entry point for uvicorn with several workers: `uvicorn community.asgi:app`."""

from community.app import create_app

app = create_app()
