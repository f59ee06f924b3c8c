"""What the trading modules share: 8-decimal amounts in the API, JSON config limits, catalogues.

Money and quantities are `Decimal` end to end. Their columns are core's `Amount` (core/money.py):
NUMERIC on PostgreSQL, scaled integers on SQLite, so sums and sorts are exact in SQL on both.
"""

from __future__ import annotations

import json
import logging
import uuid
from decimal import Decimal
from typing import Annotated, Any, Generic, TypeVar

from pydantic import AfterValidator, BaseModel, Field, PlainSerializer
from sqlalchemy.orm import DeclarativeBase

from mosaic.core.errors import Conflict, NotFound
from mosaic.core.repository import Repository

M = TypeVar("M", bound=DeclarativeBase)

logger = logging.getLogger("mosaic.trading")

MAX_CONFIG_BYTES = 16 * 1024
SCALE = 8
QUANTUM = Decimal(1).scaleb(-SCALE)


def quantize(value: Decimal) -> Decimal:
    """Every amount the API handles has 8 decimals, so outputs read the same on every backend."""
    return value.quantize(QUANTUM)


def fixed_point(value: Decimal) -> str:
    """`0.00000000`, never `0E-8` (which is what `str(Decimal)` gives)."""
    return format(value, "f")


# Output amounts: JSON strings with exactly 8 decimals (floats would lose cents at scale).
DecimalString = Annotated[Decimal, PlainSerializer(fixed_point, return_type=str, when_used="json")]


# Input amounts: at most 20 digits and 8 decimals, finite, normalised to 8 decimals.
PositiveAmount = Annotated[
    Decimal, Field(gt=0, max_digits=20, decimal_places=SCALE), AfterValidator(quantize)
]
NonNegativeAmount = Annotated[
    Decimal, Field(ge=0, max_digits=20, decimal_places=SCALE), AfterValidator(quantize)
]


def check_config_size(value: dict[str, Any]) -> dict[str, Any]:
    """Provider configs are free-form JSON, but not unbounded."""
    if len(json.dumps(value, default=str)) > MAX_CONFIG_BYTES:
        raise ValueError(f"config is larger than {MAX_CONFIG_BYTES} bytes")
    return value


def contains(column: Any, text: str) -> Any:
    """Case-insensitive substring filter with LIKE wildcards in the user's text escaped."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return column.ilike(f"%{escaped}%", escape="\\")


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
        values = data.model_dump(exclude_unset=True, exclude_none=True)
        if "name" in values and values["name"] != row.name:  # type: ignore[attr-defined]
            await self._ensure_unique_name(values["name"])
        return await self.repo.update(row, values)

    async def delete(self, row_id: uuid.UUID) -> None:
        await self.repo.soft_delete(await self.repo.get_or_404(row_id))
        logger.info("%s %s deleted", self.repo.label.lower(), row_id)
