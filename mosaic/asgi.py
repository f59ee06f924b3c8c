"""ASGI entry point for uvicorn and gunicorn: `mosaic.asgi:app`."""

from mosaic.main import create_app

app = create_app()
