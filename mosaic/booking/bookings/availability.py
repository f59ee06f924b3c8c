"""When a room can be booked: pure functions over the studio's week, closures and live bookings.

Everything a customer sees is in the studio's timezone; everything stored is UTC. The rules:

- **Opening hours** are local wall-clock intervals per weekday (`open` HH:MM to `close` HH:MM, a
  `close` at or before `open` crosses midnight into the next day; `24h` is 00:00 to 24:00). Each
  is turned into a UTC range with `zoneinfo`, so a 09:00-17:00 day is 8 real hours on any day and
  a 24h day is 23 or 25 hours on a DST change. Ranges that touch (a 24h Saturday and Sunday, or
  18:00-02:00 followed by a day opening at 02:00) merge, so a booking may run across them.
- **Closures** (local naive ranges) are cut out of the opening ranges.
- **Starts** step by the room's slot step in *wall-clock* time from each interval's opening: a
  local time that does not exist (the spring-forward gap) is skipped, and a local time that occurs
  twice (the fall-back hour) is offered once, at its first occurrence (`fold=0`). A start is
  offered when the booking `[start, start + hours)` lies inside one opening range.
- **Live bookings** (confirmed, and pending holds not yet expired) block `[start_at,
  blocked_until)` (their end plus the room's buffer); a new booking blocks `[start, start + hours
  + buffer)` and must not overlap any of them: the same ranges PostgreSQL's exclusion constraint
  compares, so what availability offers is exactly what the database accepts.
- **Window**: a start is at least `min_notice` after now and at most `max_advance` after now.

The buffer is cleaning time after a booking; it may run past closing time (the room is blocked,
not open), but the booked hours themselves must be within opening hours.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, timezone
from itertools import accumulate
from zoneinfo import ZoneInfo

MINUTES_PER_DAY = 24 * 60


@dataclass(frozen=True, slots=True)
class DayRule:
    """One weekday of the studio's week (Monday = 0): `closed`, `open` with intervals, or `24h`."""

    weekday: int
    mode: str
    # (open, close) as minutes after local midnight; close <= open crosses midnight.
    intervals: tuple[tuple[int, int], ...] = ()


@dataclass(frozen=True, slots=True)
class Slot:
    start: datetime  # UTC
    local_start: datetime  # aware, in the studio's timezone


def parse_clock(clock: str) -> int:
    hours, minutes = clock.split(":")
    return int(hours) * 60 + int(minutes)


def day_rules(rows: Iterable[tuple[int, str, Sequence[dict[str, str]]]]) -> dict[int, DayRule]:
    """The stored week (weekday, mode, [{open, close}]) as rules; a missing weekday is closed."""
    rules: dict[int, DayRule] = {}
    for weekday, mode, intervals in rows:
        spans = tuple((parse_clock(i["open"]), parse_clock(i["close"])) for i in intervals)
        rules[weekday] = DayRule(weekday, mode, spans)
    return rules


def to_utc(local: datetime, zone: ZoneInfo) -> datetime:
    """A naive local wall time in `zone` as UTC (the first occurrence of a repeated time)."""
    return local.replace(tzinfo=zone, fold=0).astimezone(UTC)


def exists(local: datetime, zone: ZoneInfo) -> bool:
    """False for a wall time inside a spring-forward gap (it never shows on a local clock)."""
    return to_utc(local, zone).astimezone(zone).replace(tzinfo=None) == local


def _wall_intervals(rules: dict[int, DayRule], day: date) -> list[tuple[datetime, datetime]]:
    """The day's opening intervals as naive local (open, close) wall times; close may be next day."""
    rule = rules.get(day.weekday())
    if rule is None or rule.mode == "closed":
        return []
    midnight = datetime.combine(day, time())
    if rule.mode == "24h":
        return [(midnight, midnight + timedelta(days=1))]
    result = []
    for opens, closes in rule.intervals:
        end = closes if closes > opens else closes + MINUTES_PER_DAY
        result.append((midnight + timedelta(minutes=opens), midnight + timedelta(minutes=end)))
    return result


