"""Importing a MongoDB export into Mosaic's tables (`mosaic legacy import-mongo`)."""
