"""Mosaic: one FastAPI backend platform for several products on a shared core."""

__version__ = "0.1.0"
