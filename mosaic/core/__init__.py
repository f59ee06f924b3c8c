"""The shared core every domain stands on."""
