"""The catalogue tables live with the studios (`studios/models.py`); this names their live filter."""

from __future__ import annotations

from typing import Any


def live_active(model: Any) -> list[Any]:
    """A catalogue entry studios may use: not deleted, active."""
    return [model.is_deleted.is_(False), model.is_active.is_(True)]
