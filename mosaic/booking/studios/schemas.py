"""Studio shapes: the studio itself, its weekly hours, closures, equipment, photos and search items."""

from __future__ import annotations

import itertools
import re
import uuid
from datetime import datetime
from typing import Annotated, Any, Literal, Self

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    WithJsonSchema,
    field_validator,
    model_validator,
)

from mosaic.booking.catalogues.schemas import BadgeOut
from mosaic.booking.common import PriceOut, Slug, Timezone
from mosaic.core.money import CurrencyCode

_CLOCK = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")


def _clock(value: str) -> str:
    if not _CLOCK.match(value):
        raise ValueError("a local time as HH:MM, 00:00 to 23:59")
    return value


Clock = Annotated[str, Field(pattern=_CLOCK.pattern), AfterValidator(_clock)]


def minutes(clock: str) -> int:
    hours, mins = clock.split(":")
    return int(hours) * 60 + int(mins)


class Interval(BaseModel):
    """Local time in the studio's timezone; `close` before `open` crosses midnight (18:00-02:00)."""

    model_config = ConfigDict(extra="forbid")

    open: Clock = Field(examples=["09:00"])
    close: Clock = Field(examples=["17:00"])

    @model_validator(mode="after")
    def _not_empty(self) -> Self:
        if self.open == self.close:
            raise ValueError("an interval cannot open and close at the same time (use mode 24h)")
        return self

    def span(self) -> tuple[int, int]:
        start, end = minutes(self.open), minutes(self.close)
        return start, end if end > start else end + 24 * 60


class DayHours(BaseModel):
    """One weekday (Monday = 0). `open` needs intervals; `closed` and `24h` take none."""

    model_config = ConfigDict(extra="forbid")

    weekday: int = Field(ge=0, le=6, examples=[0])
    mode: Literal["closed", "open", "24h"] = Field(examples=["open"])
    intervals: list[Interval] = Field(default_factory=list, max_length=6)

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if self.mode == "open" and not self.intervals:
            raise ValueError("mode 'open' needs at least one interval")
        if self.mode != "open" and self.intervals:
            raise ValueError(f"mode '{self.mode}' takes no intervals")
        spans = sorted(interval.span() for interval in self.intervals)
        if any(later[0] < earlier[1] for earlier, later in itertools.pairwise(spans)):
            raise ValueError("intervals of one day must not overlap")
        return self


class HoursIn(BaseModel):
    """The whole week; a weekday left out is closed."""

    model_config = ConfigDict(extra="forbid")

    hours: list[DayHours] = Field(
        max_length=7,
        examples=[
            [
                {"weekday": 0, "mode": "open", "intervals": [{"open": "09:00", "close": "17:00"}]},
                {"weekday": 4, "mode": "open", "intervals": [{"open": "18:00", "close": "02:00"}]},
                {"weekday": 5, "mode": "24h", "intervals": []},
            ]
        ],
    )

    @field_validator("hours")
    @classmethod
    def _one_entry_per_day(cls, value: list[DayHours]) -> list[DayHours]:
        days = [day.weekday for day in value]
        if len(days) != len(set(days)):
            raise ValueError("each weekday at most once")
        return sorted(value, key=lambda day: day.weekday)


class HoursOut(BaseModel):
    timezone: str = Field(examples=["Europe/Lisbon"])
    hours: list[DayHours]


class CancellationPolicy(BaseModel):
    full_refund_hours: int = Field(
        examples=[48], description="Full refund up to this many hours before the start."
    )
    partial_refund_hours: int = Field(
        examples=[24], description="A partial refund up to this many hours before."
    )
    partial_refund_percent: int = Field(examples=[50], description="The partial refund, in percent.")
    is_default: bool = Field(description="True when the studio sets none and the platform defaults apply.")


class BookingWindow(BaseModel):
    min_notice_minutes: int = Field(
        examples=[60], description="The earliest bookable start is this many minutes from now."
    )
    max_advance_days: int = Field(
        examples=[180], description="The latest bookable start is this many days from now."
    )
    is_default: bool = Field(description="True when the studio sets neither and the platform defaults apply.")


class PolicyFields(BaseModel):
    full_refund_hours: int | None = Field(default=None, ge=0, le=24 * 90, examples=[48])
    partial_refund_hours: int | None = Field(default=None, ge=0, le=24 * 90, examples=[24])
    partial_refund_percent: int | None = Field(default=None, ge=0, le=100, examples=[50])
    # The booking window; null keeps the platform defaults (BOOKING_MIN_NOTICE_MINUTES, ..._MAX_ADVANCE_DAYS).
    min_notice_minutes: int | None = Field(default=None, ge=0, le=60 * 24 * 90, examples=[120])
    max_advance_days: int | None = Field(default=None, ge=1, le=730, examples=[365])

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        full, partial = self.full_refund_hours, self.partial_refund_hours
        if full is not None and partial is not None and partial > full:
            raise ValueError("partial_refund_hours cannot be more than full_refund_hours")
        return self


