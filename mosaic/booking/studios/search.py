"""Public studio search: every filter in SQL, one query for the page and its total.

Distance is the haversine great-circle distance computed in SQL (PostgreSQL and SQLite 3.35+
both have the math functions), after a bounding-box prefilter on the indexed `lat`/`lng` so only
studios in the box are measured. Prices filter and sort on each studio's cheapest hourly price
(kept by the room service from the tiers); capacity needs a live room at least that large; the
text query goes through the studios' core full-text index.
"""

from __future__ import annotations

import math
import re
import uuid
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, and_, func, literal, select
from sqlalchemy.ext.asyncio import AsyncSession

from mosaic.booking.rooms.models import Room
from mosaic.booking.studios.models import STUDIOS_SEARCH, Equipment, Studio, studio_badges
from mosaic.booking.studios.service import publicly_visible
from mosaic.core.errors import InvalidInput
from mosaic.core.pagination import PageParams
from mosaic.core.repository import Repository

EARTH_RADIUS_KM = 6371.0088
SORTS = {"price", "distance", "name", "created_at"}


class StudioSearchSorts(Repository[Studio]):
    """The search's sort whitelist as a repository, so its route declares it like every list
    (`Annotated[PageParams, StudioSearchSorts.pagination]`); `order` below applies it."""

    model = Studio
    label = "Studio"
    sortable = frozenset(SORTS)
    default_sort = "name"


@dataclass(frozen=True, slots=True)
class StudioQuery:
    city_id: uuid.UUID | None = None
    country: str | None = None
    q: str | None = None
    equipment: list[uuid.UUID] = field(default_factory=list)
    badges: list[uuid.UUID] = field(default_factory=list)
    min_price: Decimal | None = None
    max_price: Decimal | None = None
    capacity: int | None = None
    near: tuple[float, float] | None = None
    radius_km: float = 25.0
    # Set by `available_on`: only these studios (computed from availability, see bookings.service).
    studio_ids: frozenset[uuid.UUID] | None = None


def _invalid(field_name: str, message: str) -> InvalidInput:
    return InvalidInput(
        message,
        details=[{"field": field_name, "location": "query", "message": message, "type": "value_error"}],
    )


# `lat,lng` in decimal degrees, latitude in [-90, 90] and longitude in [-180, 180]: declared on the
# `near` parameter, so the schema states exactly what `parse_near` takes.
_LATITUDE = r"-?(?:90(?:\.0+)?|[1-8]?[0-9](?:\.[0-9]+)?)"
_LONGITUDE = r"-?(?:180(?:\.0+)?|(?:1[0-7][0-9]|[1-9]?[0-9])(?:\.[0-9]+)?)"
NEAR_PATTERN = f"^{_LATITUDE},{_LONGITUDE}$"


def parse_near(raw: str | None) -> tuple[float, float] | None:
    if raw is None:
        return None
    if not re.fullmatch(NEAR_PATTERN, raw):
        raise _invalid("near", "near must be 'lat,lng', e.g. 38.72,-9.14")
    try:
        lat_text, lng_text = raw.split(",")
        lat, lng = float(lat_text), float(lng_text)
    except ValueError:
        raise _invalid("near", "near must be 'lat,lng', e.g. 38.72,-9.14") from None
    if not (-90 <= lat <= 90 and -180 <= lng <= 180) or math.isnan(lat) or math.isnan(lng):
        raise _invalid("near", "near must be a latitude in [-90, 90] and a longitude in [-180, 180]")
    return lat, lng


