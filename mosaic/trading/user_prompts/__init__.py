"""A user's custom prompts, optionally based on a template."""
