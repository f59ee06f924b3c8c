"""HTTP layer of bookings: public availability; customers book, pay, list, cancel; teams list, cancel."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Query, Request, status
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from mosaic.accounts.billing.models import Charge
from mosaic.accounts.billing.router import Gateway
from mosaic.accounts.billing.service import gateway_name
from mosaic.accounts.deps import CurrentUser
from mosaic.booking.access import Staff, role_at_least
from mosaic.booking.bookings import service
from mosaic.booking.bookings.models import Booking
from mosaic.booking.bookings.schemas import (
    AvailabilityOut,
    BookingDetailOut,
    BookingIn,
    BookingOut,
    BookingStatusName,
    CancelIn,
    CancellationOut,
    SlotOut,
    StatusChangeOut,
)
from mosaic.booking.companies.models import CompanyMember
from mosaic.booking.rooms.router import visible_room
from mosaic.booking.studios.models import Studio
from mosaic.core.access import public
from mosaic.core.config import Settings
from mosaic.core.deps import SessionDep, SettingsDep, WriteSessionDep
from mosaic.core.envelope import Envelope, created, ok
from mosaic.core.errors import Forbidden, error_responses
from mosaic.core.jobs import JobQueue, get_jobs
from mosaic.core.pagination import Page, PageParams
from mosaic.providers.payments import PaymentGateway, build_payment_gateway

availability_router = APIRouter(prefix="/rooms", tags=["bookings"])
router = APIRouter(prefix="/bookings", tags=["bookings"])
studio_bookings_router = APIRouter(prefix="/studios", tags=["bookings"])

Jobs = Annotated[JobQueue, Depends(get_jobs)]

SLOT_TAKEN = (409, [("SLOT_UNAVAILABLE", "This slot is no longer available")])
STATUS_CONFLICT = ("BOOKING_STATUS_CONFLICT", "A completed booking cannot become cancelled")
GATEWAY_DOWN = ("PAYMENT_GATEWAY_UNAVAILABLE", "The payment provider could not be reached; try again shortly")
BAD_RANGE = ("VALIDATION_ERROR", "to must be on or after from")


def booking_out(
    booking: Booking, studio: Studio, charge: Charge | None, schema: type[Any] = BookingOut, **extra: Any
) -> Any:
    zone = ZoneInfo(studio.timezone)
    payable = (
        booking.status == "pending"
        and charge is not None
        and charge.status == "pending"
        and charge.checkout_url
    )
    return schema(
        id=booking.id,
        status=booking.status,
        start=booking.start_at,
        end=booking.end_at,
        local_start=booking.start_at.astimezone(zone),
        local_end=booking.end_at.astimezone(zone),
        timezone=studio.timezone,
        hours=booking.hours,
        price=booking.price,
        currency=booking.currency,
        hold_expires_at=booking.hold_expires_at if booking.status == "pending" else None,
        payment_url=charge.checkout_url if payable and charge is not None else None,
        room_id=booking.room_id,
        studio_id=booking.studio_id,
        customer_id=booking.customer_id,
        cancelled_by=booking.cancelled_by,
        refunded_amount=booking.refunded_amount,
        created_at=booking.created_at,
        updated_at=booking.updated_at,
        **extra,
    )


async def _outs(session: AsyncSession, bookings: list[Booking]) -> list[BookingOut]:
    studios = {s.id: s for s in await _load(session, Studio, {b.studio_id for b in bookings})}
    charges = {c.id: c for c in await _load(session, Charge, {b.charge_id for b in bookings if b.charge_id})}
    return [
        booking_out(b, studios[b.studio_id], charges.get(b.charge_id) if b.charge_id else None)
        for b in bookings
    ]


async def _load(session: AsyncSession, model: Any, ids: set[Any]) -> list[Any]:
    if not ids:
        return []
    return list((await session.execute(select(model).where(model.id.in_(ids)))).scalars())


async def _team_roles(session: AsyncSession, user_id: uuid.UUID) -> dict[uuid.UUID, str]:
    rows = await session.execute(
        select(CompanyMember.company_id, CompanyMember.role).where(CompanyMember.user_id == user_id)
    )
    return {company_id: role for company_id, role in rows.all()}


def gateway_for(app_gateway: PaymentGateway, settings: Settings) -> Any:
    """The gateway a charge was taken through (the app's one, unless the provider changed since)."""

    def pick(charge: Charge) -> PaymentGateway:
        if charge.gateway == app_gateway.name:
            return app_gateway
        return build_payment_gateway(settings, gateway_name(charge.gateway))

    return pick


@availability_router.get(
    "/{room_id}/availability",
    response_model=Envelope[AvailabilityOut],
    summary="Free starts of a room for a booking length (studio's timezone, DST-exact)",
    responses=error_responses(404, codes={400: [BAD_RANGE]}),
)
@public
async def room_availability(
    room_id: uuid.UUID,
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    from_: Annotated[date, Query(alias="from", description="First local day (studio's timezone).")],
    to: Annotated[date, Query(description="Last local day, inclusive (at most 62 days after `from`).")],
    hours: Annotated[int, Query(ge=1, le=24, description="The booking length in whole hours.")],
) -> Envelope[AvailabilityOut]:
    room, studio = await visible_room(session, request, room_id)
    found = await service.room_availability(session, settings, room, studio, from_, to, hours)
    slots = [
        SlotOut(start=slot.start, local_start=slot.local_start, price=found.price) for slot in found.slots
    ]
    out = AvailabilityOut(
        room_id=room.id, timezone=studio.timezone, hours=hours, currency=studio.currency, slots=slots
    )
    return ok(out, f"{len(slots)} start(s) available")


@router.post(
    "",
    response_model=Envelope[BookingOut],
    status_code=status.HTTP_201_CREATED,
    summary="Book a room: a pending hold and a payment link",
    responses=error_responses(401, 404, codes={409: SLOT_TAKEN[1], 503: [GATEWAY_DOWN]}),
)
async def create_booking(
    body: BookingIn, session: WriteSessionDep, settings: SettingsDep, user: CurrentUser, gateway: Gateway
) -> Envelope[BookingOut]:
    booking, charge = await service.create_booking(
        session, settings, gateway, user, body.room_id, body.start, body.hours
    )
    studio = await session.get(Studio, booking.studio_id)
    assert studio is not None
    return created(booking_out(booking, studio, charge), "Booking held: pay at payment_url to confirm it")


@router.get(
    "",
    response_model=Envelope[Page[BookingOut]],
    summary="My bookings",
    responses=error_responses(401),
)
async def list_my_bookings(
    session: SessionDep,
    user: CurrentUser,
    page: Annotated[PageParams, service.BookingRepository.pagination],
    status_filter: Annotated[
        BookingStatusName | None, Query(alias="status", description="Only bookings in this status.")
    ] = None,
) -> Envelope[Page[BookingOut]]:
    rows, total = await service.BookingRepository(session).paginate(
        page, owner_id=user.id, filter_by={"status": status_filter}
    )
    return ok(Page[BookingOut].build(await _outs(session, rows), total, page), "Bookings retrieved")


@router.get(
    "/{booking_id}",
    response_model=Envelope[BookingDetailOut],
    summary="A booking and its status history (its customer or the studio's team)",
    responses=error_responses(401, 404),
)
async def get_booking(
    booking_id: uuid.UUID, session: SessionDep, user: CurrentUser
) -> Envelope[BookingDetailOut]:
    roles = await _team_roles(session, user.id)
    booking = await service.get_for_viewer(session, booking_id, user.id, set(roles))
    studio = await session.get(Studio, booking.studio_id)
    assert studio is not None
    changes = [StatusChangeOut.model_validate(row) for row in await service.history_of(session, booking.id)]
    charge = await service.charge_of(session, booking)
    out = booking_out(booking, studio, charge, BookingDetailOut, history=changes)
    return ok(out, "Booking retrieved")


@router.post(
    "/{booking_id}/cancel",
    response_model=Envelope[CancellationOut],
    summary="Cancel a booking (customer: refund by the studio's policy; studio manager: full refund)",
    responses=error_responses(
        401,
        404,
        codes={
            403: [("COMPANY_ROLE_REQUIRED", "This needs the company role 'manager' or above")],
            409: [STATUS_CONFLICT],
            503: [GATEWAY_DOWN],
        },
    ),
)
async def cancel_booking(
    booking_id: uuid.UUID,
    body: CancelIn,
    session: WriteSessionDep,
    settings: SettingsDep,
    user: CurrentUser,
    gateway: Gateway,
    jobs: Jobs,
) -> Envelope[CancellationOut]:
    roles = await _team_roles(session, user.id)
    booking = await service.get_for_viewer(session, booking_id, user.id, set(roles))
    booking = await session.get(Booking, booking.id, with_for_update=True, populate_existing=True) or booking
    if booking.customer_id == user.id:
        by = "customer"
    else:
        if not role_at_least(roles[booking.company_id], "manager"):
            raise Forbidden("This needs the company role 'manager' or above", code="COMPANY_ROLE_REQUIRED")
        by = "studio"
    result = await service.cancel_booking(
        session,
        settings,
        gateway_for(gateway, settings),
        booking,
        by=by,
        actor_id=user.id,
        reason=body.reason
        or ("Cancelled by the customer" if by == "customer" else "Cancelled by the studio"),
        jobs=jobs,
    )
    studio = await session.get(Studio, booking.studio_id)
    assert studio is not None
    charge = await service.charge_of(session, booking)
    out = booking_out(result.booking, studio, charge, CancellationOut, refunded_now=result.refunded)
    return ok(out, "Booking cancelled")


@studio_bookings_router.get(
    "/{studio_id}/bookings",
    response_model=Envelope[Page[BookingOut]],
    summary="A studio's bookings (team): by room, status and local date range",
    responses=error_responses(401, 404, codes={400: [BAD_RANGE]}),
)
async def list_studio_bookings(
    studio_id: uuid.UUID,
    session: SessionDep,
    access: Staff,
    page: Annotated[PageParams, service.BookingRepository.pagination],
    room_id: Annotated[uuid.UUID | None, Query(description="Only this room's bookings.")] = None,
    status_filter: Annotated[
        BookingStatusName | None, Query(alias="status", description="Only bookings in this status.")
    ] = None,
    from_: Annotated[
        date | None,
        Query(alias="from", description="Starting on or after this local day (studio's timezone)."),
    ] = None,
    to: Annotated[date | None, Query(description="Starting on or before this local day.")] = None,
) -> Envelope[Page[BookingOut]]:
    studio = access.studio
    assert studio is not None
    if from_ is not None and to is not None and to < from_:
        raise service.invalid_range("to must be on or after from")
    filters = service.local_bounds(from_, to, ZoneInfo(studio.timezone))
    rows, total = await service.BookingRepository(session).paginate(
        page,
        filters=[Booking.studio_id == studio.id, *filters],
        filter_by={"room_id": room_id, "status": status_filter},
    )
    return ok(Page[BookingOut].build(await _outs(session, rows), total, page), "Bookings retrieved")
