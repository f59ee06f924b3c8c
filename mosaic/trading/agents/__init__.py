"""Agent catalogue: the AI models flows can run (admin-managed)."""
