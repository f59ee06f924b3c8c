"""Room shapes: the room, its tier list and a price quote."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, WithJsonSchema, field_validator, model_validator

from mosaic.booking.common import PositivePrice, PriceOut
from mosaic.booking.studios.schemas import PhotoOut

MAX_HOURS = 24
# The booking grid in minutes; its bounds are stated too, as for every numeric input.
SlotStep = Annotated[
    Literal[30, 60], WithJsonSchema({"type": "integer", "enum": [30, 60], "minimum": 30, "maximum": 60})
]


class RoomFields(BaseModel):
    @model_validator(mode="after")
    def _hours_ordered(self) -> Self:
        low, high = getattr(self, "min_hours", None), getattr(self, "max_hours", None)
        if low is not None and high is not None and high < low:
            raise ValueError("max_hours cannot be less than min_hours")
        return self


class RoomIn(RoomFields):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=150, examples=["Live room A"])
    description: str = Field(default="", max_length=5000, examples=["35 square metres, drum kit, PA."])
    capacity: int = Field(ge=1, le=1000, examples=[6])
    min_hours: int = Field(default=1, ge=1, le=MAX_HOURS, examples=[1])
    max_hours: int = Field(default=8, ge=1, le=MAX_HOURS, examples=[8])
    buffer_minutes: int = Field(
        default=0, ge=0, le=240, examples=[15], description="Kept free between bookings."
    )
    slot_step_minutes: SlotStep = Field(default=60, examples=[60], description="Bookings start on this grid.")


class RoomUpdate(RoomFields):
    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(default=None, min_length=1, max_length=150, examples=["Live room B"])
    description: str | None = Field(default=None, max_length=5000)
    capacity: int | None = Field(default=None, ge=1, le=1000)
    min_hours: int | None = Field(default=None, ge=1, le=MAX_HOURS)
    max_hours: int | None = Field(default=None, ge=1, le=MAX_HOURS)
    buffer_minutes: int | None = Field(default=None, ge=0, le=240)
    slot_step_minutes: SlotStep | None = None


class Tier(BaseModel):
    model_config = ConfigDict(extra="forbid")

    hours: int = Field(ge=1, le=MAX_HOURS, examples=[3])
    price: PositivePrice = Field(examples=["120.00"])


class TierOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    hours: int = Field(examples=[3])
    price: PriceOut = Field(examples=["120.00"])


class TiersIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    tiers: list[Tier] = Field(
        max_length=MAX_HOURS,
        examples=[
            [{"hours": 1, "price": "50.00"}, {"hours": 3, "price": "120.00"}, {"hours": 8, "price": "280.00"}]
        ],
    )

    @field_validator("tiers")
    @classmethod
    def _one_tier_per_length(cls, value: list[Tier]) -> list[Tier]:
        lengths = [tier.hours for tier in value]
        if len(lengths) != len(set(lengths)):
            raise ValueError("one tier per number of hours")
        return sorted(value, key=lambda tier: tier.hours)


class RoomOut(BaseModel):
    id: uuid.UUID
    studio_id: uuid.UUID
    name: str = Field(examples=["Live room A"])
    description: str = Field(examples=["35 square metres, drum kit, PA."])
    capacity: int = Field(examples=[6])
    min_hours: int = Field(examples=[1])
    max_hours: int = Field(examples=[8])
    buffer_minutes: int = Field(examples=[15])
    slot_step_minutes: int = Field(examples=[60])
    currency: str = Field(examples=["EUR"])
    tiers: list[TierOut]
    cheapest_hourly_price: PriceOut | None = Field(examples=["35.00"])
    bookable_lengths: list[int] = Field(
        examples=[[1, 2, 3, 4, 5, 6, 7, 8]], description="Hours the tiers can price."
    )
    photos: list[PhotoOut]
    created_at: datetime
    updated_at: datetime


class TierUse(BaseModel):
    hours: int = Field(examples=[3])
    count: int = Field(examples=[1])


class QuoteOut(BaseModel):
    room_id: uuid.UUID
    hours: int = Field(examples=[4])
    total: PriceOut = Field(examples=["170.00"])
    currency: str = Field(examples=["EUR"])
    combination: list[TierUse]
