"""HTTP layer of studios: public search and pages, and what a company's team manages.

Writes go through `require_company_role` (managers edit studios, hours, closures, equipment,
badges and photos); public reads show published studios of live companies only, and a studio's
own team also sees it unpublished.
"""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, File, Path, Query, Request, UploadFile, status
from sqlalchemy import select

from mosaic.accounts.deps import CurrentPrincipal
from mosaic.booking.access import Manager, Staff, viewer_id
from mosaic.booking.bookings.service import free_studio_ids
from mosaic.booking.catalogues.schemas import BadgeOut
from mosaic.booking.common import Price
from mosaic.booking.photos import Gallery, photos_out
from mosaic.booking.studios import search, service
from mosaic.booking.studios.models import Studio, StudioPhoto
from mosaic.booking.studios.schemas import (
    BadgesIn,
    ClosureIn,
    ClosureOut,
    EquipmentIn,
    EquipmentOut,
    EquipmentUpdate,
    FavouriteOut,
    HoursIn,
    HoursOut,
    PhotoOrderIn,
    PhotoOut,
    RoomSummary,
    StudioDetail,
    StudioIn,
    StudioOut,
    StudioSearchItem,
    StudioUpdate,
)
from mosaic.core.access import public
from mosaic.core.cache import cache_key, entity_tag, get_or_set, request_cache
from mosaic.core.config import Settings
from mosaic.core.deps import SessionDep, SettingsDep
from mosaic.core.envelope import Envelope, created, ok
from mosaic.core.errors import ValidationFailed, error_responses
from mosaic.core.pagination import Page, PageParams, page_of
from mosaic.providers.storage import StorageDep, StorageProvider

router = APIRouter(prefix="/studios", tags=["studios"])
company_studios_router = APIRouter(prefix="/companies", tags=["studios"])
favourites_router = APIRouter(prefix="/users/me", tags=["studios"])

SLUG_ERRORS = {409: [("SLUG_TAKEN", "The slug 'blue-room' is already taken")]}


# A studio page depends on its studio row (hours, rooms, equipment and photos name it as their
# cache parent; tier and badge changes touch it), its company and the badge catalogue.
def detail_tags(studio: Studio) -> list[str]:
    return [entity_tag("studios", studio.id), entity_tag("companies", studio.company_id), "badges"]


DETAIL_TTL_SECONDS = 60  # shorter than a presigned photo URL lives


def studio_out(studio: Studio, settings: Settings, schema: type[StudioOut] = StudioOut, **extra: Any) -> Any:
    out = schema.model_validate(studio)
    out.cheapest_hourly_price = studio.min_hourly_price
    out.cancellation_policy = service.policy(studio, settings)
    out.booking_window = service.booking_window(studio, settings)
    for name, value in extra.items():
        setattr(out, name, value)
    return out


def gallery(request_session: Any, studio_id: uuid.UUID) -> Gallery:
    return Gallery(request_session, StudioPhoto, "studio_id", studio_id, f"studios/{studio_id}/photos")