def haversine_km(lat1: float, lng1: float, lat2: float, lng2: float) -> float:
    """The same formula in Python (tests compare the SQL result against it)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lng2 - lng1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(a)))


def distance_sql(lat: float, lng: float) -> ColumnElement[float]:
    p1 = math.radians(lat)
    p2 = func.radians(Studio.lat)
    dp = (p2 - literal(p1)) / 2
    dl = (func.radians(Studio.lng) - literal(math.radians(lng))) / 2
    a = func.pow(func.sin(dp), 2) + literal(math.cos(p1)) * func.cos(p2) * func.pow(func.sin(dl), 2)
    return 2 * EARTH_RADIUS_KM * func.asin(func.sqrt(a))


def bounding_box(lat: float, lng: float, radius_km: float) -> list[ColumnElement[bool]]:
    """Latitude/longitude bounds that contain the circle (widened near the poles and the antimeridian)."""
    dlat = math.degrees(radius_km / EARTH_RADIUS_KM)
    clauses: list[ColumnElement[bool]] = [Studio.lat.between(lat - dlat, lat + dlat)]
    cos_lat = math.cos(math.radians(min(89.9, abs(lat) + dlat)))
    dlng = math.degrees(radius_km / (EARTH_RADIUS_KM * cos_lat)) if cos_lat > 0 else 180.0
    if dlng < 180 and lng - dlng >= -180 and lng + dlng <= 180:
        clauses.append(Studio.lng.between(lng - dlng, lng + dlng))
    return clauses


def conditions(query: StudioQuery, dialect: str) -> list[Any]:
    where: list[Any] = publicly_visible()
    if query.city_id:
        where.append(Studio.city_id == query.city_id)
    if query.country:
        where.append(Studio.country_code == query.country.upper())
    if query.q:
        match = STUDIOS_SEARCH.condition(query.q, table=Studio.__table__, dialect=dialect)  # type: ignore[arg-type]
        if match is not None:
            where.append(match)
    if query.equipment:  # all of the given types
        having = (
            select(Equipment.studio_id)
            .where(Equipment.is_deleted.is_(False), Equipment.equipment_type_id.in_(set(query.equipment)))
            .group_by(Equipment.studio_id)
            .having(func.count(func.distinct(Equipment.equipment_type_id)) == len(set(query.equipment)))
        )
        where.append(Studio.id.in_(having))
    if query.badges:
        having = (
            select(studio_badges.c.studio_id)
            .where(studio_badges.c.badge_id.in_(set(query.badges)))
            .group_by(studio_badges.c.studio_id)
            .having(func.count() == len(set(query.badges)))
        )
        where.append(Studio.id.in_(having))
    if query.min_price is not None:
        where.append(Studio.min_hourly_price >= query.min_price)
    if query.max_price is not None:
        where.append(Studio.min_hourly_price <= query.max_price)
    if query.capacity:
        big_enough = select(Room.studio_id).where(Room.is_deleted.is_(False), Room.capacity >= query.capacity)
        where.append(Studio.id.in_(big_enough))
    if query.studio_ids is not None:
        where.append(Studio.id.in_(query.studio_ids) if query.studio_ids else literal(False))
    if query.near:
        where.extend(bounding_box(*query.near, query.radius_km))
        where.append(distance_sql(*query.near) <= query.radius_km)
    return where


def order(sort: str | None, query: StudioQuery, distance: ColumnElement[float] | None) -> list[Any]:
    columns: list[Any] = []
    for raw in (sort or ("distance" if query.near else "name")).split(","):
        name = raw.removeprefix("-")
        if name not in SORTS:
            raise _invalid("sort", f"Allowed sort fields: {', '.join(sorted(SORTS))}")
        if name == "distance" and distance is None:
            continue  # no reference point: every distance is unknown, the next field decides
        column: Any = {
            "price": Studio.min_hourly_price,
            "name": Studio.name,
            "created_at": Studio.created_at,
            "distance": distance,
        }[name]
        descending = raw.startswith("-")
        if name == "price":  # studios without a price go last either way
            columns.append(Studio.min_hourly_price.is_(None))
        columns.append(column.desc() if descending else column.asc())
    return [*columns, Studio.id.asc()]


async def search(
    session: AsyncSession, query: StudioQuery, params: PageParams
) -> tuple[list[tuple[Studio, float | None]], int]:
    dialect = session.get_bind().dialect.name
    distance = distance_sql(*query.near).label("distance_km") if query.near else None
    where = conditions(query, dialect)
    columns: list[Any] = [Studio, func.count().over().label("total")]
    if distance is not None:
        columns.append(distance)
    statement = (
        select(*columns)
        .where(and_(*where))
        .order_by(*order(params.sort, query, distance))
        .limit(params.limit)
        .offset(params.offset)
    )
    rows = (await session.execute(statement)).all()
    if not rows:
        total = 0
        if params.offset:
            total = int(
                (
                    await session.execute(select(func.count()).select_from(Studio).where(and_(*where)))
                ).scalar_one()
            )
        return [], total
    found = [(row[0], float(row[2]) if distance is not None else None) for row in rows]
    return found, int(rows[0][1])
