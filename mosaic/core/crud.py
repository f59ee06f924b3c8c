"""The CRUD sequences every domain repeats, written once: owner-scoped resources and catalogues.

- `Owned(repository, owner_id)`: a user's own rows (connected wallets, trades, flows, custom
  prompts, notifications, subscriptions). Another owner's id is a 404 with the same body as a
  random id; get-or-404 -> update -> soft delete always go through the owner filter.
- `Catalogue(repository)`: an admin-managed catalogue (wallets, agents): unique live names,
  traders see active rows only.
- `put_values(data, model)`: the one PUT rule (docs/architecture.md, "PUT semantics"): an
  omitted field is unchanged; `null` clears a field whose column may be empty and is ignored
  for a field that must have a value.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Collection, Mapping, Sequence
from typing import Any, Generic, TypeVar

from pydantic import BaseModel
from sqlalchemy import ColumnElement
from sqlalchemy.orm import DeclarativeBase

from mosaic.core.errors import Conflict, NotFound
from mosaic.core.pagination import PageParams
from mosaic.core.repository import Repository

M = TypeVar("M", bound=DeclarativeBase)

logger = logging.getLogger("mosaic.crud")


def put_values(data: BaseModel, model: Any, *, exclude: Collection[str] = ()) -> dict[str, Any]:
    """The column values a PUT body writes: sent fields only; `null` only where the column is nullable.

    A field that is not a column of `model` (credentials, steps) is the caller's to map; it is
    left out when `null`, like a non-nullable column.
    """
    columns = model.__table__.columns
    values: dict[str, Any] = {}
    for name, value in data.model_dump(exclude_unset=True, exclude=set(exclude)).items():
        if value is None and not (name in columns and columns[name].nullable):
            continue
        values[name] = value
    return values


class Owned(Generic[M]):
    """A user's own rows of one resource: every read and write filtered by the owner."""

    def __init__(self, repository: Repository[M], owner_id: uuid.UUID) -> None:
        if repository.owner_field is None:
            raise TypeError(f"{type(repository).__name__} has no owner_field")
        self.repo = repository
        self.owner_id = owner_id

    async def get(self, row_id: uuid.UUID) -> M:
        return await self.repo.get_or_404(row_id, owner_id=self.owner_id)

    async def list(
        self,
        params: PageParams,
        *,
        filters: Sequence[ColumnElement[bool]] = (),
        filter_by: Mapping[str, Any] | None = None,
    ) -> tuple[list[M], int]:
        return await self.repo.paginate(
            params, owner_id=self.owner_id, filters=list(filters), filter_by=dict(filter_by or {})
        )

    async def create(self, **values: Any) -> M:
        assert self.repo.owner_field is not None
        return await self.repo.create(**values, **{self.repo.owner_field: self.owner_id})

    async def update(self, row: M, values: Mapping[str, Any]) -> M:
        """Write `values` (from `put_values`) onto a row this owner holds (from `get`)."""
        return await self.repo.update(row, values) if values else row

    async def delete(self, row_id: uuid.UUID, *, before: Callable[[M], None] | None = None) -> M:
        """Soft delete; `before` may wipe what a deleted row must not keep (a secret)."""
        row = await self.get(row_id)
        if before is not None:
            before(row)
        await self.repo.soft_delete(row)
        logger.info("%s %s deleted by its owner %s", self.repo.label.lower(), row_id, self.owner_id)
        return row


class Catalogue(Generic[M]):
    """An admin-managed catalogue (wallets, agents): unique live names, traders see active rows only.

    One set of rules for every catalogue, so a new one is a repository plus its schemas.
    """

    def __init__(self, repository: Repository[M]) -> None:
        self.repo = repository

    async def _ensure_unique_name(self, name: str) -> None:
        if await self.repo.find_one(self.repo.model.name == name):
            raise Conflict(f"{self.repo.label} '{name}' already exists")

    async def get(self, row_id: uuid.UUID, *, manage: bool) -> M:
        """Managers reach inactive rows too; for everyone else an inactive row does not exist."""
        row = await self.repo.get_or_404(row_id)
        if not manage and not getattr(row, "is_active", True):
            raise NotFound(f"{self.repo.label} not found")
        return row

    async def create(self, data: BaseModel) -> M:
        await self._ensure_unique_name(data.name)  # type: ignore[attr-defined]
        row = await self.repo.create(**data.model_dump())
        logger.info("%s %s created", self.repo.label.lower(), row.id)  # type: ignore[attr-defined]
        return row

    async def update(self, row_id: uuid.UUID, data: BaseModel) -> M:
        row = await self.repo.get_or_404(row_id)
        values = put_values(data, self.repo.model)
        if "name" in values and values["name"] != row.name:  # type: ignore[attr-defined]
            await self._ensure_unique_name(values["name"])
        return await self.repo.update(row, values)

    async def delete(self, row_id: uuid.UUID) -> None:
        await self.repo.soft_delete(await self.repo.get_or_404(row_id))
        logger.info("%s %s deleted", self.repo.label.lower(), row_id)
