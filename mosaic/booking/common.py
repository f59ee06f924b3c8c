"""What the booking modules share: name filters, slugs, IANA timezones, prices, photo keys."""

from __future__ import annotations

import re
import unicodedata
import uuid
from decimal import Decimal
from typing import Annotated, Any
from zoneinfo import available_timezones

from pydantic import AfterValidator, Field, PlainSerializer

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


def validate_timezone(name: str) -> str:
    """An IANA zone name (`Europe/Lisbon`, `UTC`); `localtime`, `posix/...` and file paths are not."""
    if name not in _ZONES:
        raise ValueError(f"unknown IANA timezone {name!r}")
    return name


_ZONES = frozenset(
    zone
    for zone in available_timezones()
    if zone not in {"localtime", "posixrules", "Factory"} and not zone.startswith(("posix/", "right/"))
)

# The zone names, as an alternation in the schema, so a client (or a fuzzer) knows exactly which
# are taken. Not an enum: generated clients turn `GMT+0`, `GMT-0` and `GMT0` into one member name.
# Zone names hold letters, digits, `/`, `_`, `-` and `+`; only `+` needs escaping (ECMA-262 unicode
# mode refuses a needless `\-`).
TIMEZONE_PATTERN = "^(?:" + "|".join(zone.replace("+", "\\+") for zone in sorted(_ZONES)) + ")$"
Timezone = Annotated[
    str,
    Field(min_length=1, max_length=64, pattern=TIMEZONE_PATTERN, examples=["Europe/Lisbon"]),
    AfterValidator(validate_timezone),
]
Slug = Annotated[
    str, Field(min_length=1, max_length=120, pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$", examples=["blue-room"])
]
