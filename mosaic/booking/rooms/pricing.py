"""The price of a booking length from a room's tiers: the cheapest exact combination.

A tier is (hours, total price). Tiers can repeat, so this is an unbounded knapsack over whole
hours, exact in `Decimal`: `best[h]` is the cheapest total for exactly `h` hours, built from
`best[h - tier.hours] + tier.price`. Lengths are at most 24 hours, so the table is tiny. Ties
prefer fewer tiers, then longer tiers (a stable, explainable combination).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True, slots=True)
class Quote:
    hours: int
    total: Decimal
    # tier hours -> how many times it is used, longest first
    combination: tuple[tuple[int, int], ...]


def _table(
    tiers: Sequence[tuple[int, Decimal]], up_to: int
) -> list[tuple[Decimal, int, tuple[int, ...]] | None]:
    best: list[tuple[Decimal, int, tuple[int, ...]] | None] = [None] * (up_to + 1)
    best[0] = (Decimal(0), 0, ())
    ordered = sorted(tiers, key=lambda tier: -tier[0])
    for hours in range(1, up_to + 1):
        for tier_hours, price in ordered:
            previous = best[hours - tier_hours] if tier_hours <= hours else None
            if previous is None:
                continue
            candidate = (previous[0] + price, previous[1] + 1, (*previous[2], tier_hours))
            current = best[hours]
            if current is None or candidate[:2] < current[:2]:
                best[hours] = candidate
    return best


def quote(tiers: Sequence[tuple[int, Decimal]], hours: int) -> Quote | None:
    """The cheapest combination for exactly `hours`, or None when no combination makes it."""
    if hours < 1 or not tiers:
        return None
    found = _table(tiers, hours)[hours]
    if found is None:
        return None
    counts = Counter(found[2])
    return Quote(hours, found[0], tuple(sorted(counts.items(), key=lambda item: -item[0])))


def bookable_lengths(tiers: Sequence[tuple[int, Decimal]], lengths: Iterable[int]) -> list[int]:
    """The lengths (from `lengths`) some combination of tiers makes."""
    wanted = sorted(set(lengths))
    if not wanted or not tiers:
        return []
    table = _table(tiers, wanted[-1])
    return [length for length in wanted if length >= 1 and table[length] is not None]


def cheapest_hourly(tiers: Sequence[tuple[int, Decimal]]) -> Decimal | None:
    """The lowest price per hour of any tier, rounded to cents (what search filters and sorts on)."""
    if not tiers:
        return None
    return min((price / hours).quantize(Decimal("0.01")) for hours, price in tiers)
