"""Studios (seed 002 "addresses") and what hangs off them: hours, closures, equipment, badges,
photos, favourites."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Any, ClassVar

from sqlalchemy import (
    Column,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from mosaic.core.database import (
    Base,
    JSONType,
    SoftDelete,
    Timestamps,
    UTCDateTime,
    UUIDPrimaryKey,
    unique_among_live,
)
from mosaic.core.ddl import database_only
from mosaic.core.money import Amount, CurrencyColumn
from mosaic.core.search import SearchIndex

STUDIOS_SEARCH = SearchIndex("studios", {"name": 4.0, "description": 1.0}, language="english")

PRICE = Amount(12, 2)

studio_badges = Table(
    "studio_badges",
    Base.metadata,
    Column("studio_id", ForeignKey("studios.id", ondelete="CASCADE"), primary_key=True),
    Column("badge_id", ForeignKey("badges.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class Studio(UUIDPrimaryKey, Timestamps, SoftDelete, Base):
    __tablename__ = "studios"
    __table_args__ = (
        unique_among_live("uq_studios_slug_live", "slug"),
        Index("ix_studios_lat_lng", "lat", "lng"),
        {"info": database_only(search=STUDIOS_SEARCH)},
    )

    company_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("companies.id"), index=True)
    name: Mapped[str] = mapped_column(String(150))
    slug: Mapped[str] = mapped_column(String(160))
    description: Mapped[str] = mapped_column(Text, default="")
    street: Mapped[str] = mapped_column(String(255))
    city_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("cities.id"), index=True)
    country_code: Mapped[str] = mapped_column(String(2), index=True)  # the city's, for filtering
    lat: Mapped[float] = mapped_column(Float)
    lng: Mapped[float] = mapped_column(Float)
    timezone: Mapped[str] = mapped_column(String(64))
    currency: Mapped[str] = mapped_column(CurrencyColumn())
    is_published: Mapped[bool] = mapped_column(default=False, index=True)
    # Cancellation policy; NULL means the settings' defaults apply.
    full_refund_hours: Mapped[int | None] = mapped_column(Integer, default=None)
    partial_refund_hours: Mapped[int | None] = mapped_column(Integer, default=None)
    partial_refund_percent: Mapped[int | None] = mapped_column(Integer, default=None)
    # Booking window; NULL means the settings' defaults
    # (BOOKING_MIN_NOTICE_MINUTES, BOOKING_MAX_ADVANCE_DAYS).
    min_notice_minutes: Mapped[int | None] = mapped_column(Integer, default=None)
    max_advance_days: Mapped[int | None] = mapped_column(Integer, default=None)
    # Denormalised from the rooms' tiers (kept by the room service) so search filters and sorts in SQL.
    min_hourly_price: Mapped[Decimal | None] = mapped_column(PRICE, default=None, index=True)
    max_capacity: Mapped[int] = mapped_column(Integer, default=0, index=True)
    moderated_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)


class StudioHours(UUIDPrimaryKey, Base):
    """One weekday's hours (Monday = 0): a mode and local-time intervals kept exactly as given."""

    __tablename__ = "studio_hours"
    __cache_parents__: ClassVar[dict[str, str]] = {"studio_id": "studios"}
    __table_args__ = (UniqueConstraint("studio_id", "weekday", name="uq_studio_hours_studio_weekday"),)

    studio_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("studios.id", ondelete="CASCADE"), index=True)
    weekday: Mapped[int] = mapped_column(Integer)
    mode: Mapped[str] = mapped_column(String(8))
    intervals: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, default=list)


class StudioClosure(UUIDPrimaryKey, Timestamps, SoftDelete, Base):
    """A local date-time range (the studio's timezone) when nothing can be booked."""

    __tablename__ = "studio_closures"
    __cache_parents__: ClassVar[dict[str, str]] = {"studio_id": "studios"}

    studio_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("studios.id", ondelete="CASCADE"), index=True)
    starts_at: Mapped[datetime] = mapped_column(DateTime(timezone=False))  # naive local time
    ends_at: Mapped[datetime] = mapped_column(DateTime(timezone=False))
    reason: Mapped[str] = mapped_column(String(255), default="")


class EquipmentType(UUIDPrimaryKey, Timestamps, SoftDelete, Base):
    __tablename__ = "equipment_types"
    __table_args__ = (unique_among_live("uq_equipment_types_name_live", "name"),)

    name: Mapped[str] = mapped_column(String(100))
    description: Mapped[str] = mapped_column(String(500), default="")
    is_active: Mapped[bool] = mapped_column(default=True, index=True)


class Equipment(UUIDPrimaryKey, Timestamps, SoftDelete, Base):
    __tablename__ = "equipment"
    __cache_parents__: ClassVar[dict[str, str]] = {"studio_id": "studios"}

    studio_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("studios.id", ondelete="CASCADE"), index=True)
    equipment_type_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("equipment_types.id"), index=True)
    name: Mapped[str] = mapped_column(String(150))
    quantity: Mapped[int] = mapped_column(Integer, default=1)


class Badge(UUIDPrimaryKey, Timestamps, SoftDelete, Base):
    __tablename__ = "badges"
    __table_args__ = (unique_among_live("uq_badges_name_live", "name"),)

    name: Mapped[str] = mapped_column(String(100))
    icon: Mapped[str] = mapped_column(String(64), default="")
    is_active: Mapped[bool] = mapped_column(default=True, index=True)


class PhotoColumns:
    """What a studio photo and a room photo share: storage keys of the image and its thumbnail."""

    key: Mapped[str] = mapped_column(String(512))
    thumbnail_key: Mapped[str] = mapped_column(String(512))
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    index: Mapped[int] = mapped_column(Integer, default=0)


class StudioPhoto(UUIDPrimaryKey, Timestamps, PhotoColumns, Base):
    __tablename__ = "studio_photos"
    __cache_parents__: ClassVar[dict[str, str]] = {"studio_id": "studios"}

    studio_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("studios.id", ondelete="CASCADE"), index=True)


class Favourite(Timestamps, Base):
    __tablename__ = "studio_favourites"

    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    studio_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("studios.id", ondelete="CASCADE"), primary_key=True, index=True
    )
