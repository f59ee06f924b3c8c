"""Bookings over HTTP: the availability answer, a booking, its status history."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from mosaic.booking.bookings.models import CANCELLED_BY, STATUSES
from mosaic.booking.common import PriceOut

BookingStatusName = Literal["pending", "confirmed", "completed", "expired", "cancelled"]
assert set(STATUSES) == set(BookingStatusName.__args__)  # type: ignore[attr-defined]
CancelledBy = Literal["customer", "studio", "system"]
assert set(CANCELLED_BY) == set(CancelledBy.__args__)  # type: ignore[attr-defined]


class SlotOut(BaseModel):
    start: datetime = Field(examples=["2027-03-15T13:00:00Z"], description="The start, UTC.")
    local_start: datetime = Field(
        examples=["2027-03-15T09:00:00-04:00"], description="The same instant with the studio's offset."
    )
    price: PriceOut = Field(examples=["120.00"], description="The booking's price from the room's tiers.")


class AvailabilityOut(BaseModel):
    room_id: uuid.UUID
    timezone: str = Field(examples=["America/New_York"])
    hours: int = Field(examples=[2])
    currency: str = Field(examples=["USD"])
    slots: list[SlotOut]


class BookingIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    room_id: uuid.UUID
    start: AwareDatetime = Field(
        examples=["2027-03-15T13:00:00Z"],
        description="One of the room's available starts (with an offset; any offset names the same instant).",
    )
    hours: int = Field(ge=1, le=24, examples=[2], description="The length in whole hours.")


class CancelIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str = Field(default="", max_length=200, examples=["The band cannot make it"])


class StatusChangeOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    from_status: BookingStatusName | None = Field(examples=["pending"])
    to_status: BookingStatusName = Field(examples=["confirmed"])
    actor: Literal["customer", "studio", "system", "payment"] = Field(examples=["payment"])
    reason: str = Field(examples=["Paid through offline"])
    at: datetime


class BookingOut(BaseModel):
    id: uuid.UUID
    status: BookingStatusName = Field(examples=["pending"])
    start: datetime = Field(examples=["2027-03-15T13:00:00Z"])
    end: datetime = Field(examples=["2027-03-15T15:00:00Z"])
    local_start: datetime = Field(examples=["2027-03-15T09:00:00-04:00"])
    local_end: datetime = Field(examples=["2027-03-15T11:00:00-04:00"])
    timezone: str = Field(examples=["America/New_York"])
    hours: int = Field(examples=[2])
    price: PriceOut = Field(examples=["120.00"])
    currency: str = Field(examples=["USD"])
    hold_expires_at: datetime | None = Field(
        examples=["2026-12-01T12:30:00Z"], description="While pending: the slot is held until then."
    )
    payment_url: str | None = Field(
        examples=["http://127.0.0.1:8000/api/v1/pay/ps_3f9c"],
        description="While pending and payable: where the customer pays.",
    )
    room_id: uuid.UUID
    studio_id: uuid.UUID
    customer_id: uuid.UUID
    cancelled_by: CancelledBy | None = Field(default=None, examples=[None])
    refunded_amount: PriceOut = Field(examples=["0.00"])
    created_at: datetime
    updated_at: datetime


class BookingDetailOut(BookingOut):
    history: list[StatusChangeOut]


class CancellationOut(BookingOut):
    refunded_now: PriceOut = Field(examples=["120.00"], description="What this cancellation refunded.")
