"""Input types that accept exactly what the schema declares (issue 17: the fuzzer found the server
looser than its schema, and stricter).

Pydantic's lax mode is generous by design: `0`, `1`, `"yes"` and `"off"` become booleans, and a
number (`0.5`) becomes a date-time counted from 1970. A client reading the schema cannot know
that, and a typo then means something. These types are the strict spellings, shared by every
route and body so the rule lives in one place.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated, Any

from pydantic import BeforeValidator, EmailStr, Field, StrictBool

__all__ = ["DateTimeParam", "Email", "QueryFlag", "StrictBool"]


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

# Domains that can never receive mail (RFC 6761 special-use names, which the email validator
# refuses): declared in the schema so clients and fuzzers do not offer them.
SPECIAL_USE_DOMAINS = ("arpa", "invalid", "local", "localhost", "onion", "test")
EMAIL_PATTERN = (
    r"^[^@\s\"]+@(?!(?:[^@]*\.)?(?:" + "|".join(SPECIAL_USE_DOMAINS) + r")\.?$)[^@\s\"]+\.[^@\s\".]+$"
)


# An email address as the server checks it: RFC 5322 through `email-validator`, at most 320
# characters, and not on a special-use domain (the pattern says so in the schema).
Email = Annotated[EmailStr, Field(max_length=320, json_schema_extra={"pattern": EMAIL_PATTERN})]
