"""A user's local calendar day of a UTC timestamp, computed in SQL on SQLite and PostgreSQL.

SQLite has no time zones, so the conversion is built from the zone's UTC offsets over the range
asked about: `local_day = (epoch_seconds + offset) // 86400`, the offset a `CASE` over the zone's
transitions (two a year with daylight saving time, none for most of the world). Grouping by that
expression runs in the database on both backends, and a day is exactly the user's wall-clock day
on both sides of a DST change, or in UTC+13.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import BigInteger, Integer, case, cast, literal
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.functions import FunctionElement

DAY = 86_400
EPOCH_DAY = date(1970, 1, 1)


class epoch_seconds(FunctionElement[int]):  # noqa: N801 - a SQL function
    """Seconds since 1970-01-01 UTC of a `UTCDateTime` column."""

    type = BigInteger()
    inherit_cache = True


@compiles(epoch_seconds, "sqlite")
def _epoch_sqlite(element: epoch_seconds, compiler: Any, **kw: Any) -> str:
    return f"CAST(strftime('%s', {compiler.process(element.clauses, **kw)}) AS INTEGER)"


@compiles(epoch_seconds, "postgresql")
def _epoch_postgresql(element: epoch_seconds, compiler: Any, **kw: Any) -> str:
    return f"CAST(EXTRACT(EPOCH FROM {compiler.process(element.clauses, **kw)}) AS BIGINT)"


def _offset(zone: ZoneInfo, instant: datetime) -> int:
    delta = instant.astimezone(zone).utcoffset()
    return int(delta.total_seconds()) if delta is not None else 0


def transitions(zone: ZoneInfo, start: datetime, end: datetime) -> list[tuple[int, int]]:
    """[(epoch second from which it applies, offset seconds)], the first from `start`."""
    result = [(int(start.timestamp()), _offset(zone, start))]
    cursor = start
    while cursor < end:
        step = cursor + timedelta(hours=12)
        if _offset(zone, step) != _offset(zone, cursor):
            low, high = int(cursor.timestamp()), int(step.timestamp())
            while high - low > 1:  # the first second with the new offset
                middle = (low + high) // 2
                if _offset(zone, datetime.fromtimestamp(middle, UTC)) == _offset(zone, cursor):
                    low = middle
                else:
                    high = middle
            result.append((high, _offset(zone, datetime.fromtimestamp(high, UTC))))
        cursor = step
    return result


def local_day(column: Any, zone: ZoneInfo, start: datetime, end: datetime) -> ColumnElement[int]:
    """Days since 1970-01-01 of the local date of `column`, valid for instants in [start, end]."""
    seconds = epoch_seconds(column)
    changes = transitions(zone, start - timedelta(days=1), end + timedelta(days=1))
    offset: ColumnElement[int]
    if len(changes) == 1:
        offset = literal(changes[0][1], Integer)
    else:
        whens = [
            (seconds < at, literal(previous, Integer))
            for (at, _), (_, previous) in zip(changes[1:], changes[:-1], strict=True)
        ]
        offset = case(*whens, else_=literal(changes[-1][1], Integer))
    return cast((seconds + offset) // DAY, Integer)


def day_number(day: date) -> int:
    return (day - EPOCH_DAY).days


def from_day_number(number: int) -> date:
    return EPOCH_DAY + timedelta(days=number)


def local_midnight(day: date, zone: ZoneInfo) -> datetime:
    """The UTC instant of local 00:00 of `day` (the first instant of the day if a gap hides it)."""
    return datetime.combine(day, time(0), tzinfo=zone).astimezone(UTC)
