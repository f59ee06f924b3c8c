"""Bookings: availability from the database, holds that can never double-book, the lifecycle.

Lifecycle (every change goes through `transition`, which records a `BookingStatus` row and
refuses anything else with 409 BOOKING_STATUS_CONFLICT):

    pending -> confirmed -> completed
    pending -> expired
    pending | confirmed -> cancelled

A booking is created `pending` with a hold (`BOOKING_HOLD_MINUTES`) and a checkout whose expiry
is the hold's. Creation runs in a write transaction (`WriteSessionDep`: `BEGIN IMMEDIATE` on
SQLite) that first expires the room's lapsed holds, then re-checks availability for that exact
start and inserts; on PostgreSQL the exclusion constraint refuses a racing insert (409
SLOT_UNAVAILABLE through the constraint registry), on SQLite the write lock serialises the check.

Payments: billing calls `on_booking_payment` after a verified webhook moved the booking's charge.
Paid while pending -> confirmed (even when the hold lapsed a moment ago: nothing else could take
the slot while the booking was still pending, since a new booking first expires lapsed holds).
Paid when the booking is no longer pending (expired and maybe taken, or cancelled) -> refunded in
full at once and both sides are told. A checkout cancelled on the pay page cancels the booking; a
checkout that expired expires it. Refund events update `refunded_amount`; a full refund of a
confirmed booking (from the provider's dashboard, or an admin) cancels it.

Cancellation: by the customer, refunded by the studio's policy (full refund up to
`full_refund_hours` before the start, `partial_refund_percent` up to `partial_refund_hours`,
nothing after); by the studio's team, always a full refund. A started booking cannot be cancelled.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import and_, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from mosaic.accounts.billing.models import Charge
from mosaic.accounts.billing.service import ChargeUpdate, refund_charge, start_checkout, status_of
from mosaic.accounts.users.models import User
from mosaic.booking.bookings import availability
from mosaic.booking.bookings.models import (
    CANCELLED,
    COMPLETED,
    CONFIRMED,
    EXPIRED,
    LIVE_STATUSES,
    PENDING,
    Booking,
    BookingStatus,
)
from mosaic.booking.merchants.service import gateway_for_charge, merchant_for_company
from mosaic.booking.payouts.service import platform_fee
from mosaic.booking.rooms import pricing
from mosaic.booking.rooms.models import Room, RoomPrice
from mosaic.booking.rooms.service import quote, tiers_of
from mosaic.booking.studios.models import Studio, StudioClosure, StudioHours
from mosaic.booking.studios.service import booking_window, policy
from mosaic.core.config import Settings
from mosaic.core.database import utcnow
from mosaic.core.errors import AppError, NotFound, ValidationFailed
from mosaic.core.jobs import JobQueue, enqueue_after_commit
from mosaic.core.money import from_minor_units, to_minor_units
from mosaic.core.repository import Repository
from mosaic.providers.payments import PaymentGateway, Reference

logger = logging.getLogger("mosaic.booking.bookings")

REFERENCE_KIND = "booking"
SEND_BOOKING_EMAILS = "booking.send_emails"

ALLOWED: dict[str, frozenset[str]] = {
    PENDING: frozenset({CONFIRMED, EXPIRED, CANCELLED}),
    CONFIRMED: frozenset({COMPLETED, CANCELLED}),
}


class SlotUnavailable(AppError):
    status_code = 409
    code = "SLOT_UNAVAILABLE"
    default_message = "This slot is no longer available"


class BookingStatusConflict(AppError):
    status_code = 409
    code = "BOOKING_STATUS_CONFLICT"
    default_message = "The booking cannot change to that status"


class BookingRepository(Repository[Booking]):
    model = Booking
    label = "Booking"
    owner_field = "customer_id"
    sortable = frozenset({"start_at", "created_at", "status", "price"})
    default_sort = "start_at"


def invalid_range(message: str, field: str = "to") -> ValidationFailed:
    return ValidationFailed(
        message,
        details=[{"field": field, "location": "query", "message": message, "type": "value_error"}],
    )


# -- availability ---------------------------------------------------------------------------------
def live_condition(now: datetime) -> Any:
    """Bookings that block their room: confirmed, or pending with a hold that has not lapsed."""
    return or_(
        Booking.status == CONFIRMED,
        and_(Booking.status == PENDING, Booking.hold_expires_at > now),
    )


async def load_calendar(
    session: AsyncSession, room: Room, studio: Studio, first: date, last: date, now: datetime
) -> availability.RoomCalendar:
    zone = ZoneInfo(studio.timezone)
    # Generous bounds: the day before may cross midnight, bookings may start the day before.
    low_local = datetime.combine(first - timedelta(days=2), time())
    high_local = datetime.combine(last + timedelta(days=3), time())
    low, high = availability.to_utc(low_local, zone), availability.to_utc(high_local, zone)
    hours = await session.execute(
        select(StudioHours.weekday, StudioHours.mode, StudioHours.intervals).where(
            StudioHours.studio_id == studio.id
        )
    )
    closures = await session.execute(
        select(StudioClosure.starts_at, StudioClosure.ends_at).where(
            StudioClosure.studio_id == studio.id,
            StudioClosure.is_deleted.is_(False),
            StudioClosure.ends_at > low_local,
            StudioClosure.starts_at < high_local,
        )
    )
    busy = await session.execute(
        select(Booking.start_at, Booking.blocked_until).where(
            Booking.room_id == room.id,
            live_condition(now),
            Booking.start_at < high,
            Booking.blocked_until > low,
        )
    )
    return availability.RoomCalendar(
        timezone=studio.timezone,
        rules=availability.day_rules((w, m, list(i or [])) for w, m, i in hours.all()),
        closures=[(start, end) for start, end in closures.all()],
        busy=[(start, end) for start, end in busy.all()],
        slot_step_minutes=room.slot_step_minutes,
        buffer_minutes=room.buffer_minutes,
    )


def window(studio: Studio, settings: Settings, now: datetime) -> tuple[datetime, datetime]:
    """(earliest, latest) start allowed now, from the studio's window or the defaults."""
    booking_limits = booking_window(studio, settings)
    return (
        now + timedelta(minutes=booking_limits.min_notice_minutes),
        now + timedelta(days=booking_limits.max_advance_days),
    )


