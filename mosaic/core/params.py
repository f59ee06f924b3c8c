"""Input types that accept exactly what the schema declares (issue 17: the fuzzer found the server
looser than its schema, and stricter).

Pydantic's lax mode is generous by design: `0`, `1`, `"yes"` and `"off"` become booleans, and a
number (`0.5`) becomes a date-time counted from 1970. A client reading the schema cannot know
that, and a typo then means something. These types are the strict spellings, shared by every
route and body so the rule lives in one place.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, localcontext
from typing import Annotated, Any
from zoneinfo import available_timezones

from pydantic import (
    AfterValidator,
    BeforeValidator,
    EmailStr,
    Field,
    GetCoreSchemaHandler,
    GetJsonSchemaHandler,
    StrictBool,
)
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema, core_schema

from mosaic.core.security import PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH, common_passwords, password_problem

__all__ = ["AmountInput", "DateTimeParam", "Email", "NewPassword", "QueryFlag", "StrictBool", "Timezone"]


def _flag(value: Any) -> Any:
    if isinstance(value, bool):
        return value
    if value in ("true", "false"):
        return value == "true"
    raise ValueError("must be true or false")


# A boolean query parameter: `true` or `false`, as the schema says (not 0/1/yes/on).
QueryFlag = Annotated[bool, BeforeValidator(_flag)]

# RFC 3339 `date-time` (what `format: date-time` means): a date, `T`, a time and an offset.
_RFC3339 = re.compile(
    r"\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?(?:[Zz]|[+-]\d{2}:\d{2})", re.ASCII
)


def _rfc3339(value: Any) -> Any:
    if isinstance(value, datetime):
        return value
    if isinstance(value, str) and _RFC3339.fullmatch(value):
        return value
    raise ValueError("must be an RFC 3339 date-time with an offset, e.g. 2026-12-01T09:30:00Z")


DateTimeParam = Annotated[datetime, BeforeValidator(_rfc3339)]

# IANA zone names (`Europe/Lisbon`, `UTC`): booking's studios and cities, and the user setting
# that sets a student's local days. `localtime`, `posix/...` and file paths are not zones.
TIMEZONES = frozenset(
    zone
    for zone in available_timezones()
    if zone not in {"localtime", "posixrules", "Factory"} and not zone.startswith(("posix/", "right/"))
)


def validate_timezone(name: str) -> str:
    """The schema's pattern already says it; this keeps the rule when the pattern is bypassed."""
    if name not in TIMEZONES:
        raise ValueError(f"unknown IANA timezone {name!r}")
    return name


# The zone names, as an alternation in the schema, so a client (or a fuzzer) knows exactly which
# are taken. Not an enum: generated clients turn `GMT+0`, `GMT-0` and `GMT0` into one member name.
# Zone names hold letters, digits, `/`, `_`, `-` and `+`; only `+` needs escaping (ECMA-262 unicode
# mode refuses a needless `\-`).
TIMEZONE_PATTERN = "^(?:" + "|".join(zone.replace("+", "\\+") for zone in sorted(TIMEZONES)) + ")$"
Timezone = Annotated[
    str,
    Field(min_length=1, max_length=64, pattern=TIMEZONE_PATTERN, examples=["Europe/Lisbon"]),
    AfterValidator(validate_timezone),
]

# Domains that can never receive mail (RFC 6761 special-use names, which the email validator
# refuses): declared in the schema so clients and fuzzers do not offer them.
SPECIAL_USE_DOMAINS = ("arpa", "invalid", "local", "localhost", "onion", "test")
# No `\"` in the pattern: an ECMA-262 unicode-mode regex (what OpenAPI tools compile) refuses it.
EMAIL_PATTERN = (
    r'^[^@\s"]+@(?!(?:[^@]*\.)?(?:' + "|".join(SPECIAL_USE_DOMAINS) + r')\.?$)[^@\s"]+\.[^@\s".]+$'
)


# An email address as the server checks it: RFC 5322 through `email-validator`, at most 320
# characters, and not on a special-use domain (the pattern says so in the schema).
Email = Annotated[EmailStr, Field(max_length=320, json_schema_extra={"pattern": EMAIL_PATTERN})]


