"""A booking of a room and the history of its status (seed 002's `Booking` and `BookingStatus`).

`start_at`/`end_at` are UTC instants; `blocked_until` is `end_at` plus the room's buffer at the
time of booking, so the room stays blocked for the buffer even if the room's buffer changes later.
A booking blocks its room while it is `pending` (a hold, until `hold_expires_at`) or `confirmed`.

No double booking: on PostgreSQL the exclusion constraint `ex_bookings_no_overlap` (created by the
migration through core/ddl.py, declared here as database-only) refuses two live bookings of a
room whose `[start_at, blocked_until)` ranges overlap; its violation is `409 SLOT_UNAVAILABLE`
through the domain's constraint registry. SQLite has no exclusion constraints: the service checks
the overlap inside a `BEGIN IMMEDIATE` transaction (`WriteSessionDep`), which serialises writers.

`company_id` is denormalised from the studio (team queries and payouts group by it).
Charges point back at a booking with `Reference(kind="booking", id=str(booking.id))`; the
booking keeps the current charge in `charge_id`.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal

from sqlalchemy import ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from mosaic.core.database import Base, Timestamps, UTCDateTime, UUIDPrimaryKey, utcnow
from mosaic.core.ddl import database_only
from mosaic.core.money import Amount, CurrencyColumn

BOOKING_PRICE = Amount(12, 2)

NO_OVERLAP = "ex_bookings_no_overlap"

PENDING = "pending"
CONFIRMED = "confirmed"
COMPLETED = "completed"
EXPIRED = "expired"
CANCELLED = "cancelled"
STATUSES = (PENDING, CONFIRMED, COMPLETED, EXPIRED, CANCELLED)
LIVE_STATUSES = (PENDING, CONFIRMED)

# Who cancelled: the customer, the studio's team, or the system (e.g. a late payment's slot was taken).
CANCELLED_BY = ("customer", "studio", "system")


class Booking(UUIDPrimaryKey, Timestamps, Base):
    __tablename__ = "bookings"
    __table_args__ = (
        Index("ix_bookings_room_start", "room_id", "start_at"),
        Index("ix_bookings_studio_start", "studio_id", "start_at"),
        Index("ix_bookings_customer_start", "customer_id", "start_at"),
        Index("ix_bookings_status_hold", "status", "hold_expires_at"),
        {"info": database_only(NO_OVERLAP)},
    )

    room_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("rooms.id"))
    studio_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("studios.id"))
    company_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("companies.id"), index=True)
    customer_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    start_at: Mapped[datetime] = mapped_column(UTCDateTime())
    end_at: Mapped[datetime] = mapped_column(UTCDateTime())
    blocked_until: Mapped[datetime] = mapped_column(UTCDateTime())
    hours: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16), default=PENDING)
    price: Mapped[Decimal] = mapped_column(BOOKING_PRICE)
    currency: Mapped[str] = mapped_column(CurrencyColumn())
    hold_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    charge_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("charges.id", ondelete="SET NULL"), default=None, index=True
    )
    cancelled_by: Mapped[str | None] = mapped_column(String(16), default=None)
    refunded_amount: Mapped[Decimal] = mapped_column(BOOKING_PRICE, default=Decimal(0))
    # The customer's locale at booking time is read from the user when emails are sent; the
    # reminder job marks itself here so it runs once per booking.
    reminder_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)


class BookingStatus(UUIDPrimaryKey, Base):
    """One change of a booking's status (seed 002's `BookingStatus`): who, why, when."""

    __tablename__ = "booking_status_history"

    booking_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("bookings.id", ondelete="CASCADE"), index=True)
    from_status: Mapped[str | None] = mapped_column(String(16), default=None)
    to_status: Mapped[str] = mapped_column(String(16))
    # customer | studio | system | payment (the gateway's verified webhook)
    actor: Mapped[str] = mapped_column(String(16))
    actor_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), default=None
    )
    reason: Mapped[str] = mapped_column(String(200), default="")
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
