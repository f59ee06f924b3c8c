"""Prompt shapes: templates an admin writes, private prompts a user writes, one output."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field, StrictBool

MAX_PROMPT_CHARS = 20_000
CATEGORY_PATTERN = r"^[a-z0-9_-]{1,64}$"


class PrivatePromptIn(BaseModel):
    """A user's own prompt: always private and created by them, so neither is a field here."""

    model_config = ConfigDict(extra="forbid")

    title: str = Field(min_length=1, max_length=200, examples=["My BTC momentum check"])
    description: str = Field(default="", max_length=2000)
    prompt: str = Field(min_length=1, max_length=MAX_PROMPT_CHARS, examples=["Summarise {symbol} momentum."])
    category: str = Field(default="general", pattern=CATEGORY_PATTERN, examples=["analysis"])


class PrivatePromptUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: str | None = Field(default=None, min_length=1, max_length=200)
    description: str | None = Field(default=None, max_length=2000)
    prompt: str | None = Field(default=None, min_length=1, max_length=MAX_PROMPT_CHARS)
    category: str | None = Field(default=None, pattern=CATEGORY_PATTERN)


class PromptIn(PrivatePromptIn):
    """A catalogue template (admin); `is_public=false` keeps it a draft only its creator sees."""

    is_public: StrictBool = True


class PromptUpdate(PrivatePromptUpdate):
    is_public: StrictBool | None = None


class PromptOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    title: str = Field(examples=["Market summary"])
    description: str
    prompt: str
    category: str = Field(examples=["analysis"])
    is_public: bool
    created_by: uuid.UUID | None
    created_at: datetime
    updated_at: datetime
