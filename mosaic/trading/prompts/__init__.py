"""Prompts: public templates (admin-managed) and a user's own private prompts."""
