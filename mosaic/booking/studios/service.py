"""Studio rules: create in a company the caller manages, public visibility (published, live, its
company live and not suspended), weekly hours, closures, equipment, badges, favourites."""

from __future__ import annotations

import logging
import uuid
from typing import Any

from sqlalchemy import delete, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from mosaic.booking.access import CompanyAccess, member_role
from mosaic.booking.catalogues.models import live_active
from mosaic.booking.companies.models import Company
from mosaic.booking.companies.service import unique_slug
from mosaic.booking.geography.models import City
from mosaic.booking.rooms.models import Room
from mosaic.booking.studios.models import (
    Badge,
    Equipment,
    EquipmentType,
    Favourite,
    Studio,
    StudioClosure,
    StudioHours,
    studio_badges,
)
from mosaic.booking.studios.schemas import (
    BookingWindow,
    CancellationPolicy,
    ClosureIn,
    DayHours,
    EquipmentIn,
    EquipmentUpdate,
    HoursIn,
    StudioIn,
    StudioUpdate,
)
from mosaic.core.config import Settings
from mosaic.core.crud import put_values
from mosaic.core.database import utcnow
from mosaic.core.errors import InvalidInput, NotFound
from mosaic.core.pagination import PageParams
from mosaic.core.repository import Repository

logger = logging.getLogger("mosaic.booking.studios")


class StudioRepository(Repository[Studio]):
    model = Studio
    label = "Studio"
    sortable = frozenset({"name", "created_at", "updated_at"})
    default_sort = "name"


def publicly_visible() -> list[Any]:
    """What the public may see: published, live studios of live, unsuspended companies."""
    live_company = select(Company.id).where(Company.is_deleted.is_(False), Company.is_suspended.is_(False))
    return [Studio.is_published.is_(True), Studio.is_deleted.is_(False), Studio.company_id.in_(live_company)]


async def visible_studio(session: AsyncSession, id_or_slug: str, viewer_id: uuid.UUID | None) -> Studio:
    """A studio by id or slug: public ones for everyone, any live one for its company's team."""
    try:
        match = Studio.id == uuid.UUID(id_or_slug)
    except ValueError:
        match = Studio.slug == id_or_slug
    studio = (
        await session.execute(select(Studio).where(match, Studio.is_deleted.is_(False)))
    ).scalar_one_or_none()
    if studio is None:
        raise NotFound("Studio not found")
    public = (
        await session.execute(select(Studio.id).where(Studio.id == studio.id, *publicly_visible()))
    ).first()
    if public is None and (
        viewer_id is None or await member_role(session, studio.company_id, viewer_id) is None
    ):
        raise NotFound("Studio not found")
    return studio


def policy(studio: Studio, settings: Settings) -> CancellationPolicy:
    own = studio.full_refund_hours, studio.partial_refund_hours, studio.partial_refund_percent
    return CancellationPolicy(
        full_refund_hours=settings.BOOKING_FULL_REFUND_HOURS if own[0] is None else own[0],
        partial_refund_hours=settings.BOOKING_PARTIAL_REFUND_HOURS if own[1] is None else own[1],
        partial_refund_percent=settings.BOOKING_PARTIAL_REFUND_PERCENT if own[2] is None else own[2],
        is_default=all(value is None for value in own),
    )


def booking_window(studio: Studio, settings: Settings) -> BookingWindow:
    """The studio's notice and advance window, each falling back to the platform default."""
    notice, advance = studio.min_notice_minutes, studio.max_advance_days
    return BookingWindow(
        min_notice_minutes=settings.BOOKING_MIN_NOTICE_MINUTES if notice is None else notice,
        max_advance_days=settings.BOOKING_MAX_ADVANCE_DAYS if advance is None else advance,
        is_default=notice is None and advance is None,
    )


async def _city(session: AsyncSession, city_id: uuid.UUID) -> City:
    city = (
        await session.execute(select(City).where(City.id == city_id, City.is_deleted.is_(False)))
    ).scalar_one_or_none()
    if city is None:
        raise NotFound("City not found")
    return city


