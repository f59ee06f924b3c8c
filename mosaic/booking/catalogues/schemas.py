"""Equipment types and badges: the two admin catalogues studios pick from."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field


class EquipmentTypeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=100, examples=["Microphone"])
    description: str = Field(default="", max_length=500, examples=["Dynamic and condenser microphones"])
    is_active: bool = True


class EquipmentTypeUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(default=None, min_length=1, max_length=100, examples=["Microphones"])
    description: str | None = Field(default=None, max_length=500)
    is_active: bool | None = None


class EquipmentTypeOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    name: str = Field(examples=["Microphone"])
    description: str = Field(examples=["Dynamic and condenser microphones"])
    is_active: bool
    created_at: datetime
    updated_at: datetime


class BadgeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=100, examples=["WiFi"])
    icon: str = Field(default="", max_length=64, pattern=r"^[a-z0-9_-]*$", examples=["wifi"])
    is_active: bool = True


class BadgeUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(default=None, min_length=1, max_length=100, examples=["Free WiFi"])
    icon: str | None = Field(default=None, max_length=64, pattern=r"^[a-z0-9_-]*$")
    is_active: bool | None = None


class BadgeOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    name: str = Field(examples=["WiFi"])
    icon: str = Field(examples=["wifi"])
    is_active: bool
    created_at: datetime
    updated_at: datetime