def _amount_pattern(integer_digits: int, decimals: int, *, positive: bool) -> str:
    """A plain decimal string: no sign, exponent, spaces or `_`, at most `integer_digits` digits
    before the point and `decimals` after it; `positive` also excludes every spelling of zero."""
    fraction = f"(?:\\.[0-9]{{1,{decimals}}})?"
    whole = f"[1-9][0-9]{{0,{integer_digits - 1}}}{fraction}"
    if not positive:
        return f"^(?:0{fraction}|{whole})$"
    fractions = "|".join(f"0{{{zeros}}}[1-9][0-9]{{0,{decimals - 1 - zeros}}}" for zeros in range(decimals))
    return f"^(?:{whole}|0\\.(?:{fractions}))$"


def _password_policy(value: str) -> str:
    problem = password_problem(value)
    if problem:
        raise ValueError(problem)
    return value


# A password being set: the length limits, and the blocklist in the schema as far as JSON Schema
# can say it (the exact lower-case entries; the server compares case-insensitively).
NewPassword = Annotated[
    str,
    Field(
        min_length=PASSWORD_MIN_LENGTH,
        max_length=PASSWORD_MAX_LENGTH,
        description=f"{PASSWORD_MIN_LENGTH} to {PASSWORD_MAX_LENGTH} characters, not a common password "
        "(compared case-insensitively); no composition rules.",
        json_schema_extra={
            "not": {"enum": sorted(p for p in common_passwords() if len(p) >= PASSWORD_MIN_LENGTH)}
        },
    ),
    AfterValidator(_password_policy),
]


@dataclass(frozen=True)
class AmountInput:
    """An input amount, parsed as strictly as its schema says: a plain decimal string (see
    `_amount_pattern`) or a whole JSON number. A fractional JSON number is refused: a float
    cannot carry 8 exact decimals (`0.1 + 0.2` arrives with 17). Normalised to `decimals` places.
    The bounds must fit the column that stores the value (`mosaic.core.money.Amount`, whose range
    on SQLite is that of a scaled 64-bit integer), so a schema-valid amount always stores.
    Used as `Annotated[Decimal, AmountInput(...)]`, so the schema and the parser come from one place.
    """

    integer_digits: int
    positive: bool
    decimals: int = 8
    # Digits of the decimal context for the checks and the rounding (inputs are exact anyway).
    precision: int = 60

    @property
    def pattern(self) -> str:
        return _amount_pattern(self.integer_digits, self.decimals, positive=self.positive)

    def _parse(self, value: Any) -> Any:
        if isinstance(value, bool):
            raise ValueError("an amount is a decimal string or a whole number")
        if isinstance(value, float):
            if not value.is_integer():
                raise ValueError('send a fractional amount as a decimal string, e.g. "0.25"')
            value = int(value)
        if isinstance(value, int):
            return Decimal(value)
        if isinstance(value, str):
            if not re.fullmatch(self.pattern, value):
                raise ValueError(
                    f"an amount is a decimal string with at most {self.integer_digits} digits before "
                    f"the point and {self.decimals} after it{', greater than zero' if self.positive else ''}"
                )
            return Decimal(value)
        return value

    def __get_pydantic_core_schema__(self, source: Any, handler: GetCoreSchemaHandler) -> CoreSchema:
        quantum = Decimal(1).scaleb(-self.decimals)
        largest = Decimal(10**self.integer_digits) - quantum
        decimal = core_schema.decimal_schema(
            gt=Decimal(0) if self.positive else None,
            ge=None if self.positive else Decimal(0),
            le=largest,
            max_digits=self.integer_digits + self.decimals,
            decimal_places=self.decimals,
            allow_inf_nan=False,
        )

        def normalise(value: Decimal) -> Decimal:  # every amount has `decimals` places on output
            with localcontext(prec=self.precision):
                return value.quantize(quantum)

        return core_schema.no_info_after_validator_function(
            normalise, core_schema.no_info_before_validator_function(self._parse, decimal)
        )

    def __get_pydantic_json_schema__(
        self, schema: CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        return {
            "anyOf": [
                {"type": "string", "pattern": self.pattern},
                {
                    "type": "integer",
                    "minimum": 1 if self.positive else 0,
                    "maximum": 10**self.integer_digits - 1,
                },
            ]
        }
