"""Catalogue rules (core `Catalogue`): unique live names; non-admins see active entries only."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from mosaic.booking.studios.models import Badge, EquipmentType
from mosaic.core.crud import Catalogue
from mosaic.core.pagination import PageParams
from mosaic.core.repository import Repository


class EquipmentTypeRepository(Repository[EquipmentType]):
    model = EquipmentType
    label = "Equipment type"
    sortable = frozenset({"name", "created_at"})
    default_sort = "name"


class BadgeRepository(Repository[Badge]):
    model = Badge
    label = "Badge"
    sortable = frozenset({"name", "created_at"})
    default_sort = "name"


def equipment_types(session: AsyncSession) -> Catalogue[EquipmentType]:
    return Catalogue(EquipmentTypeRepository(session))


def badges(session: AsyncSession) -> Catalogue[Badge]:
    return Catalogue(BadgeRepository(session))


async def list_entries(
    catalogue: Catalogue[EquipmentType] | Catalogue[Badge], params: PageParams, *, manage: bool
) -> tuple[list[EquipmentType] | list[Badge], int]:
    rows, total = await catalogue.repo.paginate(params, filter_by={"is_active": None if manage else True})
    return rows, total
