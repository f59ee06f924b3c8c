"""Public search: a table of filter combinations, distance against a hand-computed haversine,
and unpublished or soft-deleted studios never appear."""

from __future__ import annotations

import math
from typing import Any

import httpx

from tests.accounts.conftest import Account
from tests.booking.conftest import (
    API,
    create_city,
    create_company,
    create_room,
    create_studio,
    data,
    new_owner,
    unique,
)


def haversine(lat1: float, lng1: float, lat2: float, lng2: float) -> float:
    """Written out by hand here, independent of the app's code (mean Earth radius 6371.0088 km)."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    a = (
        math.sin((phi2 - phi1) / 2) ** 2
        + math.cos(phi1) * math.cos(phi2) * math.sin(math.radians(lng2 - lng1) / 2) ** 2
    )
    return 2 * 6371.0088 * math.asin(math.sqrt(a))


CENTRE = (38.7223, -9.1393)  # Lisbon


async def market(client: httpx.AsyncClient, admin: Account) -> dict[str, Any]:
    """Five studios in a fresh city (so other tests' studios never match) and one elsewhere."""
    owner = await new_owner(client)
    company = await create_company(client, owner)
    city = await create_city(client, admin)
    other_city = await create_city(
        client,
        admin,
        name=unique("Madrid"),
        country_code="ES",
        timezone="Europe/Madrid",
        lat=40.4168,
        lng=-3.7038,
    )
    mic = data(
        await client.post(f"{API}/equipment-types", json={"name": unique("Mic")}, headers=admin.headers), 201
    )
    amp = data(
        await client.post(f"{API}/equipment-types", json={"name": unique("Amp")}, headers=admin.headers), 201
    )
    wifi = data(await client.post(f"{API}/badges", json={"name": unique("WiFi")}, headers=admin.headers), 201)
    tag = unique("zq").split()[1]  # a word only these studios contain

    async def studio(
        name: str,
        lat: float,
        lng: float,
        price: str | None,
        capacity: int,
        equipment=(),
        badges=(),
        where=None,
        **extra,
    ) -> dict[str, Any]:
        made = await create_studio(
            client,
            owner,
            company["id"],
            (where or city)["id"],
            name=f"{name} {tag}",
            lat=lat,
            lng=lng,
            description=extra.pop("description", ""),
            **extra,
        )
        room = await create_room(client, owner, made["id"], capacity=capacity)
        if price:
            await client.put(
                f"{API}/rooms/{room['id']}/prices",
                json={"tiers": [{"hours": 1, "price": price}]},
                headers=owner.headers,
            )
        for kind in equipment:
            await client.post(
                f"{API}/studios/{made['id']}/equipment",
                json={"equipment_type_id": kind["id"], "name": kind["name"]},
                headers=owner.headers,
            )
        if badges:
            await client.put(
                f"{API}/studios/{made['id']}/badges",
                json={"badge_ids": [b["id"] for b in badges]},
                headers=owner.headers,
            )
        return made

    studios = {
        "alpha": await studio(
            "Alpha", 38.7223, -9.1393, "20.00", 2, equipment=[mic], badges=[wifi], description="vocal booth"
        ),
        "bravo": await studio("Bravo", 38.7436, -9.1602, "35.00", 6, equipment=[mic, amp]),
        "charlie": await studio(
            "Charlie",
            38.6979,
            -9.4215,
            "50.00",
            10,
            equipment=[amp],
            badges=[wifi],
            description="big drum room",
        ),
        "delta": await studio("Delta", 38.7000, -9.1000, None, 4),
        "madrid": await studio("Echo", 40.4168, -3.7038, "10.00", 20, where=other_city, currency="EUR"),
        "draft": await studio("Draft", 38.7223, -9.1393, "5.00", 50, is_published=False),
        "deleted": await studio("Deleted", 38.7223, -9.1393, "5.00", 50),
    }
    await client.delete(f"{API}/studios/{studios['deleted']['id']}", headers=owner.headers)
    return {
        "studios": studios,
        "city": city,
        "other_city": other_city,
        "mic": mic,
        "amp": amp,
        "wifi": wifi,
        "tag": tag,
        "owner": owner,
    }


async def names(client: httpx.AsyncClient, **params: Any) -> list[str]:
    page = data(await client.get(f"{API}/studios", params={"limit": 100, **params}))
    return [item["name"].split()[0] for item in page["items"]]


async def test_filters_combine_and_hidden_studios_never_appear(client: httpx.AsyncClient, admin: Account):
    m = await market(client, admin)
    tag, city = m["tag"], m["city"]["id"]
    cases: list[tuple[dict[str, Any], list[str]]] = [
        ({"q": tag}, ["Alpha", "Bravo", "Charlie", "Delta", "Echo"]),
        ({"q": tag, "city_id": city}, ["Alpha", "Bravo", "Charlie", "Delta"]),
        ({"q": tag, "country": "es"}, ["Echo"]),
        ({"q": f"{tag} drum"}, ["Charlie"]),
        ({"q": f"{tag} -drum", "city_id": city}, ["Alpha", "Bravo", "Delta"]),
        ({"q": tag, "equipment": m["mic"]["id"]}, ["Alpha", "Bravo"]),
        ({"q": tag, "equipment": [m["mic"]["id"], m["amp"]["id"]]}, ["Bravo"]),
        ({"q": tag, "badge": m["wifi"]["id"]}, ["Alpha", "Charlie"]),
        ({"q": tag, "badge": m["wifi"]["id"], "equipment": m["amp"]["id"]}, ["Charlie"]),
        ({"q": tag, "min_price": "30"}, ["Bravo", "Charlie"]),
        ({"q": tag, "max_price": "35.00"}, ["Alpha", "Bravo", "Echo"]),
        ({"q": tag, "min_price": "20", "max_price": "35", "city_id": city}, ["Alpha", "Bravo"]),
        ({"q": tag, "capacity": 5}, ["Bravo", "Charlie", "Echo"]),
        ({"q": tag, "capacity": 5, "max_price": "40"}, ["Bravo", "Echo"]),
        ({"q": tag, "sort": "price"}, ["Echo", "Alpha", "Bravo", "Charlie", "Delta"]),
        ({"q": tag, "sort": "-price"}, ["Charlie", "Bravo", "Alpha", "Echo", "Delta"]),
        ({"q": tag, "sort": "-name"}, ["Echo", "Delta", "Charlie", "Bravo", "Alpha"]),
        ({"q": tag, "sort": "-created_at"}, ["Echo", "Delta", "Charlie", "Bravo", "Alpha"]),
        ({"q": tag, "near": f"{CENTRE[0]},{CENTRE[1]}", "radius_km": 5}, ["Alpha", "Bravo", "Delta"]),
        (
            {"q": tag, "near": f"{CENTRE[0]},{CENTRE[1]}", "radius_km": 30},
            ["Alpha", "Bravo", "Delta", "Charlie"],
        ),
        (
            {"q": tag, "near": f"{CENTRE[0]},{CENTRE[1]}", "radius_km": 30, "sort": "price"},
            ["Alpha", "Bravo", "Charlie", "Delta"],
        ),
        ({"q": tag, "near": "40.4,-3.7", "radius_km": 10, "min_price": "11"}, []),
        ({"q": "nothing-matches-this-word"}, []),
    ]
    for params, expected in cases:
        assert await names(client, **params) == expected, params


async def test_distance_is_right_to_one_percent(client: httpx.AsyncClient, admin: Account):
    m = await market(client, admin)
    page = data(
        await client.get(
            f"{API}/studios", params={"q": m["tag"], "near": f"{CENTRE[0]},{CENTRE[1]}", "radius_km": 600}
        )
    )
    assert [item["name"].split()[0] for item in page["items"]] == [
        "Alpha",
        "Bravo",
        "Delta",
        "Charlie",
        "Echo",
    ]
    for item in page["items"]:
        expected = haversine(CENTRE[0], CENTRE[1], item["lat"], item["lng"])
        assert abs(item["distance_km"] - expected) <= max(0.01 * expected, 0.001), item["name"]
    echo = page["items"][-1]
    assert 480 < echo["distance_km"] < 510  # Lisbon-Madrid, about 503 km
    without = data(await client.get(f"{API}/studios", params={"q": m["tag"]}))["items"]
    assert all(item["distance_km"] is None for item in without)


async def test_items_carry_the_cheapest_hourly_price(client: httpx.AsyncClient, admin: Account):
    m = await market(client, admin)
    bravo = m["studios"]["bravo"]
    room = await create_room(client, m["owner"], bravo["id"], capacity=3)
    await client.put(
        f"{API}/rooms/{room['id']}/prices",
        json={"tiers": [{"hours": 4, "price": "100.00"}]},
        headers=m["owner"].headers,
    )
    items = data(await client.get(f"{API}/studios", params={"q": m["tag"], "sort": "name"}))["items"]
    prices = {item["name"].split()[0]: item["cheapest_hourly_price"] for item in items}
    assert prices == {"Alpha": "20.00", "Bravo": "25.00", "Charlie": "50.00", "Delta": None, "Echo": "10.00"}


async def test_bad_search_parameters_are_422(client: httpx.AsyncClient):
    for params in (
        {"near": "north"},
        {"near": "91,0"},
        {"near": "1,2,3"},
        {"sort": "popularity"},
        {"radius_km": 0},
        {"min_price": "-1"},
        {"capacity": 0},
        {"country": "PRT"},
        {"equipment": "not-a-uuid"},
    ):
        response = await client.get(f"{API}/studios", params=params)
        assert response.status_code == 422, params
        assert response.json()["error"]["details"][0]["field"]
    # Without `near` a distance sort has no reference point: accepted, the next field decides.
    assert (await client.get(f"{API}/studios", params={"sort": "distance,name"})).status_code == 200
    odd = await client.get(f"{API}/studios", params={"q": '"unbalanced ( AND * OR'})
    assert odd.status_code == 200
