"""Rooms, price tiers and the cheapest exact combination (hand-computed cases), through HTTP."""

from __future__ import annotations

from decimal import Decimal

import httpx
import pytest

from mosaic.booking.rooms.pricing import bookable_lengths, quote
from tests.accounts.conftest import Account
from tests.booking.conftest import API, create_room, data

TIERS = {
    "tiers": [
        {"hours": 1, "price": "50.00"},
        {"hours": 3, "price": "120.00"},
        {"hours": 8, "price": "280.00"},
    ]
}

# Hand-computed: 4h = 3h+1h = 170; 6h = 3h+3h = 240 (not 6x50 = 300); 9h = 8h+1h = 330 (not 3x3h = 360);
# 2h = 2x1h = 100; 8h = 280 (not 120+120+50+50 = 340); 11h = 8h+3h = 400; 16h = 2x8h = 560.
CASES = [(1, "50.00"), (2, "100.00"), (3, "120.00"), (4, "170.00"), (6, "240.00"), (8, "280.00"),
         (9, "330.00"), (11, "400.00"), (16, "560.00")]  # fmt: skip


@pytest.fixture
async def priced_room(client: httpx.AsyncClient, owner: Account, studio) -> dict:
    room = await create_room(client, owner, studio["id"], min_hours=1, max_hours=16)
    return data(await client.put(f"{API}/rooms/{room['id']}/prices", json=TIERS, headers=owner.headers))


async def test_the_cheapest_combination_for_hand_computed_lengths(client: httpx.AsyncClient, priced_room):
    for hours, total in CASES:
        found = data(await client.get(f"{API}/rooms/{priced_room['id']}/quote", params={"hours": hours}))
        assert (found["hours"], found["total"], found["currency"]) == (hours, total, "EUR"), hours
        assert sum(use["hours"] * use["count"] for use in found["combination"]) == hours


async def test_a_length_no_tier_combination_makes_is_refused_with_the_bookable_lengths(
    client: httpx.AsyncClient, owner: Account, studio
):
    room = await create_room(client, owner, studio["id"], min_hours=1, max_hours=6)
    two_three = {"tiers": [{"hours": 2, "price": "80.00"}, {"hours": 3, "price": "110.00"}]}
    saved = data(await client.put(f"{API}/rooms/{room['id']}/prices", json=two_three, headers=owner.headers))
    assert saved["bookable_lengths"] == [2, 3, 4, 5, 6]
    refused = await client.get(f"{API}/rooms/{room['id']}/quote", params={"hours": 1})
    assert refused.status_code == 422
    error = refused.json()["error"]
    assert error["code"] == "LENGTH_NOT_BOOKABLE" and error["details"][0]["field"] == "hours"
    assert "2, 3, 4, 5, 6" in error["details"][0]["message"]
    # Outside min/max hours, too; and 5h = 2h+3h = 190.
    assert (await client.get(f"{API}/rooms/{room['id']}/quote", params={"hours": 7})).status_code == 422
    assert data(await client.get(f"{API}/rooms/{room['id']}/quote", params={"hours": 5}))["total"] == "190.00"


def test_the_knapsack_is_exact_in_decimal():
    thirds = [(3, Decimal("100.00")), (1, Decimal("33.34"))]
    assert quote(thirds, 6).total == Decimal("200.00")  # type: ignore[union-attr]
    assert quote(thirds, 4).total == Decimal("133.34")  # type: ignore[union-attr]
    assert quote([(2, Decimal("1"))], 3) is None and quote([], 1) is None
    assert bookable_lengths([(5, Decimal("1"))], range(1, 11)) == [5, 10]


async def test_tiers_are_validated_and_replaced_whole(client: httpx.AsyncClient, owner: Account, priced_room):
    rid = priced_room["id"]
    for bad in (
        {"tiers": [{"hours": 1, "price": "50.00"}, {"hours": 1, "price": "40.00"}]},
        {"tiers": [{"hours": 0, "price": "50.00"}]},
        {"tiers": [{"hours": 25, "price": "50.00"}]},
        {"tiers": [{"hours": 1, "price": "-1.00"}]},
        {"tiers": [{"hours": 1, "price": "0"}]},
        {"tiers": [{"hours": 1, "price": "1.001"}]},
        {"tiers": [{"hours": 1.5, "price": "10"}]},
    ):
        assert (
            await client.put(f"{API}/rooms/{rid}/prices", json=bad, headers=owner.headers)
        ).status_code == 422, bad
    replaced = data(
        await client.put(
            f"{API}/rooms/{rid}/prices", json={"tiers": [{"hours": 2, "price": "90"}]}, headers=owner.headers
        )
    )
    assert (
        replaced["tiers"] == [{"hours": 2, "price": "90.00"}] and replaced["cheapest_hourly_price"] == "45.00"
    )
    emptied = data(await client.put(f"{API}/rooms/{rid}/prices", json={"tiers": []}, headers=owner.headers))
    assert emptied["bookable_lengths"] == [] and emptied["cheapest_hourly_price"] is None


async def test_room_crud_and_its_fields(client: httpx.AsyncClient, owner: Account, customer: Account, studio):
    room = await create_room(
        client, owner, studio["id"], buffer_minutes=30, slot_step_minutes=30, min_hours=2, max_hours=4
    )
    assert (room["buffer_minutes"], room["slot_step_minutes"], room["min_hours"], room["max_hours"]) == (
        30,
        30,
        2,
        4,
    )
    assert data(await client.get(f"{API}/rooms/{room['id']}"))["name"] == room["name"]
    listed = data(await client.get(f"{API}/studios/{studio['id']}/rooms"))["items"]
    assert room["id"] in [r["id"] for r in listed]
    for bad in (
        {"slot_step_minutes": 45},
        {"min_hours": 5, "max_hours": 2},
        {"capacity": 0},
        {"buffer_minutes": -1},
    ):
        body = {"name": "R", "capacity": 2, **bad}
        assert (
            await client.post(f"{API}/studios/{studio['id']}/rooms", json=body, headers=owner.headers)
        ).status_code == 422, bad
    assert (
        await client.put(f"{API}/rooms/{room['id']}", json={"max_hours": 1}, headers=owner.headers)
    ).status_code == 422
    assert (
        await client.put(f"{API}/rooms/{room['id']}", json={"capacity": 12}, headers=customer.headers)
    ).status_code == 404
    updated = data(
        await client.put(
            f"{API}/rooms/{room['id']}", json={"capacity": 12, "description": None}, headers=owner.headers
        )
    )
    assert updated["capacity"] == 12
    assert data(await client.get(f"{API}/studios/{studio['id']}"))["max_capacity"] == 12
    assert (await client.delete(f"{API}/rooms/{room['id']}", headers=owner.headers)).status_code == 200
    assert (await client.get(f"{API}/rooms/{room['id']}")).status_code == 404
    assert data(await client.get(f"{API}/studios/{studio['id']}"))["max_capacity"] == 0