def _merge(ranges: Iterable[tuple[datetime, datetime]]) -> list[tuple[datetime, datetime]]:
    merged: list[tuple[datetime, datetime]] = []
    for start, end in sorted(ranges):
        if end <= start:
            continue
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def _subtract(
    ranges: list[tuple[datetime, datetime]], holes: list[tuple[datetime, datetime]]
) -> list[tuple[datetime, datetime]]:
    result = []
    for start, end in ranges:
        pieces = [(start, end)]
        for hole_start, hole_end in holes:
            next_pieces = []
            for piece_start, piece_end in pieces:
                if hole_end <= piece_start or hole_start >= piece_end:
                    next_pieces.append((piece_start, piece_end))
                    continue
                if piece_start < hole_start:
                    next_pieces.append((piece_start, hole_start))
                if hole_end < piece_end:
                    next_pieces.append((hole_end, piece_end))
            pieces = next_pieces
        result.extend(pieces)
    return result


@dataclass(frozen=True, slots=True)
class RoomCalendar:
    """What availability needs about one room, loaded once per request."""

    timezone: str
    rules: dict[int, DayRule]
    closures: Sequence[tuple[datetime, datetime]]  # naive local
    busy: Sequence[tuple[datetime, datetime]]  # UTC [start_at, blocked_until) of live bookings
    slot_step_minutes: int
    buffer_minutes: int


def available_starts(
    calendar: RoomCalendar,
    first: date,
    last: date,
    hours: int,
    *,
    earliest: datetime,
    latest: datetime,
) -> list[Slot]:
    """Every start from local day `first` to `last` (inclusive) at which `hours` hours fit."""
    zone = ZoneInfo(calendar.timezone)
    length = timedelta(hours=hours)
    blocked_length = length + timedelta(minutes=calendar.buffer_minutes)
    step = timedelta(minutes=calendar.slot_step_minutes)

    # Opening intervals of every day that can reach into the range (the day before may cross midnight).
    walls: list[tuple[datetime, datetime]] = []
    day = first - timedelta(days=1)
    while day <= last + timedelta(days=1):
        walls.extend(_wall_intervals(calendar.rules, day))
        day += timedelta(days=1)
    opening = _merge((to_utc(opens, zone), to_utc(closes, zone)) for opens, closes in walls)
    holes = _merge((to_utc(start, zone), to_utc(end, zone)) for start, end in calendar.closures)
    free = _subtract(opening, holes)
    free_starts = [start for start, _ in free]

    busy = sorted(calendar.busy)
    busy_starts = [start for start, _ in busy]
    busy_max_end = list(accumulate((end for _, end in busy), max))

    def fits(start: datetime) -> bool:
        if start < earliest or start > latest:
            return False
        index = bisect_right(free_starts, start) - 1
        if index < 0 or start + length > free[index][1]:
            return False
        # Any live booking starting before this one's blocked end, and ending after its start?
        before = bisect_left(busy_starts, start + blocked_length)
        return not (before and busy_max_end[before - 1] > start)

    found: dict[datetime, Slot] = {}
    for opens, closes in walls:
        offset, closing_offset = zone.utcoffset(opens), zone.utcoffset(closes)
        if offset is not None and offset == closing_offset:
            # No clock change inside the interval (nearly always): wall time = UTC + one offset,
            # so the grid is stepped in UTC by plain arithmetic.
            local_zone = timezone(offset)
            wall, start = opens, (opens - offset).replace(tzinfo=UTC)
            while wall < closes:
                if first <= wall.date() <= last and start not in found and fits(start):
                    found[start] = Slot(start, wall.replace(tzinfo=local_zone))
                wall, start = wall + step, start + step
            continue
        # A DST change inside: each wall time on its own (skip the gap, first of a repeated time).
        wall = opens
        while wall < closes:
            candidate, wall = wall, wall + step
            if not first <= candidate.date() <= last or not exists(candidate, zone):
                continue
            start = to_utc(candidate, zone)
            if start not in found and fits(start):
                found[start] = Slot(start, start.astimezone(zone))
    return [found[start] for start in sorted(found)]