@dataclass(frozen=True, slots=True)
class Availability:
    slots: list[availability.Slot]
    price: Decimal


async def room_availability(
    session: AsyncSession,
    settings: Settings,
    room: Room,
    studio: Studio,
    first: date,
    last: date,
    hours: int,
) -> Availability:
    """The starts of `hours`-hour bookings from local day `first` to `last`, and their price."""
    if last < first:
        raise invalid_range("to must be on or after from")
    if (last - first).days + 1 > settings.BOOKING_AVAILABILITY_MAX_DAYS:
        raise invalid_range(f"at most {settings.BOOKING_AVAILABILITY_MAX_DAYS} days per request")
    price = quote(room, await tiers_of(session, room.id), hours).total
    now = utcnow()
    earliest, latest = window(studio, settings, now)
    calendar = await load_calendar(session, room, studio, first, last, now)
    slots = availability.available_starts(calendar, first, last, hours, earliest=earliest, latest=latest)
    return Availability(slots, price)


async def free_studio_ids(
    session: AsyncSession, settings: Settings, studio_where: list[Any], day: date, hours: int
) -> set[uuid.UUID]:
    """Studios (matching `studio_where`) with at least one room free for `hours` hours on local `day`.

    Batched: one query each for the candidate rooms, their tiers, the studios' hours, closures
    and live bookings around the day, then the same `available_starts` per room in Python,
    stopping at a studio's first free room. Candidates are narrowed in SQL first: a live room
    whose min/max hours admit the length.
    """
    now = utcnow()
    rows = (
        await session.execute(
            select(Room, Studio)
            .join(Studio, Studio.id == Room.studio_id)
            .where(
                *studio_where, Room.is_deleted.is_(False), Room.min_hours <= hours, Room.max_hours >= hours
            )
        )
    ).all()
    if not rows:
        return set()
    room_ids = {room.id for room, _ in rows}
    studio_ids = {studio.id for _, studio in rows}
    tiers: dict[uuid.UUID, list[tuple[int, Decimal]]] = {}
    for room_id, tier_hours, price in (
        await session.execute(
            select(RoomPrice.room_id, RoomPrice.hours, RoomPrice.price).where(RoomPrice.room_id.in_(room_ids))
        )
    ).all():
        tiers.setdefault(room_id, []).append((tier_hours, price))
    week: dict[uuid.UUID, list[tuple[int, str, list[dict[str, str]]]]] = {}
    for studio_id, weekday, mode, intervals in (
        await session.execute(
            select(StudioHours.studio_id, StudioHours.weekday, StudioHours.mode, StudioHours.intervals).where(
                StudioHours.studio_id.in_(studio_ids)
            )
        )
    ).all():
        week.setdefault(studio_id, []).append((weekday, mode, list(intervals or [])))
    low_local = datetime.combine(day - timedelta(days=2), time())
    high_local = datetime.combine(day + timedelta(days=3), time())
    closures: dict[uuid.UUID, list[tuple[datetime, datetime]]] = {}
    for studio_id, start, end in (
        await session.execute(
            select(StudioClosure.studio_id, StudioClosure.starts_at, StudioClosure.ends_at).where(
                StudioClosure.studio_id.in_(studio_ids),
                StudioClosure.is_deleted.is_(False),
                StudioClosure.ends_at > low_local,
                StudioClosure.starts_at < high_local,
            )
        )
    ).all():
        closures.setdefault(studio_id, []).append((start, end))
    # UTC bounds wide enough for any timezone (-12..+14) around the local day.
    low, high = (
        low_local.replace(tzinfo=UTC) - timedelta(hours=14),
        high_local.replace(tzinfo=UTC) + timedelta(hours=14),
    )
    busy: dict[uuid.UUID, list[tuple[datetime, datetime]]] = {}
    for room_id, start, end in (
        await session.execute(
            select(Booking.room_id, Booking.start_at, Booking.blocked_until).where(
                Booking.room_id.in_(room_ids),
                live_condition(now),
                Booking.start_at < high,
                Booking.blocked_until > low,
            )
        )
    ).all():
        busy.setdefault(room_id, []).append((start, end))
    free: set[uuid.UUID] = set()
    for room, studio in rows:
        if studio.id in free or pricing.quote(tiers.get(room.id, []), hours) is None:
            continue
        calendar = availability.RoomCalendar(
            timezone=studio.timezone,
            rules=availability.day_rules(week.get(studio.id, [])),
            closures=closures.get(studio.id, []),
            busy=busy.get(room.id, []),
            slot_step_minutes=room.slot_step_minutes,
            buffer_minutes=room.buffer_minutes,
        )
        earliest, latest = window(studio, settings, now)
        if availability.available_starts(calendar, day, day, hours, earliest=earliest, latest=latest):
            free.add(studio.id)
    return free