async def create_studio(session: AsyncSession, access: CompanyAccess, data: StudioIn) -> Studio:
    city = await _city(session, data.city_id)
    repo = StudioRepository(session)
    values = data.model_dump(exclude={"slug", "company_id"})
    studio = await repo.create(
        **values,
        company_id=access.company.id,
        slug=await unique_slug(repo, data.slug, data.name),
        country_code=city.country_code,
    )
    logger.info("studio %s created in company %s", studio.id, access.company.id)
    return studio


async def company_studios(
    session: AsyncSession, company_id: uuid.UUID, params: PageParams
) -> tuple[list[Studio], int]:
    return await StudioRepository(session).paginate(params, filter_by={"company_id": company_id})


async def update_studio(session: AsyncSession, access: CompanyAccess, data: StudioUpdate) -> Studio:
    studio = access.studio
    assert studio is not None
    values = put_values(data, Studio)
    if values.get("city_id") and values["city_id"] != studio.city_id:
        values["country_code"] = (await _city(session, values["city_id"])).country_code
    if values.get("slug") and values["slug"] != studio.slug:
        values["slug"] = await unique_slug(StudioRepository(session), values["slug"], studio.name)
    full = values.get("full_refund_hours", studio.full_refund_hours)
    partial = values.get("partial_refund_hours", studio.partial_refund_hours)
    if full is not None and partial is not None and partial > full:
        raise InvalidInput(
            "partial_refund_hours cannot be more than full_refund_hours",
            details=[
                {
                    "field": "partial_refund_hours",
                    "location": "body",
                    "message": "cannot be more than full_refund_hours",
                    "type": "value_error",
                }
            ],
        )
    return await StudioRepository(session).update(studio, values)


async def delete_studio(session: AsyncSession, access: CompanyAccess) -> None:
    assert access.studio is not None
    access.studio.is_published = False
    await StudioRepository(session).soft_delete(access.studio)
    logger.info("studio %s deleted by %s", access.studio.id, access.user_id)


# -- hours ---------------------------------------------------------------------------------------
async def get_hours(session: AsyncSession, studio_id: uuid.UUID) -> list[DayHours]:
    rows = (
        await session.execute(
            select(StudioHours).where(StudioHours.studio_id == studio_id).order_by(StudioHours.weekday)
        )
    ).scalars()
    return [
        DayHours.model_validate({"weekday": r.weekday, "mode": r.mode, "intervals": r.intervals})
        for r in rows
    ]


async def set_hours(session: AsyncSession, studio: Studio, data: HoursIn) -> list[DayHours]:
    """Replace the week: the days sent, exactly as sent (local times; a day left out is closed)."""
    await session.execute(delete(StudioHours).where(StudioHours.studio_id == studio.id))
    session.add_all(
        StudioHours(
            studio_id=studio.id,
            weekday=day.weekday,
            mode=day.mode,
            intervals=[interval.model_dump() for interval in day.intervals],
        )
        for day in data.hours
    )
    studio.updated_at = utcnow()
    await session.flush()
    return await get_hours(session, studio.id)


# -- closures ------------------------------------------------------------------------------------
class ClosureRepository(Repository[StudioClosure]):
    model = StudioClosure
    label = "Closure"
    sortable = frozenset({"starts_at", "created_at"})
    default_sort = "starts_at"


async def list_closures(
    session: AsyncSession, studio_id: uuid.UUID, params: PageParams
) -> tuple[list[StudioClosure], int]:
    return await ClosureRepository(session).paginate(params, filter_by={"studio_id": studio_id})


async def add_closure(session: AsyncSession, studio: Studio, data: ClosureIn) -> StudioClosure:
    return await ClosureRepository(session).create(studio_id=studio.id, **data.model_dump())


async def delete_closure(session: AsyncSession, studio: Studio, closure_id: uuid.UUID) -> None:
    repo = ClosureRepository(session)
    closure = await repo.find_one(StudioClosure.id == closure_id, StudioClosure.studio_id == studio.id)
    if closure is None:
        raise NotFound("Closure not found")
    await repo.soft_delete(closure)


# -- equipment and badges ------------------------------------------------------------------------
class EquipmentRepository(Repository[Equipment]):
    model = Equipment
    label = "Equipment"
    sortable = frozenset({"name", "created_at"})
    default_sort = "name"


