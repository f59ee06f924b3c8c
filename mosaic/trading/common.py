"""What the trading modules share: 8-decimal amounts in the API, JSON config limits, catalogues.

Money and quantities are `Decimal` end to end. Their columns are core's `Amount` (core/money.py):
NUMERIC on PostgreSQL, scaled integers on SQLite, so sums and sorts are exact in SQL on both.
(The catalogue rules live in `mosaic.core.crud.Catalogue`, shared by every domain.)
"""

from __future__ import annotations

import json
import logging
from decimal import Decimal
from typing import Annotated, Any, TypeVar

from pydantic import AfterValidator, Field, PlainSerializer
from sqlalchemy.orm import DeclarativeBase

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