# -- lifecycle -----------------------------------------------------------------------------------
async def transition(
    session: AsyncSession,
    booking: Booking,
    to_status: str,
    actor: str,
    *,
    actor_id: uuid.UUID | None = None,
    reason: str = "",
) -> None:
    """Move `booking` to `to_status` and record it; 409 when the lifecycle does not allow it."""
    if to_status not in ALLOWED.get(booking.status, frozenset()):
        raise BookingStatusConflict(
            f"A {booking.status} booking cannot become {to_status}",
            details={"status": booking.status, "requested": to_status},
        )
    session.add(
        BookingStatus(
            booking_id=booking.id,
            from_status=booking.status,
            to_status=to_status,
            actor=actor,
            actor_id=actor_id,
            reason=reason[:200],
        )
    )
    booking.status = to_status
    if to_status != PENDING:
        booking.hold_expires_at = booking.hold_expires_at if to_status == EXPIRED else None
    await session.flush()


async def expire_lapsed_holds(
    session: AsyncSession, now: datetime, room_id: uuid.UUID | None = None
) -> list[uuid.UUID]:
    """Expire pending bookings whose hold lapsed (of one room, or all), with their history rows."""
    statement = (
        update(Booking)
        .where(Booking.status == PENDING, Booking.hold_expires_at <= now)
        .values(status=EXPIRED, updated_at=now)
        .returning(Booking.id)
        .execution_options(synchronize_session=False)
    )
    if room_id is not None:
        statement = statement.where(Booking.room_id == room_id)
    expired = list((await session.execute(statement)).scalars())
    session.add_all(
        BookingStatus(
            booking_id=booking_id,
            from_status=PENDING,
            to_status=EXPIRED,
            actor="system",
            reason="The hold lapsed before payment",
            at=now,
        )
        for booking_id in expired
    )
    await session.flush()
    return expired