# -- public search and pages ---------------------------------------------------------------------
@router.get(
    "",
    response_model=Envelope[Page[StudioSearchItem]],
    summary="Search published studios",
    responses=error_responses(codes={400: [("VALIDATION_ERROR", "hours needs available_on")]}),
)
@public
async def search_studios(
    session: SessionDep,
    settings: SettingsDep,
    storage: StorageDep,
    page: Annotated[PageParams, search.StudioSearchSorts.pagination],
    city_id: Annotated[uuid.UUID | None, Query(description="Only studios in this city.")] = None,
    country: Annotated[
        str | None,
        Query(pattern=r"^[A-Za-z]{2}$", description="Only studios in this ISO 3166-1 alpha-2 country."),
    ] = None,
    q: Annotated[
        str | None, Query(max_length=200, description="Full-text query on name and description.")
    ] = None,
    equipment: Annotated[
        list[uuid.UUID] | None,
        Query(max_length=20, description="Equipment type ids: the studio has all of them."),
    ] = None,
    badge: Annotated[
        list[uuid.UUID] | None, Query(max_length=20, description="Badge ids: the studio has all of them.")
    ] = None,
    min_price: Annotated[Price | None, Query(description="Cheapest hourly price at least this.")] = None,
    max_price: Annotated[Price | None, Query(description="Cheapest hourly price at most this.")] = None,
    capacity: Annotated[
        int | None, Query(ge=1, le=1000, description="Has a room for at least this many people.")
    ] = None,
    near: Annotated[
        str | None,
        Query(
            max_length=64,
            pattern=search.NEAR_PATTERN,
            description="`lat,lng` in decimal degrees: only studios within `radius_km`, with their distance.",
        ),
    ] = None,
    radius_km: Annotated[float, Query(gt=0, le=1000, description="Radius around `near`, in km.")] = 25.0,
    available_on: Annotated[
        date | None,
        Query(description="Only studios with a room free on this local day (for `hours` hours, default 1)."),
    ] = None,
    hours: Annotated[
        int | None, Query(ge=1, le=24, description="With `available_on`: the booking length in hours.")
    ] = None,
) -> Envelope[Page[StudioSearchItem]]:
    if hours is not None and available_on is None:
        raise ValidationFailed(
            "hours needs available_on",
            details=[
                {
                    "field": "hours",
                    "location": "query",
                    "message": "needs available_on",
                    "type": "value_error",
                }
            ],
        )
    query = search.StudioQuery(
        city_id=city_id,
        country=country,
        q=q,
        equipment=equipment or [],
        badges=badge or [],
        min_price=min_price,
        max_price=max_price,
        capacity=capacity,
        near=search.parse_near(near),
        radius_km=radius_km,
    )
    if available_on is not None:
        where = search.conditions(query, session.get_bind().dialect.name)
        free = await free_studio_ids(session, settings, where, available_on, hours or 1)
        query = replace(query, studio_ids=frozenset(free))
    rows, total = await search.search(session, query, page)
    covers = await _covers(session, storage, [studio.id for studio, _ in rows])
    items = [
        studio_out(
            studio,
            settings,
            StudioSearchItem,
            distance_km=None if distance is None else round(distance, 3),
            cover_photo_url=covers.get(studio.id),
        )
        for studio, distance in rows
    ]
    return ok(Page[StudioSearchItem].build(items, total, page), "Studios retrieved successfully")


async def _covers(
    session: Any, storage: StorageProvider, studio_ids: list[uuid.UUID]
) -> dict[uuid.UUID, str]:
    if not studio_ids:
        return {}
    rows = (
        await session.execute(
            select(StudioPhoto.studio_id, StudioPhoto.thumbnail_key).where(
                StudioPhoto.studio_id.in_(studio_ids), StudioPhoto.index == 0
            )
        )
    ).all()
    return {studio_id: await storage.url(key) for studio_id, key in rows}


async def _detail(session: Any, settings: Settings, storage: StorageProvider, studio: Studio) -> StudioDetail:
    rooms = [
        RoomSummary(
            id=room.id,
            name=room.name,
            capacity=room.capacity,
            min_hours=room.min_hours,
            max_hours=room.max_hours,
            cheapest_hourly_price=room.min_hourly_price,
        )
        for room in await service.rooms_of(session, studio.id)
    ]
    base = studio_out(studio, settings).model_dump()
    return StudioDetail(
        **base,
        hours=await service.get_hours(session, studio.id),
        equipment=[EquipmentOut.model_validate(e) for e in await service.list_equipment(session, studio.id)],
        badges=[BadgeOut.model_validate(b) for b in await service.studio_badges_of(session, studio.id)],
        photos=await photos_out(await gallery(session, studio.id).list(), storage),
        rooms=rooms,
    )


