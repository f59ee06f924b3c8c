"""The one response shape of the API: `{status_code, message, data, error}`.

Routes declare `response_model=Envelope[T]` so that OpenAPI shows the real type of `data`, and
return `ok(...)`/`created(...)`. Error envelopes are built by the handlers in `core.errors` only.
"""

from __future__ import annotations

from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ConfigDict, Field

T = TypeVar("T")


class FieldError(BaseModel):
    """One failing field of a 422 (`error.details` is a list of these)."""

    field: str = Field(description="Dotted name of the field, e.g. `email` or `items.0.price`.")
    location: str = Field(description="Where the field is: `body`, `query`, `path` or `header`.")
    message: str = Field(description="Why the value was refused.")
    type: str = Field(description="Stable machine-readable reason, e.g. `missing`.")


class ErrorBody(BaseModel):
    code: str = Field(description="Stable upper-case error code, e.g. NOT_FOUND.", examples=["NOT_FOUND"])
    message: str = Field(description="Human-readable explanation.", examples=["Resource not found"])
    details: list[FieldError] | dict[str, Any] | None = Field(
        default=None,
        description="The failing fields of a 422; an object with context for other codes "
        "(e.g. `{resource, limit, used}` of a 402 PLAN_LIMIT_REACHED); else null.",
    )


class Envelope(BaseModel, Generic[T]):
    """Success envelope: `data` holds the payload and `error` is null."""

    model_config = ConfigDict(from_attributes=True)

    status_code: int = Field(examples=[200])
    message: str = Field(examples=["OK"])
    data: T | None = None
    error: ErrorBody | None = None


class ErrorEnvelope(BaseModel):
    """Error envelope: `data` is null and `error` says what went wrong."""

    status_code: int = Field(examples=[404])
    message: str = Field(examples=["Resource not found"])
    data: None = None
    error: ErrorBody


def ok(data: T, message: str = "OK", status_code: int = 200) -> Envelope[T]:
    return Envelope[T](status_code=status_code, message=message, data=data)


def created(data: T, message: str = "Created") -> Envelope[T]:
    return Envelope[T](status_code=201, message=message, data=data)


def error_body(status_code: int, code: str, message: str, details: Any = None) -> dict[str, Any]:
    """The error envelope as plain JSON-ready data (used by handlers and raw ASGI middleware)."""
    return {
        "status_code": status_code,
        "message": message,
        "data": None,
        "error": {"code": code, "message": message, "details": details},
    }