async def _lock_room(session: AsyncSession, room_id: uuid.UUID) -> tuple[Room, Studio]:
    """The live room (locked) and its published, live studio (404 otherwise).

    The room's row lock serialises bookings of one room on PostgreSQL, so the overlap check sees
    every committed booking and answers 409 itself. Without it, concurrent inserts that overlap
    each other wait on each other inside the exclusion constraint's check and PostgreSQL breaks
    the cycle with a deadlock error instead of the constraint's violation. The constraint stays
    the guarantee (a writer that skips this path still cannot double-book); SQLite ignores FOR
    UPDATE and is serialised by BEGIN IMMEDIATE instead.
    """
    found = (
        await session.execute(
            select(Room, Studio)
            .join(Studio, Studio.id == Room.studio_id)
            .where(
                Room.id == room_id,
                Room.is_deleted.is_(False),
                Studio.is_deleted.is_(False),
                Studio.is_published.is_(True),
            )
            .with_for_update(of=Room)
        )
    ).one_or_none()
    if found is None:
        raise NotFound("Room not found")
    return found[0], found[1]


async def create_booking(
    session: AsyncSession,
    settings: Settings,
    gateway: PaymentGateway,
    customer: User,
    room_id: uuid.UUID,
    start: datetime,
    hours: int,
) -> tuple[Booking, Charge]:
    """A pending booking holding the slot, and its checkout (see the module docstring)."""
    room, studio = await _lock_room(session, room_id)
    start = start.astimezone(UTC)
    now = utcnow()
    # A lapsed hold never blocks a slot: expire this room's in the same transaction.
    await expire_lapsed_holds(session, now, room.id)
    zone = ZoneInfo(studio.timezone)
    local_day = start.astimezone(zone).date()
    price = quote(room, await tiers_of(session, room.id), hours).total
    earliest, latest = window(studio, settings, now)
    calendar = await load_calendar(session, room, studio, local_day, local_day, now)
    offered = availability.available_starts(
        calendar, local_day, local_day, hours, earliest=earliest, latest=latest
    )
    if start not in {slot.start for slot in offered}:
        raise SlotUnavailable(
            "This start is not available for that length (taken, closed, off the slot step, or "
            "outside the booking window)",
            details={"room_id": str(room.id), "start": start.isoformat(), "hours": hours},
        )
    end = start + timedelta(hours=hours)
    hold_expires_at = now + timedelta(minutes=settings.BOOKING_HOLD_MINUTES)
    booking = Booking(
        room_id=room.id,
        studio_id=studio.id,
        company_id=studio.company_id,
        customer_id=customer.id,
        start_at=start,
        end_at=end,
        blocked_until=end + timedelta(minutes=room.buffer_minutes),
        hours=hours,
        status=PENDING,
        price=price,
        currency=studio.currency,
        hold_expires_at=hold_expires_at,
        refunded_amount=Decimal(0),
    )
    session.add(booking)
    # The INSERT runs now: on PostgreSQL a racing booking fails here on the exclusion constraint.
    await session.flush()
    session.add(
        BookingStatus(
            booking_id=booking.id,
            from_status=None,
            to_status=PENDING,
            actor="customer",
            actor_id=customer.id,
            reason="Booked; held until payment",
            at=now,
        )
    )
    back = f"{settings.FRONTEND_URL.rstrip('/')}/bookings/{booking.id}"
    local = start.astimezone(zone)
    # A studio with its own connected Square account is paid there; the platform keeps its fee.
    merchant = await merchant_for_company(session, studio.company_id, settings)
    fee = None
    if merchant is not None:
        fee_minor = platform_fee(to_minor_units(price, studio.currency), settings.PLATFORM_FEE_PERCENT)
        fee = from_minor_units(fee_minor, studio.currency)
    charge = await start_checkout(
        session,
        gateway,
        reference=Reference(REFERENCE_KIND, str(booking.id)),
        purpose="booking",
        description=f"{studio.name}, {room.name}: {local:%Y-%m-%d %H:%M} ({hours} h)",
        amount=price,
        currency=studio.currency,
        user_id=customer.id,
        customer_email=customer.email,
        success_url=f"{back}?result=paid",
        cancel_url=f"{back}?result=cancelled",
        expires_at=hold_expires_at,
        merchant=merchant,
        app_fee=fee,
    )
    booking.charge_id = charge.id
    await session.flush()
    logger.info("booking %s held for room %s at %s", booking.id, room.id, start.isoformat())
    return booking, charge


