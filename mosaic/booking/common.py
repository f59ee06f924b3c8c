"""What the booking modules share: name filters, slugs, IANA timezones (core's), prices, photo keys."""

from __future__ import annotations

import re
import unicodedata
import uuid
from decimal import Decimal
from typing import Annotated, Any

from pydantic import Field, PlainSerializer

from mosaic.core.params import AmountInput


# Prices: at most 10 integer digits and 2 decimals (columns are `Amount(12, 2)`), JSON strings on
# output; on input a plain decimal string or a whole number (`AmountInput`: what the schema says).
def _cents(value: Decimal) -> str:
    return format(value.quantize(Decimal("0.01")), "f")


_AS_STRING = PlainSerializer(_cents, return_type=str, when_used="json")
PRICE_DIGITS = 10
Price = Annotated[
    Decimal, AmountInput(PRICE_DIGITS, positive=False, decimals=2), Field(examples=["50.00"]), _AS_STRING
]
PositivePrice = Annotated[
    Decimal, AmountInput(PRICE_DIGITS, positive=True, decimals=2), Field(examples=["50.00"]), _AS_STRING
]
PriceOut = Annotated[Decimal, _AS_STRING]


def contains(column: Any, text: str) -> Any:
    """Case-insensitive substring filter with LIKE wildcards in the user's text escaped."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return column.ilike(f"%{escaped}%", escape="\\")


def slugify(text: str) -> str:
    """`Blue Room Studios!` -> `blue-room-studios` (ASCII, for URLs); never empty."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")[:120]
    return slug or uuid.uuid4().hex[:12]


Slug = Annotated[
    str, Field(min_length=1, max_length=120, pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$", examples=["blue-room"])
]
