"""HTTP layer of rooms: public reads of published studios' rooms; managers write rooms, tiers, photos."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, File, Query, Request, UploadFile, status
from sqlalchemy.ext.asyncio import AsyncSession

from mosaic.booking.access import Manager, viewer_id
from mosaic.booking.photos import Gallery, photos_out
from mosaic.booking.rooms import service
from mosaic.booking.rooms.models import Room, RoomPhoto
from mosaic.booking.rooms.schemas import QuoteOut, RoomIn, RoomOut, RoomUpdate, TierOut, TiersIn, TierUse
from mosaic.booking.studios.models import Studio
from mosaic.booking.studios.schemas import PhotoOrderIn, PhotoOut
from mosaic.booking.studios.service import visible_studio
from mosaic.core.access import public
from mosaic.core.deps import SessionDep, SettingsDep
from mosaic.core.envelope import Envelope, created, ok
from mosaic.core.errors import NotFound, error_responses
from mosaic.core.pagination import Page, PageParams
from mosaic.providers.storage import StorageDep, StorageProvider

studio_rooms_router = APIRouter(prefix="/studios", tags=["rooms"])
router = APIRouter(prefix="/rooms", tags=["rooms"])


def gallery(session: AsyncSession, room_id: uuid.UUID) -> Gallery:
    return Gallery(session, RoomPhoto, "room_id", room_id, f"rooms/{room_id}/photos")


async def room_out(session: AsyncSession, storage: StorageProvider, room: Room, studio: Studio) -> RoomOut:
    tiers = await service.tiers_of(session, room.id)
    return RoomOut(
        id=room.id,
        studio_id=room.studio_id,
        name=room.name,
        description=room.description,
        capacity=room.capacity,
        min_hours=room.min_hours,
        max_hours=room.max_hours,
        buffer_minutes=room.buffer_minutes,
        slot_step_minutes=room.slot_step_minutes,
        currency=studio.currency,
        tiers=[TierOut.model_validate(tier) for tier in tiers],
        cheapest_hourly_price=room.min_hourly_price,
        bookable_lengths=service.bookable(room, tiers),
        photos=await photos_out(await gallery(session, room.id).list(), storage),
        created_at=room.created_at,
        updated_at=room.updated_at,
    )


async def visible_room(session: AsyncSession, request: Request, room_id: uuid.UUID) -> tuple[Room, Studio]:
    room = await service.RoomRepository(session).get(room_id)
    if room is None:
        raise NotFound("Room not found")
    try:
        studio = await visible_studio(session, str(room.studio_id), await viewer_id(request))
    except NotFound:
        raise NotFound("Room not found") from None
    return room, studio


@studio_rooms_router.post(
    "/{studio_id}/rooms",
    response_model=Envelope[RoomOut],
    status_code=status.HTTP_201_CREATED,
    summary="Add a room to a studio (manager)",
    responses=error_responses(401, 403, 404),
)
async def create_room(
    studio_id: uuid.UUID, body: RoomIn, session: SessionDep, storage: StorageDep, access: Manager
) -> Envelope[RoomOut]:
    assert access.studio is not None
    room = await service.create_room(session, access, body)
    return created(await room_out(session, storage, room, access.studio), "Room created successfully")


@studio_rooms_router.get(
    "/{studio_id}/rooms",
    response_model=Envelope[Page[RoomOut]],
    summary="A studio's rooms",
    responses=error_responses(404),
)
@public
async def list_studio_rooms(
    studio_id: uuid.UUID,
    request: Request,
    session: SessionDep,
    storage: StorageDep,
    page: Annotated[PageParams, service.RoomRepository.pagination],
) -> Envelope[Page[RoomOut]]:
    studio = await visible_studio(session, str(studio_id), await viewer_id(request))
    rows, total = await service.list_rooms(session, studio.id, page)
    items = [await room_out(session, storage, room, studio) for room in rows]
    return ok(Page[RoomOut].build(items, total, page), "Rooms retrieved successfully")


@router.get(
    "/{room_id}", response_model=Envelope[RoomOut], summary="Get a room", responses=error_responses(404)
)
@public
async def get_room(
    room_id: uuid.UUID, request: Request, session: SessionDep, storage: StorageDep
) -> Envelope[RoomOut]:
    room, studio = await visible_room(session, request, room_id)
    return ok(await room_out(session, storage, room, studio), "Room retrieved successfully")


@router.put(
    "/{room_id}",
    response_model=Envelope[RoomOut],
    summary="Update a room (manager)",
    responses=error_responses(401, 403, 404),
)
async def update_room(
    room_id: uuid.UUID, body: RoomUpdate, session: SessionDep, storage: StorageDep, access: Manager
) -> Envelope[RoomOut]:
    room = await service.update_room(session, access, body)
    assert access.studio is not None
    return ok(await room_out(session, storage, room, access.studio), "Room updated successfully")


@router.delete(
    "/{room_id}",
    response_model=Envelope[None],
    summary="Delete a room (manager, soft delete)",
    responses=error_responses(401, 403, 404),
)
async def delete_room(room_id: uuid.UUID, session: SessionDep, access: Manager) -> Envelope[None]:
    await service.delete_room(session, access)
    return ok(None, "Room deleted successfully")


@router.put(
    "/{room_id}/prices",
    response_model=Envelope[RoomOut],
    summary="Replace a room's price tiers (manager)",
    responses=error_responses(401, 403, 404),
)
async def set_room_prices(
    room_id: uuid.UUID, body: TiersIn, session: SessionDep, storage: StorageDep, access: Manager
) -> Envelope[RoomOut]:
    assert access.room is not None and access.studio is not None
    await service.set_tiers(session, access, body)
    return ok(await room_out(session, storage, access.room, access.studio), "Prices updated")


@router.get(
    "/{room_id}/quote",
    response_model=Envelope[QuoteOut],
    summary="The price of a booking length (cheapest tier combination)",
    responses=error_responses(404),
)
@public
async def quote_room(
    room_id: uuid.UUID,
    request: Request,
    session: SessionDep,
    hours: Annotated[int, Query(ge=1, le=24, description="The booking length in whole hours.")],
) -> Envelope[QuoteOut]:
    room, studio = await visible_room(session, request, room_id)
    found = service.quote(room, await service.tiers_of(session, room.id), hours)
    combination = [TierUse(hours=tier_hours, count=count) for tier_hours, count in found.combination]
    out = QuoteOut(
        room_id=room.id, hours=hours, total=found.total, currency=studio.currency, combination=combination
    )
    return ok(out, "Price computed")


@router.post(
    "/{room_id}/photos",
    response_model=Envelope[PhotoOut],
    status_code=status.HTTP_201_CREATED,
    summary="Upload a room photo (manager; JPEG, PNG or GIF)",
    responses=error_responses(
        401, 403, 404, 413, 415, codes={409: [("TOO_MANY_PHOTOS", "At most 30 photos")]}
    ),
)
async def upload_room_photo(
    room_id: uuid.UUID,
    session: SessionDep,
    settings: SettingsDep,
    storage: StorageDep,
    access: Manager,
    file: Annotated[UploadFile, File(description="The image; its content decides its type")],
) -> Envelope[PhotoOut]:
    photo = await gallery(session, room_id).add(storage, settings, file)
    return created((await photos_out([photo], storage))[0], "Photo uploaded")


@router.put(
    "/{room_id}/photos/order",
    response_model=Envelope[list[PhotoOut]],
    summary="Reorder a room's photos (manager)",
    responses=error_responses(401, 403, 404),
)
async def reorder_room_photos(
    room_id: uuid.UUID, body: PhotoOrderIn, session: SessionDep, storage: StorageDep, access: Manager
) -> Envelope[list[PhotoOut]]:
    return ok(
        await photos_out(await gallery(session, room_id).reorder(body.photo_ids), storage), "Photos reordered"
    )


@router.delete(
    "/{room_id}/photos/{photo_id}",
    response_model=Envelope[None],
    summary="Delete a room photo (manager)",
    responses=error_responses(401, 403, 404),
)
async def delete_room_photo(
    room_id: uuid.UUID, photo_id: uuid.UUID, session: SessionDep, storage: StorageDep, access: Manager
) -> Envelope[None]:
    await gallery(session, room_id).delete(storage, photo_id)
    return ok(None, "Photo deleted")
