"""What the trading modules share: exact decimal columns, JSON config limits, decimal-aware sorting.

Money and quantities are `Decimal` end to end. PostgreSQL stores them as NUMERIC; SQLite has no
decimal type (SQLAlchemy would round-trip them through a 15-digit float), so there they are
stored as fixed-scale text and cast to REAL only to sort.
"""

from __future__ import annotations

import json
import logging
import uuid
from decimal import Decimal, localcontext
from typing import Annotated, Any, ClassVar, Generic, TypeVar

from pydantic import BaseModel, PlainSerializer
from sqlalchemy import Float, String, UnaryExpression, cast
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.sql import operators
from sqlalchemy.types import Numeric, TypeDecorator, TypeEngine

from mosaic.core.errors import Conflict, NotFound
from mosaic.core.params import Amount
from mosaic.core.repository import Repository

M = TypeVar("M", bound=DeclarativeBase)

logger = logging.getLogger("mosaic.trading")

MAX_CONFIG_BYTES = 16 * 1024
SCALE = 8
QUANTUM = Decimal(1).scaleb(-SCALE)


# Inputs have 20 digits, so price x quantity x leverage needs 35 and a summary's sum a few more:
# the default decimal context (28 digits) would round them, and `quantize` would raise. Arithmetic
# on amounts runs in this wider context (the P&L column holds 40 digits).
AMOUNT_PRECISION = 60


def quantize(value: Decimal) -> Decimal:
    """Every amount the API handles has 8 decimals, so outputs read the same on every backend."""
    with localcontext(prec=AMOUNT_PRECISION):
        return value.quantize(QUANTUM)


def fixed_point(value: Decimal) -> str:
    """`0.00000000`, never `0E-8` (which is what `str(Decimal)` gives)."""
    return format(value, "f")


# Output amounts: JSON strings with exactly 8 decimals (floats would lose cents at scale).
DecimalString = Annotated[Decimal, PlainSerializer(fixed_point, return_type=str, when_used="json")]


# Input amounts: at most 20 digits and 8 decimals, finite, normalised to 8 decimals.
PositiveAmount = Annotated[Decimal, Amount(12, positive=True, precision=AMOUNT_PRECISION)]
NonNegativeAmount = Annotated[Decimal, Amount(12, positive=False, precision=AMOUNT_PRECISION)]


class DecimalAmount(TypeDecorator[Decimal]):
    """NUMERIC(precision, scale) on PostgreSQL, exact fixed-scale text on SQLite; always quantized."""

    impl = Numeric
    cache_ok = True

    def __init__(self, precision: int, scale: int) -> None:
        super().__init__(precision=precision, scale=scale)
        # Kept here: on SQLite the dialect copy of this type swaps `impl` for a String.
        self.quantum = Decimal(1).scaleb(-scale)

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "sqlite":
            return dialect.type_descriptor(String(64))
        return dialect.type_descriptor(self.impl_instance)

    def process_bind_param(self, value: Decimal | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        with localcontext(prec=AMOUNT_PRECISION):
            quantized = Decimal(value).quantize(self.quantum)
        return format(quantized, "f") if dialect.name == "sqlite" else quantized

    def process_result_value(self, value: Any, dialect: Dialect) -> Decimal | None:
        if value is None:
            return None
        with localcontext(prec=AMOUNT_PRECISION):
            return Decimal(str(value)).quantize(self.quantum)


def check_config_size(value: dict[str, Any]) -> dict[str, Any]:
    """Provider configs are free-form JSON, but not unbounded."""
    if len(json.dumps(value, default=str)) > MAX_CONFIG_BYTES:
        raise ValueError(f"config is larger than {MAX_CONFIG_BYTES} bytes")
    return value


class DecimalSortRepository(Repository[M]):
    """Sorting by a decimal column on SQLite compares numbers, not the text they are stored as."""

    decimal_columns: ClassVar[frozenset[str]] = frozenset()

    def order_by(self, sort: str | None) -> list[UnaryExpression[Any]]:
        order = super().order_by(sort)
        if not self.decimal_columns or self.session.get_bind().dialect.name != "sqlite":
            return order
        fixed: list[UnaryExpression[Any]] = []
        for clause in order:
            element = clause.element
            if getattr(element, "key", None) in self.decimal_columns:
                as_number = cast(element, Float)
                fixed.append(as_number.desc() if clause.modifier is operators.desc_op else as_number.asc())
            else:
                fixed.append(clause)
        return fixed


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
