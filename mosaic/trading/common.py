"""What the trading modules share: 8-decimal amounts in the API, JSON config limits, catalogues.

Money and quantities are `Decimal` end to end. Their columns are core's `Amount` (core/money.py):
NUMERIC on PostgreSQL, scaled integers on SQLite, so sums and sorts are exact in SQL on both.
(The catalogue rules live in `mosaic.core.crud.Catalogue`, shared by every domain.)
"""

from __future__ import annotations

import json
import logging
from decimal import Decimal, localcontext
from typing import Annotated, Any, TypeVar

from pydantic import PlainSerializer
from sqlalchemy.orm import DeclarativeBase

from mosaic.core.params import AmountInput

M = TypeVar("M", bound=DeclarativeBase)

logger = logging.getLogger("mosaic.trading")

MAX_CONFIG_BYTES = 16 * 1024
SCALE = 8
QUANTUM = Decimal(1).scaleb(-SCALE)


# Inputs have 18 digits, so price x quantity x leverage needs 39 and a summary's sum a few more:
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


# Input amounts: at most 10 + 8 digits, normalised to 8 decimals. Ten integer digits is what every
# backend stores in the price columns (`Amount(20, 8)`: about 9.2e10 as SQLite's scaled int64).
AMOUNT_INTEGER_DIGITS = 10
PositiveAmount = Annotated[
    Decimal, AmountInput(AMOUNT_INTEGER_DIGITS, positive=True, precision=AMOUNT_PRECISION)
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
