"""Jobs of bookings: the schedules (expire lapsed holds, complete finished bookings, reminders) and
the emails to both sides.

Emails: `booking.send_emails(booking_id, kind, reason)` runs after the commit that changed the
booking, loads it fresh, and queues one `email.send` job per recipient (the customer, and the
company's owners and managers), each rendered in that recipient's own locale with times in the
studio's timezone. Kinds: `confirmation`, `cancellation`, `late-payment` (the payment came after
the hold ended and was refunded in full), `reminder` (the customer only).

Attachments: `invite_attachments` is the one place the calendar invite joins a message
(`METHOD:REQUEST` on confirmation and reminder, `METHOD:CANCEL` for the same UID on
cancellation). The `.ics` builder and the email attachment support come from the booking2b
branch; until they are merged it returns no attachment.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Sequence
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select

from mosaic.accounts.users.models import User
from mosaic.booking.bookings import service
from mosaic.booking.bookings.models import Booking
from mosaic.booking.companies.models import CompanyMember
from mosaic.booking.rooms.models import Room
from mosaic.booking.studios.models import Studio
from mosaic.core.database import utcnow
from mosaic.core.jobs import JobContext, job
from mosaic.providers.email.tasks import SEND_EMAIL

logger = logging.getLogger("mosaic.booking.bookings")

EXPIRE_HOLDS = "booking.expire_holds"
COMPLETE_BOOKINGS = "booking.complete_bookings"
SEND_REMINDERS = "booking.send_reminders"

TEMPLATES = {
    "confirmation": "booking-confirmation",
    "cancellation": "booking-cancellation",
    "late-payment": "booking-cancellation",
    "reminder": "booking-reminder",
}
LATE_PAYMENT_REASON = {
    "en": "The payment arrived after the hold had ended; it was refunded in full.",
    "es": "El pago llegó después de que terminara la reserva provisional; se ha reembolsado entero.",
}


@job(EXPIRE_HOLDS, max_retries=2)
async def expire_holds_job(ctx: JobContext) -> int:
    """Every minute: pending bookings whose hold lapsed become expired (their slots free up)."""
    async with ctx.database.transaction(write_lock=True) as session:
        expired = await service.expire_lapsed_holds(session, utcnow())
    if expired:
        logger.info("expired %d lapsed hold(s)", len(expired))
    return len(expired)


@job(COMPLETE_BOOKINGS, max_retries=2)
async def complete_bookings_job(ctx: JobContext) -> int:
    """Confirmed bookings whose end has passed become completed."""
    async with ctx.database.transaction(write_lock=True) as session:
        completed = await service.complete_finished(session, utcnow())
    if completed:
        logger.info("completed %d booking(s)", completed)
    return completed


@job(SEND_REMINDERS, max_retries=2)
async def send_reminders_job(ctx: JobContext) -> int:
    """Remind customers `BOOKING_REMINDER_HOURS` before their confirmed booking (once each)."""
    async with ctx.database.transaction(write_lock=True) as session:
        due = await service.due_reminders(session, utcnow(), ctx.settings.BOOKING_REMINDER_HOURS)
        if ctx.jobs is not None:
            for booking in due:
                service.queue_booking_emails(session, ctx.jobs, booking, "reminder")
    return len(due)


def _when(booking: Booking, studio: Studio, which: str) -> str:
    instant = booking.start_at if which == "start" else booking.end_at
    local = instant.astimezone(ZoneInfo(studio.timezone))
    return f"{local:%Y-%m-%d %H:%M} ({local.tzname()}, {studio.timezone})"


def invite_attachments(booking: Booking, studio: Studio, room: Room, kind: str) -> Sequence[Any]:
    """The calendar invite of this email (see the module docstring)."""
    # TODO(lead, at the booking2b merge): return the .ics built by booking2b's builder here
    # (UID = booking id; METHOD:CANCEL for "cancellation"/"late-payment") and pass it on below.
    return ()


async def _recipients(ctx: JobContext, booking: Booking, kind: str) -> list[tuple[User, str]]:
    async with ctx.database.transaction() as session:
        customer = await session.get(User, booking.customer_id)
        people: list[tuple[User, str]] = [(customer, "customer")] if customer is not None else []
        if kind != "reminder":
            team = await session.execute(
                select(User)
                .join(CompanyMember, CompanyMember.user_id == User.id)
                .where(
                    CompanyMember.company_id == booking.company_id,
                    CompanyMember.role.in_(("owner", "manager")),
                    User.is_deleted.is_(False),
                )
            )
            people.extend((user, "studio") for user in team.scalars() if user.id != booking.customer_id)
        return [(user, audience) for user, audience in people if not user.is_deleted]


@job(service.SEND_BOOKING_EMAILS, max_retries=3)
async def send_booking_emails(ctx: JobContext, booking_id: str, kind: str, reason: str = "") -> int:
    """Queue one email per recipient about the booking (see the module docstring)."""
    async with ctx.database.transaction() as session:
        booking = await session.get(Booking, uuid.UUID(booking_id))
        if booking is None:
            return 0
        studio = await session.get(Studio, booking.studio_id)
        room = await session.get(Room, booking.room_id)
        customer = await session.get(User, booking.customer_id)
    if studio is None or room is None or ctx.jobs is None:
        return 0
    attachments = invite_attachments(booking, studio, room, kind)
    frontend = ctx.settings.FRONTEND_URL.rstrip("/")
    sent = 0
    for user, audience in await _recipients(ctx, booking, kind):
        language = (user.locale or "en").split("-")[0].lower()
        context: dict[str, Any] = {
            "first_name": user.first_name or user.email.split("@")[0],
            "audience": audience,
            "studio_name": studio.name,
            "room_name": room.name,
            "starts_at": _when(booking, studio, "start"),
            "ends_at": _when(booking, studio, "end"),
            "booking_id": str(booking.id),
            "price": f"{booking.price:.2f} {booking.currency}",
            "link": f"{frontend}/bookings/{booking.id}",
            "reason": LATE_PAYMENT_REASON.get(language, LATE_PAYMENT_REASON["en"])
            if kind == "late-payment"
            else reason,
            "refunded": f"{booking.refunded_amount:.2f} {booking.currency}"
            if booking.refunded_amount
            else "",
            "customer_name": (customer.first_name if customer is not None else "")
            if audience == "studio"
            else "",
        }
        if attachments:  # pragma: no cover - wired at the booking2b merge (see invite_attachments)
            context["attachments"] = list(attachments)
        await ctx.jobs.enqueue(SEND_EMAIL, user.email, TEMPLATES[kind], user.locale, context)
        sent += 1
    logger.info("booking %s: %s email queued for %d recipient(s)", booking.id, kind, sent)
    return sent
