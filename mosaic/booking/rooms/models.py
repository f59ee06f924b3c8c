"""Rooms of a studio, their ordered photos and price tiers (seed 002's `RoomPrice`)."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import ClassVar

from sqlalchemy import ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from mosaic.booking.studios.models import PRICE, PhotoColumns
from mosaic.core.database import Base, SoftDelete, Timestamps, UUIDPrimaryKey


class Room(UUIDPrimaryKey, Timestamps, SoftDelete, Base):
    __tablename__ = "rooms"
    __cache_parents__: ClassVar[dict[str, str]] = {"studio_id": "studios"}

    studio_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("studios.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(150))
    description: Mapped[str] = mapped_column(Text, default="")
    capacity: Mapped[int] = mapped_column(Integer, default=1)
    min_hours: Mapped[int] = mapped_column(Integer, default=1)
    max_hours: Mapped[int] = mapped_column(Integer, default=8)
    buffer_minutes: Mapped[int] = mapped_column(Integer, default=0)
    slot_step_minutes: Mapped[int] = mapped_column(Integer, default=60)
    # The cheapest price per hour over the tiers (total / hours), for the studio's search columns.
    min_hourly_price: Mapped[Decimal | None] = mapped_column(PRICE, default=None)


class RoomPrice(UUIDPrimaryKey, Base):
    """A tier: the total price for exactly `hours` hours (replaced as a whole list)."""

    __tablename__ = "room_prices"
    __cache_parents__: ClassVar[dict[str, str]] = {"room_id": "rooms"}
    __table_args__ = (UniqueConstraint("room_id", "hours", name="uq_room_prices_room_hours"),)

    room_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("rooms.id", ondelete="CASCADE"), index=True)
    hours: Mapped[int] = mapped_column(Integer)
    price: Mapped[Decimal] = mapped_column(PRICE)


class RoomPhoto(UUIDPrimaryKey, Timestamps, PhotoColumns, Base):
    __tablename__ = "room_photos"
    __cache_parents__: ClassVar[dict[str, str]] = {"room_id": "rooms"}

    room_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("rooms.id", ondelete="CASCADE"), index=True)