async def charge_of(session: AsyncSession, booking: Booking) -> Charge | None:
    return await session.get(Charge, booking.charge_id) if booking.charge_id else None


def refund_for_customer(booking: Booking, studio: Studio, settings: Settings, now: datetime) -> Decimal:
    """What the studio's policy gives back when the customer cancels `now`."""
    rules = policy(studio, settings)
    before = booking.start_at - now
    if before >= timedelta(hours=rules.full_refund_hours):
        return booking.price
    if before >= timedelta(hours=rules.partial_refund_hours):
        share = booking.price * Decimal(rules.partial_refund_percent) / Decimal(100)
        return share.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    return Decimal(0)


async def _close_checkout(session: AsyncSession, charge: Charge | None) -> None:
    """An unpaid checkout of a cancelled booking stops taking money (the offline page refuses it).

    A provider's hosted page may still take a payment in the seconds before its own expiry; the
    payment handler refunds such a payment, since the booking is no longer pending.
    """
    if charge is not None and charge.paid_at is None and charge.checkout_state == "open":
        charge.checkout_state = "cancelled"
        charge.status = status_of(charge)
        await session.flush()


async def refund(
    session: AsyncSession,
    settings: Settings,
    gateway: PaymentGateway,
    booking: Booking,
    charge: Charge,
    amount: Decimal,
    reason: str,
) -> Decimal:
    """Refund `amount` (capped at what is left) of the booking's captured charge; what was refunded.

    A charge taken into a studio's own Square account can only be refunded with that account's
    token, so the gateway acting for it replaces the platform's.
    """
    remaining = charge.amount_minor - charge.refunded_minor
    minor = min(to_minor_units(amount, charge.currency), remaining)
    if minor <= 0:
        return Decimal(0)
    if charge.merchant_id is not None:
        gateway = await gateway_for_charge(session, settings, charge)
    await refund_charge(session, gateway, charge, minor, reason=reason)
    booking.refunded_amount = from_minor_units(charge.refunded_minor, charge.currency)
    await session.flush()
    return from_minor_units(minor, charge.currency)


@dataclass(frozen=True, slots=True)
class Cancellation:
    booking: Booking
    refunded: Decimal


async def cancel_booking(
    session: AsyncSession,
    settings: Settings,
    gateway_for: Any,
    booking: Booking,
    *,
    by: str,
    actor_id: uuid.UUID,
    reason: str,
    jobs: JobQueue | None,
) -> Cancellation:
    """Cancel by the customer (`by="customer"`, policy refund) or the team (`"studio"`, full refund)."""
    now = utcnow()
    if booking.status in LIVE_STATUSES and booking.start_at <= now:
        raise BookingStatusConflict(
            "A booking that has started can no longer be cancelled",
            details={"status": booking.status, "requested": CANCELLED},
        )
    was = booking.status
    studio = await session.get(Studio, booking.studio_id)
    assert studio is not None
    await transition(session, booking, CANCELLED, by, actor_id=actor_id, reason=reason)
    booking.cancelled_by = by
    charge = await charge_of(session, booking)
    refunded = Decimal(0)
    if was == PENDING:
        await _close_checkout(session, charge)
    elif charge is not None and charge.paid_at is not None:
        amount = booking.price if by == "studio" else refund_for_customer(booking, studio, settings, now)
        label = "Cancelled by the studio" if by == "studio" else "Cancelled by the customer"
        refunded = await refund(session, settings, gateway_for(charge), booking, charge, amount, label)
    await session.flush()
    if jobs is not None:
        queue_booking_emails(session, jobs, booking, "cancellation", reason)
    logger.info("booking %s cancelled by %s, refunded %s", booking.id, by, refunded)
    return Cancellation(booking, refunded)