@router.get(
    "/{studio_id}",
    response_model=Envelope[StudioDetail],
    summary="A studio's page: rooms, hours, equipment, badges, photos",
    responses=error_responses(404),
)
@public
async def get_studio(
    studio_id: Annotated[str, Path(max_length=160, description="The studio's id or its slug.")],
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    storage: StorageDep,
) -> Envelope[StudioDetail]:
    studio = await service.visible_studio(session, studio_id, await viewer_id(request))

    async def load() -> StudioDetail:
        return await _detail(session, settings, storage, studio)

    detail = await get_or_set(
        request_cache(request),
        cache_key("booking", "studio_detail", {"id": str(studio.id)}),
        load,
        tags=detail_tags(studio),
        ttl=DETAIL_TTL_SECONDS,
        dump=lambda value: value.model_dump(mode="json"),
        restore=StudioDetail.model_validate,
        session=session,
    )
    return ok(detail, "Studio retrieved successfully")


# -- the team's writes ---------------------------------------------------------------------------
@router.post(
    "",
    response_model=Envelope[StudioOut],
    status_code=status.HTTP_201_CREATED,
    summary="Create a studio in one of my companies (manager)",
    responses=error_responses(401, 403, 404, codes=SLUG_ERRORS),
)
async def create_studio(
    body: StudioIn, session: SessionDep, settings: SettingsDep, access: Manager
) -> Envelope[StudioOut]:
    studio = await service.create_studio(session, access, body)
    return created(studio_out(studio, settings), "Studio created successfully")


@company_studios_router.get(
    "/{company_id}/studios",
    response_model=Envelope[Page[StudioOut]],
    summary="List a company's studios, published or not (team)",
    responses=error_responses(401, 404),
)
async def list_company_studios(
    company_id: uuid.UUID,
    session: SessionDep,
    settings: SettingsDep,
    page: Annotated[PageParams, service.StudioRepository.pagination],
    access: Staff,
) -> Envelope[Page[StudioOut]]:
    rows, total = await service.company_studios(session, access.company.id, page)
    return ok(
        page_of(StudioOut, rows, total, page, lambda s: studio_out(s, settings)),
        "Studios retrieved successfully",
    )


@router.put(
    "/{studio_id}",
    response_model=Envelope[StudioOut],
    summary="Update a studio (manager)",
    responses=error_responses(401, 403, 404, codes=SLUG_ERRORS),
)
async def update_studio(
    studio_id: uuid.UUID, body: StudioUpdate, session: SessionDep, settings: SettingsDep, access: Manager
) -> Envelope[StudioOut]:
    return ok(
        studio_out(await service.update_studio(session, access, body), settings),
        "Studio updated successfully",
    )


@router.delete(
    "/{studio_id}",
    response_model=Envelope[None],
    summary="Delete a studio (manager, soft delete)",
    responses=error_responses(401, 403, 404),
)
async def delete_studio(studio_id: uuid.UUID, session: SessionDep, access: Manager) -> Envelope[None]:
    await service.delete_studio(session, access)
    return ok(None, "Studio deleted successfully")


@router.get(
    "/{studio_id}/hours",
    response_model=Envelope[HoursOut],
    summary="A studio's weekly hours (local time)",
    responses=error_responses(404),
)
@public
async def get_studio_hours(studio_id: uuid.UUID, request: Request, session: SessionDep) -> Envelope[HoursOut]:
    studio = await service.visible_studio(session, str(studio_id), await viewer_id(request))
    return ok(
        HoursOut(timezone=studio.timezone, hours=await service.get_hours(session, studio.id)),
        "Hours retrieved",
    )


@router.put(
    "/{studio_id}/hours",
    response_model=Envelope[HoursOut],
    summary="Replace a studio's weekly hours (manager)",
    responses=error_responses(401, 403, 404),
)
async def set_studio_hours(
    studio_id: uuid.UUID, body: HoursIn, session: SessionDep, access: Manager
) -> Envelope[HoursOut]:
    assert access.studio is not None
    hours = await service.set_hours(session, access.studio, body)
    return ok(HoursOut(timezone=access.studio.timezone, hours=hours), "Hours updated")


@router.get(
    "/{studio_id}/closures",
    response_model=Envelope[Page[ClosureOut]],
    summary="A studio's closures (local time)",
    responses=error_responses(404),
)
@public
async def list_studio_closures(
    studio_id: uuid.UUID,
    request: Request,
    session: SessionDep,
    page: Annotated[PageParams, service.ClosureRepository.pagination],
) -> Envelope[Page[ClosureOut]]:
    studio = await service.visible_studio(session, str(studio_id), await viewer_id(request))
    rows, total = await service.list_closures(session, studio.id, page)
    return ok(page_of(ClosureOut, rows, total, page), "Closures retrieved")


