"""A mock of the documented API: the examples of `docs/api` served at their documented paths."""
