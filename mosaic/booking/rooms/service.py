"""Room rules: rooms of a studio, the tier list (replaced whole), quotes, and the studio's search
columns (cheapest hourly price, largest capacity) kept in step with its live rooms."""

from __future__ import annotations

import logging
import uuid
from decimal import Decimal

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from mosaic.booking.access import CompanyAccess
from mosaic.booking.rooms import pricing
from mosaic.booking.rooms.models import Room, RoomPrice
from mosaic.booking.rooms.schemas import RoomIn, RoomUpdate, TiersIn
from mosaic.booking.studios.models import Studio
from mosaic.core.crud import put_values
from mosaic.core.errors import InvalidInput
from mosaic.core.pagination import PageParams
from mosaic.core.repository import Repository

logger = logging.getLogger("mosaic.booking.rooms")


class RoomRepository(Repository[Room]):
    model = Room
    label = "Room"
    sortable = frozenset({"name", "created_at", "capacity"})
    default_sort = "name"


async def tiers_of(session: AsyncSession, room_id: uuid.UUID) -> list[RoomPrice]:
    statement = select(RoomPrice).where(RoomPrice.room_id == room_id).order_by(RoomPrice.hours)
    return list((await session.execute(statement)).scalars())


def as_pairs(tiers: list[RoomPrice]) -> list[tuple[int, Decimal]]:
    return [(tier.hours, tier.price) for tier in tiers]


async def refresh_studio_search_columns(session: AsyncSession, studio: Studio) -> None:
    rooms = (
        (await session.execute(select(Room).where(Room.studio_id == studio.id, Room.is_deleted.is_(False))))
        .scalars()
        .all()
    )
    prices = [room.min_hourly_price for room in rooms if room.min_hourly_price is not None]
    studio.min_hourly_price = min(prices) if prices else None
    studio.max_capacity = max((room.capacity for room in rooms), default=0)
    await session.flush()


async def create_room(session: AsyncSession, access: CompanyAccess, data: RoomIn) -> Room:
    assert access.studio is not None
    room = await RoomRepository(session).create(studio_id=access.studio.id, **data.model_dump())
    await refresh_studio_search_columns(session, access.studio)
    logger.info("room %s created in studio %s", room.id, access.studio.id)
    return room


async def list_rooms(
    session: AsyncSession, studio_id: uuid.UUID, params: PageParams
) -> tuple[list[Room], int]:
    return await RoomRepository(session).paginate(params, filter_by={"studio_id": studio_id})


async def _studio(session: AsyncSession, room: Room) -> Studio:
    studio = await session.get(Studio, room.studio_id)
    assert studio is not None
    return studio


async def update_room(session: AsyncSession, access: CompanyAccess, data: RoomUpdate) -> Room:
    room = access.room
    assert room is not None
    values = put_values(data, Room)
    low, high = values.get("min_hours", room.min_hours), values.get("max_hours", room.max_hours)
    if high < low:
        raise InvalidInput(
            "max_hours cannot be less than min_hours",
            details=[
                {
                    "field": "max_hours",
                    "location": "body",
                    "message": f"at least {low}",
                    "type": "value_error",
                }
            ],
        )
    await RoomRepository(session).update(room, values)
    await refresh_studio_search_columns(session, await _studio(session, room))
    return room


async def delete_room(session: AsyncSession, access: CompanyAccess) -> None:
    room = access.room
    assert room is not None
    await RoomRepository(session).soft_delete(room)
    await refresh_studio_search_columns(session, await _studio(session, room))


async def set_tiers(session: AsyncSession, access: CompanyAccess, data: TiersIn) -> list[RoomPrice]:
    room = access.room
    assert room is not None
    await session.execute(delete(RoomPrice).where(RoomPrice.room_id == room.id))
    session.add_all(RoomPrice(room_id=room.id, hours=tier.hours, price=tier.price) for tier in data.tiers)
    await session.flush()
    room.min_hourly_price = pricing.cheapest_hourly([(tier.hours, tier.price) for tier in data.tiers])
    await refresh_studio_search_columns(session, await _studio(session, room))
    return await tiers_of(session, room.id)


def bookable(room: Room, tiers: list[RoomPrice]) -> list[int]:
    return pricing.bookable_lengths(as_pairs(tiers), range(room.min_hours, room.max_hours + 1))


def quote(room: Room, tiers: list[RoomPrice], hours: int) -> pricing.Quote:
    """The cheapest exact combination, or a 422 naming the lengths this room can be booked for."""
    lengths = bookable(room, tiers)
    found = pricing.quote(as_pairs(tiers), hours) if room.min_hours <= hours <= room.max_hours else None
    if found is None:
        listed = ", ".join(str(length) for length in lengths) or "none (the room has no price tiers)"
        raise InvalidInput(
            f"A booking of {hours} h cannot be priced; bookable lengths: {listed}",
            code="LENGTH_NOT_BOOKABLE",
            details=[
                {
                    "field": "hours",
                    "location": "query",
                    "message": f"bookable lengths (hours): {listed}",
                    "type": "value_error",
                }
            ],
        )
    return found
