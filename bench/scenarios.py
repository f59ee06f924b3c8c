"""The scenarios: what each drives, on which server, and what it means (docs/performance.md)."""

from __future__ import annotations

import json
from dataclasses import dataclass

from bench.report import BACKPRESSURE, BARE
from bench.seed import (
    API,
    AVAILABILITY_DAYS,
    BENCH_EMAIL,
    BENCH_PASSWORD,
    BOOKING_ROOM_ID,
    TRADE_BODY,
    booking_day,
    contended_start,
)


@dataclass(frozen=True)
class Scenario:
    name: str
    label: str
    method: str
    path: str
    auth: bool = False
    body: bytes | None = None
    bare: bool = False  # runs against the bare FastAPI app instead of Mosaic

    @property
    def headers(self) -> dict[str, str]:
        return {"Content-Type": "application/json"} if self.body is not None else {}


def _json(value: object) -> bytes:
    return json.dumps(value).encode()


SCENARIOS: dict[str, Scenario] = {
    s.name: s
    for s in (
        Scenario(BARE, "bare FastAPI endpoint", "GET", "/bare", bare=True),
        Scenario("live", "GET /health/live", "GET", "/health/live"),
        Scenario(
            "login",
            "POST /auth/login",
            "POST",
            f"{API}/auth/login",
            body=_json({"email": BENCH_EMAIL, "password": BENCH_PASSWORD}),
        ),
        Scenario("me", "GET /users/me", "GET", f"{API}/users/me", auth=True),
        Scenario("trades", "GET /trades?limit=50", "GET", f"{API}/trades?limit=50", auth=True),
        Scenario("plans", "GET /plans", "GET", f"{API}/plans"),
        Scenario("trade_create", "POST /trades", "POST", f"{API}/trades", auth=True, body=_json(TRADE_BODY)),
        Scenario("notifications", "GET /notifications", "GET", f"{API}/notifications", auth=True),
        # Booking's public search on 10,000 studios / 30,000 rooms: geo radius, price, capacity, sort.
        Scenario(
            "studio_search",
            "GET /studios (near+price+capacity)",
            "GET",
            f"{API}/studios?near=38.72,-9.14&radius_km=10&max_price=60&capacity=4&sort=price&limit=20",
        ),
        Scenario(
            "studio_search_city",
            "GET /studios (country+q)",
            "GET",
            f"{API}/studios?country=DE&q=studios&limit=20",
        ),
        # Booking part two: a room's availability over 30 days (a month of bookings in it), and
        # every connection booking the same slot (one 201 at the first request, then 409s: the
        # write-locked re-check under contention).
        Scenario(
            "room_availability",
            f"GET /rooms/{{id}}/availability ({AVAILABILITY_DAYS} days)",
            "GET",
            f"{API}/rooms/{BOOKING_ROOM_ID}/availability?from={booking_day(1)}&to={booking_day(AVAILABILITY_DAYS)}&hours=2",
        ),
        Scenario(
            "booking_contention",
            "POST /bookings (one slot, contended)",
            "POST",
            f"{API}/bookings",
            auth=True,
            body=_json({"room_id": str(BOOKING_ROOM_ID), "start": contended_start(), "hours": 2}),
        ),
        # 256 connections on one worker against the pool: complete or 503 + Retry-After, never stall.
        Scenario(BACKPRESSURE, "GET /users/me at 256 conns", "GET", f"{API}/users/me", auth=True),
    )
}
MARKETPLACE_SCENARIOS = frozenset({"studio_search", "studio_search_city"})
BOOKING_SCENARIOS = frozenset({"room_availability", "booking_contention"})
# Scenarios whose non-2xx answers are the expected outcome (the contended slot: 409 after the first).
EXPECTED_CONFLICTS = frozenset({"booking_contention"})
GOAL_SCENARIO, GOAL_RATIO = "me", 0.5
BACKPRESSURE_CONNECTIONS = 256
BACKPRESSURE_WORKERS = 1


def select(names: str | None) -> list[Scenario]:
    if not names:
        return list(SCENARIOS.values())
    wanted = [name.strip() for name in names.split(",") if name.strip()]
    unknown = [name for name in wanted if name not in SCENARIOS]
    if unknown:
        raise ValueError(f"unknown scenario(s) {', '.join(unknown)}; known: {', '.join(SCENARIOS)}")
    return [SCENARIOS[name] for name in wanted]
