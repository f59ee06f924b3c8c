"""Flows: a user's ordered chain of (prompt, agent) steps, run as a background job."""
