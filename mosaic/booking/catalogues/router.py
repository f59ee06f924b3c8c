"""HTTP layer of the equipment-type and badge catalogues: anyone reads, `catalogues:write` writes."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, status

from mosaic.accounts.deps import require_permission
from mosaic.booking.catalogues import service
from mosaic.booking.catalogues.schemas import (
    BadgeIn,
    BadgeOut,
    BadgeUpdate,
    EquipmentTypeIn,
    EquipmentTypeOut,
    EquipmentTypeUpdate,
)
from mosaic.core.access import public
from mosaic.core.deps import SessionDep
from mosaic.core.envelope import Envelope, created, ok
from mosaic.core.errors import error_responses
from mosaic.core.pagination import Page, PageParams, page_of

equipment_types_router = APIRouter(prefix="/equipment-types", tags=["catalogues"])
badges_router = APIRouter(prefix="/badges", tags=["catalogues"])

WRITE = Depends(require_permission("catalogues", "write"))
ADMIN_ERRORS = error_responses(401, 403, 404, 409)


@equipment_types_router.get(
    "",
    response_model=Envelope[Page[EquipmentTypeOut]],
    summary="List equipment types",
    responses=error_responses(),
)
@public
async def list_equipment_types(
    session: SessionDep, page: Annotated[PageParams, service.EquipmentTypeRepository.pagination]
) -> Envelope[Page[EquipmentTypeOut]]:
    rows, total = await service.list_entries(service.equipment_types(session), page, manage=False)
    return ok(page_of(EquipmentTypeOut, rows, total, page), "Equipment types retrieved successfully")


@equipment_types_router.post(
    "",
    response_model=Envelope[EquipmentTypeOut],
    status_code=status.HTTP_201_CREATED,
    summary="Create an equipment type (catalogue admin)",
    responses=ADMIN_ERRORS,
    dependencies=[WRITE],
)
async def create_equipment_type(body: EquipmentTypeIn, session: SessionDep) -> Envelope[EquipmentTypeOut]:
    row = await service.equipment_types(session).create(body)
    return created(EquipmentTypeOut.model_validate(row), "Equipment type created successfully")


@equipment_types_router.put(
    "/{equipment_type_id}",
    response_model=Envelope[EquipmentTypeOut],
    summary="Update an equipment type (catalogue admin)",
    responses=ADMIN_ERRORS,
    dependencies=[WRITE],
)
async def update_equipment_type(
    equipment_type_id: uuid.UUID, body: EquipmentTypeUpdate, session: SessionDep
) -> Envelope[EquipmentTypeOut]:
    row = await service.equipment_types(session).update(equipment_type_id, body)
    return ok(EquipmentTypeOut.model_validate(row), "Equipment type updated successfully")


@equipment_types_router.delete(
    "/{equipment_type_id}",
    response_model=Envelope[None],
    summary="Delete an equipment type (catalogue admin, soft delete)",
    responses=error_responses(401, 403, 404),
    dependencies=[WRITE],
)
async def delete_equipment_type(equipment_type_id: uuid.UUID, session: SessionDep) -> Envelope[None]:
    await service.equipment_types(session).delete(equipment_type_id)
    return ok(None, "Equipment type deleted successfully")


@badges_router.get(
    "",
    response_model=Envelope[Page[BadgeOut]],
    summary="List badges (amenities)",
    responses=error_responses(),
)
@public
async def list_badges(
    session: SessionDep, page: Annotated[PageParams, service.BadgeRepository.pagination]
) -> Envelope[Page[BadgeOut]]:
    rows, total = await service.list_entries(service.badges(session), page, manage=False)
    return ok(page_of(BadgeOut, rows, total, page), "Badges retrieved successfully")


@badges_router.post(
    "",
    response_model=Envelope[BadgeOut],
    status_code=status.HTTP_201_CREATED,
    summary="Create a badge (catalogue admin)",
    responses=ADMIN_ERRORS,
    dependencies=[WRITE],
)
async def create_badge(body: BadgeIn, session: SessionDep) -> Envelope[BadgeOut]:
    return created(
        BadgeOut.model_validate(await service.badges(session).create(body)), "Badge created successfully"
    )


@badges_router.put(
    "/{badge_id}",
    response_model=Envelope[BadgeOut],
    summary="Update a badge (catalogue admin)",
    responses=ADMIN_ERRORS,
    dependencies=[WRITE],
)
async def update_badge(badge_id: uuid.UUID, body: BadgeUpdate, session: SessionDep) -> Envelope[BadgeOut]:
    row = await service.badges(session).update(badge_id, body)
    return ok(BadgeOut.model_validate(row), "Badge updated successfully")


@badges_router.delete(
    "/{badge_id}",
    response_model=Envelope[None],
    summary="Delete a badge (catalogue admin, soft delete)",
    responses=error_responses(401, 403, 404),
    dependencies=[WRITE],
)
async def delete_badge(badge_id: uuid.UUID, session: SessionDep) -> Envelope[None]:
    await service.badges(session).delete(badge_id)
    return ok(None, "Badge deleted successfully")