async def on_booking_payment(session: AsyncSession, update: ChargeUpdate) -> None:
    """The `booking` payment handler (declared on the booking Domain); see the module docstring."""
    try:
        booking_id = uuid.UUID(update.charge.reference_id)
    except ValueError:
        logger.warning("booking payment with a malformed reference %r", update.charge.reference_id)
        return
    booking = await session.get(Booking, booking_id, with_for_update=True)
    if booking is None:
        logger.warning("payment for unknown booking %s", booking_id)
        return
    charge = update.charge
    if update.became_paid:
        if booking.status == PENDING and booking.charge_id == charge.id:
            await transition(session, booking, CONFIRMED, "payment", reason=f"Paid through {charge.gateway}")
            logger.info("booking %s paid and confirmed", booking.id)
            if update.jobs is not None:
                queue_booking_emails(session, update.jobs, booking, "confirmation")
            return
        # Paid for a booking no longer waiting: its hold expired (the slot may be taken) or it was
        # cancelled. Give all of it back, and tell both sides.
        logger.info("late payment for %s booking %s is refunded", booking.status, booking.id)
        await refund(
            session,
            update.settings,
            update.gateway(),
            booking,
            charge,
            from_minor_units(charge.amount_minor, charge.currency),
            "Paid after the hold had ended",
        )
        if update.jobs is not None:
            queue_booking_emails(session, update.jobs, booking, "late-payment")
        return
    if charge.refunded_minor:
        booking.refunded_amount = max(
            booking.refunded_amount, from_minor_units(charge.refunded_minor, charge.currency)
        )
        await session.flush()
    # The charge's state, not the event's novelty: an admin's refund moves the charge without us,
    # and a refund seen before its payment (events out of order) must not leave a live booking.
    if charge.status == "refunded" and booking.status in LIVE_STATUSES and booking.charge_id == charge.id:
        await transition(session, booking, CANCELLED, "system", reason="The payment was refunded in full")
        booking.cancelled_by = "system"
        await session.flush()
        if update.jobs is not None:
            queue_booking_emails(session, update.jobs, booking, "cancellation", "The payment was refunded")
    elif update.lapsed and booking.status == PENDING and booking.charge_id == charge.id:
        if charge.status == "cancelled":
            await transition(session, booking, CANCELLED, "customer", reason="Checkout cancelled")
            booking.cancelled_by = "customer"
        else:
            await transition(session, booking, EXPIRED, "system", reason=f"Checkout {charge.status}")
        await session.flush()


async def complete_finished(session: AsyncSession, now: datetime) -> int:
    """Confirmed bookings whose end has passed become completed."""
    rows = (
        await session.execute(
            select(Booking).where(Booking.status == CONFIRMED, Booking.end_at <= now).with_for_update()
        )
    ).scalars()
    count = 0
    for booking in rows:
        await transition(session, booking, COMPLETED, "system", reason="The booking has ended")
        count += 1
    return count


async def due_reminders(session: AsyncSession, now: datetime, hours: int) -> list[Booking]:
    """Confirmed bookings starting within `hours` that have had no reminder; marked as reminded."""
    rows = list(
        (
            await session.execute(
                select(Booking)
                .where(
                    Booking.status == CONFIRMED,
                    Booking.reminder_sent_at.is_(None),
                    Booking.start_at > now,
                    Booking.start_at <= now + timedelta(hours=hours),
                )
                .with_for_update()
            )
        ).scalars()
    )
    for booking in rows:
        booking.reminder_sent_at = now
    await session.flush()
    return rows


def queue_booking_emails(
    session: AsyncSession, jobs: JobQueue, booking: Booking, kind: str, reason: str = ""
) -> None:
    """Email both sides about `booking` once the transaction commits (the job renders and sends)."""
    enqueue_after_commit(session, jobs, SEND_BOOKING_EMAILS, str(booking.id), kind, reason)


async def get_for_viewer(
    session: AsyncSession, booking_id: uuid.UUID, user_id: uuid.UUID, team_company_ids: set[uuid.UUID]
) -> Booking:
    booking = await session.get(Booking, booking_id)
    if booking is None or (booking.customer_id != user_id and booking.company_id not in team_company_ids):
        raise NotFound("Booking not found")
    return booking


async def history_of(session: AsyncSession, booking_id: uuid.UUID) -> list[BookingStatus]:
    rows = await session.execute(
        select(BookingStatus)
        .where(BookingStatus.booking_id == booking_id)
        .order_by(BookingStatus.at, BookingStatus.id)
    )
    return list(rows.scalars())


def local_bounds(first: date | None, last: date | None, zone: ZoneInfo) -> list[Any]:
    """Filters on start_at for local days `first`..`last` (inclusive) in the studio's zone."""
    filters: list[Any] = []
    if first is not None:
        filters.append(Booking.start_at >= availability.to_utc(datetime.combine(first, time()), zone))
    if last is not None:
        next_day = datetime.combine(last + timedelta(days=1), time())
        filters.append(Booking.start_at < availability.to_utc(next_day, zone))
    return filters