@router.post(
    "/{studio_id}/closures",
    response_model=Envelope[ClosureOut],
    status_code=status.HTTP_201_CREATED,
    summary="Add a closure (manager)",
    responses=error_responses(401, 403, 404),
)
async def add_studio_closure(
    studio_id: uuid.UUID, body: ClosureIn, session: SessionDep, access: Manager
) -> Envelope[ClosureOut]:
    assert access.studio is not None
    return created(
        ClosureOut.model_validate(await service.add_closure(session, access.studio, body)), "Closure added"
    )


@router.delete(
    "/{studio_id}/closures/{closure_id}",
    response_model=Envelope[None],
    summary="Remove a closure (manager)",
    responses=error_responses(401, 403, 404),
)
async def delete_studio_closure(
    studio_id: uuid.UUID, closure_id: uuid.UUID, session: SessionDep, access: Manager
) -> Envelope[None]:
    assert access.studio is not None
    await service.delete_closure(session, access.studio, closure_id)
    return ok(None, "Closure removed")


@router.get(
    "/{studio_id}/equipment",
    response_model=Envelope[list[EquipmentOut]],
    summary="A studio's equipment",
    responses=error_responses(404),
)
@public
async def list_studio_equipment(
    studio_id: uuid.UUID, request: Request, session: SessionDep
) -> Envelope[list[EquipmentOut]]:
    studio = await service.visible_studio(session, str(studio_id), await viewer_id(request))
    rows = await service.list_equipment(session, studio.id)
    return ok([EquipmentOut.model_validate(row) for row in rows], "Equipment retrieved")


@router.post(
    "/{studio_id}/equipment",
    response_model=Envelope[EquipmentOut],
    status_code=status.HTTP_201_CREATED,
    summary="Add equipment (manager)",
    responses=error_responses(401, 403, 404),
)
async def add_studio_equipment(
    studio_id: uuid.UUID, body: EquipmentIn, session: SessionDep, access: Manager
) -> Envelope[EquipmentOut]:
    assert access.studio is not None
    row = await service.add_equipment(session, access.studio, body)
    return created(EquipmentOut.model_validate(row), "Equipment added")


@router.put(
    "/{studio_id}/equipment/{equipment_id}",
    response_model=Envelope[EquipmentOut],
    summary="Update equipment (manager)",
    responses=error_responses(401, 403, 404),
)
async def update_studio_equipment(
    studio_id: uuid.UUID, equipment_id: uuid.UUID, body: EquipmentUpdate, session: SessionDep, access: Manager
) -> Envelope[EquipmentOut]:
    assert access.studio is not None
    row = await service.update_equipment(session, access.studio, equipment_id, body)
    return ok(EquipmentOut.model_validate(row), "Equipment updated")


@router.delete(
    "/{studio_id}/equipment/{equipment_id}",
    response_model=Envelope[None],
    summary="Remove equipment (manager)",
    responses=error_responses(401, 403, 404),
)
async def delete_studio_equipment(
    studio_id: uuid.UUID, equipment_id: uuid.UUID, session: SessionDep, access: Manager
) -> Envelope[None]:
    assert access.studio is not None
    await service.delete_equipment(session, access.studio, equipment_id)
    return ok(None, "Equipment removed")


@router.put(
    "/{studio_id}/badges",
    response_model=Envelope[list[BadgeOut]],
    summary="Replace a studio's badges (manager)",
    responses=error_responses(401, 403, 404),
)
async def set_studio_badges(
    studio_id: uuid.UUID, body: BadgesIn, session: SessionDep, access: Manager
) -> Envelope[list[BadgeOut]]:
    assert access.studio is not None
    badges = await service.set_badges(session, access.studio, body.badge_ids)
    return ok([BadgeOut.model_validate(b) for b in badges], "Badges updated")


