"""Custom prompt shapes; the owner comes from the token, never from the body."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from mosaic.trading.prompts.schemas import MAX_PROMPT_CHARS


class UserPromptIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    prompt_id: uuid.UUID | None = Field(
        default=None, description="The template it is based on: a public prompt or one of mine."
    )
    title: str = Field(min_length=1, max_length=200, examples=["BTC morning brief"])
    description: str = Field(default="", max_length=2000)
    prompt: str = Field(min_length=1, max_length=MAX_PROMPT_CHARS, examples=["Summarise BTC/USDT overnight."])


class UserPromptUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    prompt_id: uuid.UUID | None = None
    title: str | None = Field(default=None, min_length=1, max_length=200)
    description: str | None = Field(default=None, max_length=2000)
    prompt: str | None = Field(default=None, min_length=1, max_length=MAX_PROMPT_CHARS)


class UserPromptOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    prompt_id: uuid.UUID | None
    title: str
    description: str
    prompt: str
    created_at: datetime
    updated_at: datetime
