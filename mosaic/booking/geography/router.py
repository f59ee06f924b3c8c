"""HTTP layer of countries and cities: public reads; city writes need `catalogues:write`."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query, status

from mosaic.accounts.deps import require_permission
from mosaic.booking.geography import service
from mosaic.booking.geography.schemas import CityIn, CityOut, CityUpdate, CountryOut
from mosaic.core.access import public
from mosaic.core.deps import SessionDep
from mosaic.core.envelope import Envelope, created, ok
from mosaic.core.errors import error_responses
from mosaic.core.pagination import Page, PageParams, page_of

countries_router = APIRouter(prefix="/countries", tags=["geography"])
cities_router = APIRouter(prefix="/cities", tags=["geography"])

CATALOGUE_WRITE = Depends(require_permission("catalogues", "write"))


@countries_router.get(
    "",
    response_model=Envelope[Page[CountryOut]],
    summary="List countries (ISO 3166-1)",
    responses=error_responses(),
)
@public
async def list_countries(
    session: SessionDep,
    page: Annotated[PageParams, service.CountryRepository.pagination],
    q: Annotated[
        str | None, Query(max_length=100, description="Substring of the name, or an exact alpha-2 code.")
    ] = None,
) -> Envelope[Page[CountryOut]]:
    rows, total = await service.list_countries(session, page, q)
    return ok(page_of(CountryOut, rows, total, page), "Countries retrieved successfully")


@cities_router.get(
    "", response_model=Envelope[Page[CityOut]], summary="List or search cities", responses=error_responses()
)
@public
async def list_cities(
    session: SessionDep,
    page: Annotated[PageParams, service.CityRepository.pagination],
    q: Annotated[str | None, Query(max_length=100, description="Substring of the city name.")] = None,
    country_code: Annotated[
        str | None,
        Query(pattern=r"^[A-Za-z]{2}$", description="Only cities of this ISO 3166-1 alpha-2 country."),
    ] = None,
) -> Envelope[Page[CityOut]]:
    rows, total = await service.list_cities(session, page, q=q, country_code=country_code)
    return ok(page_of(CityOut, rows, total, page), "Cities retrieved successfully")


@cities_router.get(
    "/{city_id}", response_model=Envelope[CityOut], summary="Get a city", responses=error_responses(404)
)
@public
async def get_city(city_id: uuid.UUID, session: SessionDep) -> Envelope[CityOut]:
    return ok(CityOut.model_validate(await service.get_city(session, city_id)), "City retrieved successfully")


@cities_router.post(
    "",
    response_model=Envelope[CityOut],
    status_code=status.HTTP_201_CREATED,
    summary="Create a city (catalogue admin)",
    responses=error_responses(401, 403, 404, 409),
    dependencies=[CATALOGUE_WRITE],
)
async def create_city(body: CityIn, session: SessionDep) -> Envelope[CityOut]:
    return created(
        CityOut.model_validate(await service.create_city(session, body)), "City created successfully"
    )


@cities_router.put(
    "/{city_id}",
    response_model=Envelope[CityOut],
    summary="Update a city (catalogue admin)",
    responses=error_responses(401, 403, 404, 409),
    dependencies=[CATALOGUE_WRITE],
)
async def update_city(city_id: uuid.UUID, body: CityUpdate, session: SessionDep) -> Envelope[CityOut]:
    city = await service.update_city(session, city_id, body)
    return ok(CityOut.model_validate(city), "City updated successfully")


@cities_router.delete(
    "/{city_id}",
    response_model=Envelope[None],
    summary="Delete a city (catalogue admin, soft delete)",
    responses=error_responses(401, 403, 404),
    dependencies=[CATALOGUE_WRITE],
)
async def delete_city(city_id: uuid.UUID, session: SessionDep) -> Envelope[None]:
    await service.delete_city(session, city_id)
    return ok(None, "City deleted successfully")