async def list_equipment(session: AsyncSession, studio_id: uuid.UUID) -> list[Equipment]:
    statement = (
        EquipmentRepository(session)
        .select(filter_by={"studio_id": studio_id})
        .order_by(Equipment.name, Equipment.id)
    )
    return list((await session.execute(statement)).scalars())


async def add_equipment(session: AsyncSession, studio: Studio, data: EquipmentIn) -> Equipment:
    if (
        await session.execute(
            select(EquipmentType.id).where(
                EquipmentType.id == data.equipment_type_id, *live_active(EquipmentType)
            )
        )
    ).first() is None:
        raise NotFound("Equipment type not found")
    return await EquipmentRepository(session).create(studio_id=studio.id, **data.model_dump())


async def _equipment(session: AsyncSession, studio: Studio, equipment_id: uuid.UUID) -> Equipment:
    row = await EquipmentRepository(session).find_one(
        Equipment.id == equipment_id, Equipment.studio_id == studio.id
    )
    if row is None:
        raise NotFound("Equipment not found")
    return row


async def update_equipment(
    session: AsyncSession, studio: Studio, equipment_id: uuid.UUID, data: EquipmentUpdate
) -> Equipment:
    row = await _equipment(session, studio, equipment_id)
    return await EquipmentRepository(session).update(row, put_values(data, Equipment))


async def delete_equipment(session: AsyncSession, studio: Studio, equipment_id: uuid.UUID) -> None:
    await EquipmentRepository(session).soft_delete(await _equipment(session, studio, equipment_id))


async def studio_badges_of(session: AsyncSession, studio_id: uuid.UUID) -> list[Badge]:
    statement = (
        select(Badge)
        .join(studio_badges, studio_badges.c.badge_id == Badge.id)
        .where(studio_badges.c.studio_id == studio_id, *live_active(Badge))
        .order_by(Badge.name)
    )
    return list((await session.execute(statement)).scalars())


async def set_badges(session: AsyncSession, studio: Studio, badge_ids: list[uuid.UUID]) -> list[Badge]:
    wanted = set(badge_ids)
    found = set(
        (await session.execute(select(Badge.id).where(Badge.id.in_(wanted), *live_active(Badge)))).scalars()
    )
    if missing := wanted - found:
        raise NotFound(f"Badge not found: {sorted(str(m) for m in missing)[0]}")
    await session.execute(delete(studio_badges).where(studio_badges.c.studio_id == studio.id))
    if wanted:
        await session.execute(
            insert(studio_badges), [{"studio_id": studio.id, "badge_id": b} for b in wanted]
        )
    studio.updated_at = utcnow()
    await session.flush()
    return await studio_badges_of(session, studio.id)


# -- favourites ----------------------------------------------------------------------------------
async def set_favourite(session: AsyncSession, user_id: uuid.UUID, studio_id: uuid.UUID, on: bool) -> None:
    if on:
        public = (
            await session.execute(select(Studio.id).where(Studio.id == studio_id, *publicly_visible()))
        ).first()
        if public is None:
            raise NotFound("Studio not found")
        if await session.get(Favourite, (user_id, studio_id)) is None:
            session.add(Favourite(user_id=user_id, studio_id=studio_id))
    else:
        await session.execute(
            delete(Favourite).where(Favourite.user_id == user_id, Favourite.studio_id == studio_id)
        )
    await session.flush()


async def favourites(
    session: AsyncSession, user_id: uuid.UUID, params: PageParams
) -> tuple[list[Studio], int]:
    """My favourites that are still public (an unpublished one reappears if it is published again)."""
    mine = select(Favourite.studio_id).where(Favourite.user_id == user_id)
    return await StudioRepository(session).paginate(
        params, filters=[Studio.id.in_(mine), *publicly_visible()]
    )


async def rooms_of(session: AsyncSession, studio_id: uuid.UUID) -> list[Room]:
    statement = (
        select(Room)
        .where(Room.studio_id == studio_id, Room.is_deleted.is_(False))
        .order_by(Room.name, Room.id)
    )
    return list((await session.execute(statement)).scalars())
