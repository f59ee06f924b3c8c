"""The study domain's 422s name the field they refuse, in the shape of a validation error."""

from __future__ import annotations

from typing import Any


def field_details(
    field: str, message: str, code: str, location: str = "body", **extra: Any
) -> list[dict[str, Any]]:
    """`error.details` of a 422 business refusal: one `FieldError` (plus context in `extra`)."""
    return [{"field": field, "location": location, "message": message, "type": code.lower(), **extra}]
