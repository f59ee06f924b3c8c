"""What the trading modules share: exact decimal columns, JSON config limits, decimal-aware sorting.

(The catalogue rules live in `mosaic.core.crud.Catalogue`, shared by every domain.)

Money and quantities are `Decimal` end to end. PostgreSQL stores them as NUMERIC; SQLite has no
decimal type (SQLAlchemy would round-trip them through a 15-digit float), so there they are
stored as fixed-scale text and cast to REAL only to sort.
"""

from __future__ import annotations

import json
import logging
from decimal import Decimal
from typing import Annotated, Any, ClassVar, TypeVar

from pydantic import AfterValidator, Field, PlainSerializer
from sqlalchemy import Float, String, UnaryExpression, cast
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.sql import operators
from sqlalchemy.types import Numeric, TypeDecorator, TypeEngine

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
        quantized = Decimal(value).quantize(self.quantum)
        return format(quantized, "f") if dialect.name == "sqlite" else quantized

    def process_result_value(self, value: Any, dialect: Dialect) -> Decimal | None:
        if value is None:
            return None
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
