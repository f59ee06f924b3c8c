from __future__ import annotations

import functools
import json
from datetime import datetime
from typing import Any, Literal
from zoneinfo import available_timezones

from pydantic import BaseModel, ConfigDict, Field, StrictBool, field_validator

Theme = Literal["light", "dark", "system"]
MAX_PREFERENCES_BYTES = 16 * 1024


@functools.cache
def _zones() -> frozenset[str]:
    """The IANA zone names the system's tz database has (read once)."""
    return frozenset(available_timezones())


class SettingsUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    preferences: dict[str, Any] | None = Field(default=None, examples=[{"default_symbol": "BTC/USDT"}])
    notifications_enabled: StrictBool | None = None
    email_notifications: StrictBool | None = None
    theme: Theme | None = None
    locale: str | None = Field(default=None, pattern=r"^[a-z]{2}(-[A-Z]{2})?$", examples=["es"])
    timezone: str | None = Field(
        default=None,
        max_length=64,
        description="IANA time zone of my local days (streaks, study time by day).",
        examples=["Europe/Madrid"],
    )

    @field_validator("timezone")
    @classmethod
    def _iana(cls, value: str | None) -> str | None:
        if value is not None and value not in _zones():
            raise ValueError("timezone must be an IANA time zone name, e.g. Europe/Madrid")
        return value

    @field_validator("preferences")
    @classmethod
    def _bounded(cls, value: dict[str, Any] | None) -> dict[str, Any] | None:
        if value is not None and len(json.dumps(value)) > MAX_PREFERENCES_BYTES:
            raise ValueError(f"preferences must serialise to at most {MAX_PREFERENCES_BYTES} bytes")
        return value


class SettingsOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    preferences: dict[str, Any]
    notifications_enabled: bool
    email_notifications: bool
    theme: Theme = Field(examples=["system"])
    locale: str = Field(examples=["en"])
    timezone: str = Field(examples=["Europe/Madrid"])
    updated_at: datetime
