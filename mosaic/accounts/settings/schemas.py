from __future__ import annotations

import json
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool, field_validator

from mosaic.core.params import Timezone

Theme = Literal["light", "dark", "system"]
MAX_PREFERENCES_BYTES = 16 * 1024


class SettingsUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    preferences: dict[str, Any] | None = Field(default=None, examples=[{"default_symbol": "BTC/USDT"}])
    notifications_enabled: StrictBool | None = None
    email_notifications: StrictBool | None = None
    theme: Theme | None = None
    locale: str | None = Field(default=None, pattern=r"^[a-z]{2}(-[A-Z]{2})?$", examples=["es"])
    timezone: Timezone | None = Field(
        default=None,
        description="IANA time zone of my local days (streaks, study time by day).",
        examples=["Europe/Madrid"],
    )

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