# -- photos --------------------------------------------------------------------------------------
@router.get(
    "/{studio_id}/photos",
    response_model=Envelope[list[PhotoOut]],
    summary="A studio's photos, in order",
    responses=error_responses(404),
)
@public
async def list_studio_photos(
    studio_id: uuid.UUID, request: Request, session: SessionDep, storage: StorageDep
) -> Envelope[list[PhotoOut]]:
    studio = await service.visible_studio(session, str(studio_id), await viewer_id(request))
    return ok(await photos_out(await gallery(session, studio.id).list(), storage), "Photos retrieved")


@router.post(
    "/{studio_id}/photos",
    response_model=Envelope[PhotoOut],
    status_code=status.HTTP_201_CREATED,
    summary="Upload a studio photo (manager; JPEG, PNG or GIF)",
    responses=error_responses(
        401, 403, 404, 413, 415, codes={409: [("TOO_MANY_PHOTOS", "At most 30 photos")]}
    ),
)
async def upload_studio_photo(
    studio_id: uuid.UUID,
    session: SessionDep,
    settings: SettingsDep,
    storage: StorageDep,
    access: Manager,
    file: Annotated[UploadFile, File(description="The image; its content decides its type")],
) -> Envelope[PhotoOut]:
    photo = await gallery(session, studio_id).add(storage, settings, file)
    out = await photos_out([photo], storage)
    return created(out[0], "Photo uploaded")


@router.put(
    "/{studio_id}/photos/order",
    response_model=Envelope[list[PhotoOut]],
    summary="Reorder a studio's photos (manager)",
    responses=error_responses(401, 403, 404),
)
async def reorder_studio_photos(
    studio_id: uuid.UUID, body: PhotoOrderIn, session: SessionDep, storage: StorageDep, access: Manager
) -> Envelope[list[PhotoOut]]:
    photos = await gallery(session, studio_id).reorder(body.photo_ids)
    return ok(await photos_out(photos, storage), "Photos reordered")


@router.delete(
    "/{studio_id}/photos/{photo_id}",
    response_model=Envelope[None],
    summary="Delete a studio photo (manager)",
    responses=error_responses(401, 403, 404),
)
async def delete_studio_photo(
    studio_id: uuid.UUID, photo_id: uuid.UUID, session: SessionDep, storage: StorageDep, access: Manager
) -> Envelope[None]:
    await gallery(session, studio_id).delete(storage, photo_id)
    return ok(None, "Photo deleted")


# -- favourites ----------------------------------------------------------------------------------
@router.post(
    "/{studio_id}/favourite",
    response_model=Envelope[FavouriteOut],
    summary="Add a studio to my favourites",
    responses=error_responses(401, 404),
)
async def add_favourite(
    studio_id: uuid.UUID, session: SessionDep, principal: CurrentPrincipal
) -> Envelope[FavouriteOut]:
    await service.set_favourite(session, principal.user.id, studio_id, True)
    return ok(FavouriteOut(studio_id=studio_id, is_favourite=True), "Added to favourites")


@router.delete(
    "/{studio_id}/favourite",
    response_model=Envelope[FavouriteOut],
    summary="Remove a studio from my favourites",
    responses=error_responses(401, 404),
)
async def remove_favourite(
    studio_id: uuid.UUID, session: SessionDep, principal: CurrentPrincipal
) -> Envelope[FavouriteOut]:
    await service.set_favourite(session, principal.user.id, studio_id, False)
    return ok(FavouriteOut(studio_id=studio_id, is_favourite=False), "Removed from favourites")


@favourites_router.get(
    "/favourites",
    response_model=Envelope[Page[StudioOut]],
    summary="My favourite studios",
    responses=error_responses(401),
)
async def list_my_favourites(
    session: SessionDep,
    settings: SettingsDep,
    page: Annotated[PageParams, service.StudioRepository.pagination],
    principal: CurrentPrincipal,
) -> Envelope[Page[StudioOut]]:
    rows, total = await service.favourites(session, principal.user.id, page)
    return ok(
        page_of(StudioOut, rows, total, page, lambda s: studio_out(s, settings)), "Favourites retrieved"
    )
