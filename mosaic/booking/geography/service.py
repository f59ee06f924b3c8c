"""Countries and cities: the ISO list is seeded, cities are an admin catalogue read by everyone."""

from __future__ import annotations

import logging
import uuid

import pycountry
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from mosaic.booking.common import contains
from mosaic.booking.geography.models import City, Country
from mosaic.booking.geography.schemas import CityIn, CityUpdate
from mosaic.core.crud import put_values
from mosaic.core.errors import Conflict, NotFound
from mosaic.core.pagination import PageParams
from mosaic.core.repository import Repository

logger = logging.getLogger("mosaic.booking.geography")


class CountryRepository(Repository[Country]):
    model = Country
    label = "Country"
    sortable = frozenset({"name", "code"})
    default_sort = "name"


class CityRepository(Repository[City]):
    model = City
    label = "City"
    sortable = frozenset({"name", "created_at", "country_code"})
    default_sort = "name"


async def seed_countries(session: AsyncSession) -> int:
    """Insert the ISO 3166-1 countries missing from the table; the number inserted."""
    known = set((await session.execute(select(Country.code))).scalars())
    missing = [c for c in pycountry.countries if c.alpha_2 not in known]
    session.add_all(
        Country(code=c.alpha_2, alpha3=c.alpha_3, name=getattr(c, "common_name", None) or c.name)
        for c in missing
    )
    await session.flush()
    return len(missing)


async def list_countries(
    session: AsyncSession, params: PageParams, q: str | None
) -> tuple[list[Country], int]:
    filters = [contains(Country.name, q) | (Country.code == q.upper())] if q else []
    return await CountryRepository(session).paginate(params, filters=filters)


async def list_cities(
    session: AsyncSession, params: PageParams, *, q: str | None, country_code: str | None
) -> tuple[list[City], int]:
    return await CityRepository(session).paginate(
        params,
        filters=[contains(City.name, q)] if q else [],
        filter_by={"country_code": country_code.upper() if country_code else None},
    )


async def get_city(session: AsyncSession, city_id: uuid.UUID) -> City:
    return await CityRepository(session).get_or_404(city_id)


async def _country(session: AsyncSession, code: str) -> str:
    if await session.get(Country, code.upper()) is None:
        raise NotFound(f"Country {code.upper()} not found")
    return code.upper()


async def _ensure_unique(session: AsyncSession, name: str, country_code: str) -> None:
    if await CityRepository(session).find_one(City.name == name, City.country_code == country_code):
        raise Conflict(f"City '{name}' already exists in {country_code}")


async def create_city(session: AsyncSession, data: CityIn) -> City:
    code = await _country(session, data.country_code)
    await _ensure_unique(session, data.name, code)
    city = await CityRepository(session).create(
        **data.model_dump(exclude={"country_code"}), country_code=code
    )
    logger.info("city %s created", city.id)
    return city


async def update_city(session: AsyncSession, city_id: uuid.UUID, data: CityUpdate) -> City:
    repo = CityRepository(session)
    city = await repo.get_or_404(city_id)
    values = put_values(data, City)
    if "name" in values and values["name"] != city.name:
        await _ensure_unique(session, values["name"], city.country_code)
    return await repo.update(city, values)


async def delete_city(session: AsyncSession, city_id: uuid.UUID) -> None:
    repo = CityRepository(session)
    await repo.soft_delete(await repo.get_or_404(city_id))