class StudioIn(PolicyFields):
    model_config = ConfigDict(extra="forbid")

    company_id: uuid.UUID
    name: str = Field(min_length=1, max_length=150, examples=["Blue Room Studios"])
    slug: Slug | None = Field(default=None, description="Made from the name when left out.")
    description: str = Field(default="", max_length=5000, examples=["Two live rooms and a vocal booth."])
    city_id: uuid.UUID
    street: str = Field(min_length=1, max_length=255, examples=["Rua Augusta 100"])
    lat: float = Field(ge=-90, le=90, examples=[38.7101])
    lng: float = Field(ge=-180, le=180, examples=[-9.1366])
    timezone: Timezone
    currency: CurrencyCode = Field(examples=["EUR"])
    is_published: bool = Field(default=False, examples=[True])


class StudioUpdate(PolicyFields):
    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(default=None, min_length=1, max_length=150, examples=["Blue Room Studios Baixa"])
    slug: Slug | None = None
    description: str | None = Field(default=None, max_length=5000)
    city_id: uuid.UUID | None = None
    street: str | None = Field(default=None, min_length=1, max_length=255)
    lat: float | None = Field(default=None, ge=-90, le=90)
    lng: float | None = Field(default=None, ge=-180, le=180)
    timezone: Timezone | None = None
    currency: CurrencyCode | None = None
    is_published: bool | None = None


class StudioOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    company_id: uuid.UUID
    name: str = Field(examples=["Blue Room Studios"])
    slug: str = Field(examples=["blue-room-studios"])
    description: str = Field(examples=["Two live rooms and a vocal booth."])
    street: str = Field(examples=["Rua Augusta 100"])
    city_id: uuid.UUID
    country_code: str = Field(examples=["PT"])
    lat: float = Field(examples=[38.7101])
    lng: float = Field(examples=[-9.1366])
    timezone: str = Field(examples=["Europe/Lisbon"])
    currency: str = Field(examples=["EUR"])
    is_published: bool
    cheapest_hourly_price: PriceOut | None = Field(
        default=None, examples=["35.00"], description="The lowest price per hour over the rooms' tiers."
    )
    max_capacity: int = Field(examples=[6], description="The largest room's capacity.")
    cancellation_policy: CancellationPolicy | None = None
    booking_window: BookingWindow | None = None
    created_at: datetime
    updated_at: datetime


class StudioSearchItem(StudioOut):
    distance_km: float | None = Field(default=None, examples=[1.42], description="Only with `near`.")
    cover_photo_url: str | None = Field(default=None, examples=["/media/studios/3fa8/photos/1.thumb.jpg"])


def _local_schema(example: str) -> dict[str, Any]:
    """A local date-time (no offset): `format: date-time` would demand one (RFC 3339)."""
    return {
        "type": "string",
        "pattern": r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?$",
        "description": "Local time in the studio's timezone, without an offset.",
        "examples": [example],
    }


LocalStart = Annotated[datetime, WithJsonSchema(_local_schema("2026-12-24T18:00:00"))]
LocalEnd = Annotated[datetime, WithJsonSchema(_local_schema("2026-12-26T09:00:00"))]


class ClosureIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    starts_at: LocalStart
    ends_at: LocalEnd
    reason: str = Field(default="", max_length=255, examples=["Christmas"])

    @model_validator(mode="after")
    def _local_and_ordered(self) -> Self:
        if self.starts_at.tzinfo is not None or self.ends_at.tzinfo is not None:
            raise ValueError("closures are local times in the studio's timezone: no offset")
        if self.ends_at <= self.starts_at:
            raise ValueError("ends_at must be after starts_at")
        return self


class ClosureOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    starts_at: LocalStart
    ends_at: LocalEnd
    reason: str = Field(examples=["Christmas"])
    created_at: datetime


class EquipmentIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    equipment_type_id: uuid.UUID
    name: str = Field(min_length=1, max_length=150, examples=["Shure SM58"])
    quantity: int = Field(default=1, ge=1, le=10_000, examples=[4])


class EquipmentUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(default=None, min_length=1, max_length=150, examples=["Shure SM7B"])
    quantity: int | None = Field(default=None, ge=1, le=10_000, examples=[2])


class EquipmentOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    equipment_type_id: uuid.UUID
    name: str = Field(examples=["Shure SM58"])
    quantity: int = Field(examples=[4])
    created_at: datetime


class BadgesIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    badge_ids: list[uuid.UUID] = Field(max_length=50)


class PhotoOut(BaseModel):
    id: uuid.UUID
    url: str = Field(examples=["/media/studios/3fa85f64/photos/9b2c.jpg"])
    thumbnail_url: str = Field(examples=["/media/studios/3fa85f64/photos/9b2c.thumb.jpg"])
    width: int = Field(examples=[1600])
    height: int = Field(examples=[1067])
    index: int = Field(examples=[0])


class PhotoOrderIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    photo_ids: list[uuid.UUID] = Field(max_length=200, description="Every photo, in the new order.")


class FavouriteOut(BaseModel):
    studio_id: uuid.UUID
    is_favourite: bool


class StudioDetail(StudioOut):
    hours: list[DayHours]
    equipment: list[EquipmentOut]
    badges: list[BadgeOut]
    photos: list[PhotoOut]
    rooms: list[RoomSummary]


class RoomSummary(BaseModel):
    id: uuid.UUID
    name: str = Field(examples=["Live room A"])
    capacity: int = Field(examples=[6])
    min_hours: int = Field(examples=[1])
    max_hours: int = Field(examples=[8])
    cheapest_hourly_price: PriceOut | None = Field(examples=["35.00"])


StudioDetail.model_rebuild()
