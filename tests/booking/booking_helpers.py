"""Shared steps of the bookings tests: a bookable room in a given timezone and week, bookings,
the offline pay page, stored rows."""

from __future__ import annotations

import email.message
import uuid
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import httpx
from fastapi import FastAPI
from sqlalchemy import select, update

from mosaic.accounts.billing.models import Charge
from mosaic.booking.bookings.models import Booking, BookingStatus
from mosaic.core.database import utcnow
from tests.accounts.conftest import Account
from tests.booking.conftest import API, create_city, create_company, create_room, create_studio, data

EVERY_DAY_24H = {"hours": [{"weekday": day, "mode": "24h", "intervals": []} for day in range(7)]}


def every_day(open_at: str, close_at: str) -> dict[str, Any]:
    interval = [{"open": open_at, "close": close_at}]
    return {"hours": [{"weekday": day, "mode": "open", "intervals": interval} for day in range(7)]}


async def bookable_room(
    client: httpx.AsyncClient,
    owner: Account,
    admin: Account,
    *,
    timezone: str = "Europe/Lisbon",
    currency: str = "EUR",
    week: dict[str, Any] | None = None,
    tiers: list[dict[str, Any]] | None = None,
    studio_fields: dict[str, Any] | None = None,
    company_id: str | None = None,
    **room_fields: Any,
) -> tuple[dict[str, Any], dict[str, Any]]:
    """A published studio (open every day 24h unless `week`) with one priced room.

    The studio books up to two years ahead with no notice unless `studio_fields` say otherwise, so
    tables for 2027 dates do not depend on today's date."""
    city = await create_city(client, admin, timezone=timezone)
    if company_id is None:
        company_id = (await create_company(client, owner))["id"]
    fields = {"min_notice_minutes": 0, "max_advance_days": 730, **(studio_fields or {})}
    studio = await create_studio(
        client, owner, company_id, city["id"], timezone=timezone, currency=currency, **fields
    )
    data(
        await client.put(
            f"{API}/studios/{studio['id']}/hours", json=week or EVERY_DAY_24H, headers=owner.headers
        )
    )
    room = await create_room(
        client, owner, studio["id"], **{"buffer_minutes": 0, "max_hours": 12, **room_fields}
    )
    body = {"tiers": tiers or [{"hours": 1, "price": "50.00"}, {"hours": 3, "price": "120.00"}]}
    data(await client.put(f"{API}/rooms/{room['id']}/prices", json=body, headers=owner.headers))
    return studio, room


async def availability(
    client: httpx.AsyncClient, room_id: str, first: str, last: str | None = None, hours: int = 1
) -> dict[str, Any]:
    params: dict[str, str | int] = {"from": first, "to": last or first, "hours": hours}
    result: dict[str, Any] = data(await client.get(f"{API}/rooms/{room_id}/availability", params=params))
    return result


def local_starts(answer: dict[str, Any]) -> list[str]:
    return [slot["local_start"] for slot in answer["slots"]]


def utc_starts(answer: dict[str, Any]) -> list[str]:
    return [slot["start"] for slot in answer["slots"]]


async def book(
    client: httpx.AsyncClient, who: Account, room_id: str, start: str, hours: int = 1
) -> httpx.Response:
    body = {"room_id": room_id, "start": start, "hours": hours}
    return await client.post(f"{API}/bookings", json=body, headers=who.headers)


async def booked(
    client: httpx.AsyncClient, who: Account, room_id: str, start: str, hours: int = 1
) -> dict[str, Any]:
    result: dict[str, Any] = data(await book(client, who, room_id, start, hours), 201)
    return result


def text_of(message: email.message.Message) -> str:
    """The plain-text part of an outbox message, decoded."""
    for part in message.walk():
        if part.get_content_type() == "text/plain":
            payload = part.get_payload(decode=True)
            assert isinstance(payload, bytes)
            return payload.decode()
    raise AssertionError("no text part")


def pay_path(payment_url: str) -> str:
    return urlsplit(payment_url).path


def next_hour(after: timedelta) -> str:
    """The first whole UTC hour at least `after` from now, ISO 8601 (a start on a 60-minute grid)."""
    moment = utcnow() + after
    whole = moment.replace(minute=0, second=0, microsecond=0)
    if whole < moment:
        whole += timedelta(hours=1)
    return whole.isoformat().replace("+00:00", "Z")


async def booking_row(app: FastAPI, booking_id: str) -> Booking:
    async with app.state.database.transaction() as session:
        row = await session.get(Booking, uuid.UUID(booking_id))
        assert row is not None
        session.expunge(row)
        return row


async def charge_of(app: FastAPI, booking_id: str) -> Charge:
    async with app.state.database.transaction() as session:
        row = (
            (
                await session.execute(
                    select(Charge)
                    .where(Charge.reference_kind == "booking", Charge.reference_id == booking_id)
                    .order_by(Charge.created_at)
                )
            )
            .scalars()
            .first()
        )
        assert row is not None
        session.expunge(row)
        return row


async def history(app: FastAPI, booking_id: str) -> list[tuple[str | None, str, str]]:
    async with app.state.database.transaction() as session:
        rows = await session.execute(
            select(BookingStatus.from_status, BookingStatus.to_status, BookingStatus.actor)
            .where(BookingStatus.booking_id == uuid.UUID(booking_id))
            .order_by(BookingStatus.at)
        )
        return [(a, b, c) for a, b, c in rows.all()]


async def lapse_hold(app: FastAPI, booking_id: str, *, charge_too: bool = True) -> None:
    """Move a hold (and its checkout) into the past, as if its 30 minutes had gone by."""
    past = utcnow() - timedelta(seconds=1)
    async with app.state.database.transaction() as session:
        await session.execute(
            update(Booking).where(Booking.id == uuid.UUID(booking_id)).values(hold_expires_at=past)
        )
        if charge_too:
            await session.execute(
                update(Charge)
                .where(Charge.reference_kind == "booking", Charge.reference_id == booking_id)
                .values(expires_at=past)
            )


async def move_booking(app: FastAPI, booking_id: str, start: datetime, end: datetime) -> None:
    async with app.state.database.transaction() as session:
        await session.execute(
            update(Booking)
            .where(Booking.id == uuid.UUID(booking_id))
            .values(start_at=start, end_at=end, blocked_until=end)
        )


async def run_job(app: FastAPI, name: str) -> None:
    await app.state.jobs.enqueue(name)
    await app.state.jobs.drain()
    await app.state.jobs.drain()
