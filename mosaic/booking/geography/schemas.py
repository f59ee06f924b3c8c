"""Country and city shapes."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from mosaic.core.params import Timezone


class CountryOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    code: str = Field(examples=["PT"])
    alpha3: str = Field(examples=["PRT"])
    name: str = Field(examples=["Portugal"])


class CityIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=100, examples=["Lisbon"])
    country_code: str = Field(min_length=2, max_length=2, pattern=r"^[A-Za-z]{2}$", examples=["PT"])
    timezone: Timezone
    lat: float = Field(ge=-90, le=90, examples=[38.7223])
    lng: float = Field(ge=-180, le=180, examples=[-9.1393])


class CityUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(default=None, min_length=1, max_length=100, examples=["Lisboa"])
    timezone: Timezone | None = None
    lat: float | None = Field(default=None, ge=-90, le=90)
    lng: float | None = Field(default=None, ge=-180, le=180)


class CityOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    name: str = Field(examples=["Lisbon"])
    country_code: str = Field(examples=["PT"])
    timezone: str = Field(examples=["Europe/Lisbon"])
    lat: float = Field(examples=[38.7223])
    lng: float = Field(examples=[-9.1393])
    created_at: datetime
    updated_at: datetime
