"""The demo marketplace (`mosaic seed --demo`): created once, and it is a working product."""

from __future__ import annotations

from decimal import Decimal

import httpx

from mosaic.booking.demo import DEMO_OWNER_EMAIL, DEMO_OWNER_PASSWORD, seed_demo
from tests.accounts.conftest import login
from tests.booking.conftest import API, data


async def test_the_demo_marketplace_is_created_once_and_searchable(client: httpx.AsyncClient, app):
    async with app.state.database.transaction() as session:
        made = await seed_demo(session, app.state.storage)
    assert made is not None and (made.studios, made.rooms, made.photos) == (24, 48, 48)
    async with app.state.database.transaction() as session:
        assert await seed_demo(session, app.state.storage) is None

    lisbon = data(await client.get(f"{API}/cities", params={"q": "Lisbon", "country_code": "PT"}))["items"][0]
    found = data(await client.get(f"{API}/studios", params={"city_id": lisbon["id"], "sort": "price"}))
    assert found["total"] >= 3
    first = found["items"][0]
    assert first["cover_photo_url"] and first["cheapest_hourly_price"]
    page = data(await client.get(f"{API}/studios/{first['slug']}"))
    assert page["hours"] and page["rooms"] and len(page["photos"]) == 2 and page["equipment"]
    # The studio's search price is what its rooms' tiers really give: the best rate per hour.
    quotes = [
        Decimal(data(await client.get(f"{API}/rooms/{room['id']}/quote", params={"hours": hours}))["total"])
        / hours
        for room in page["rooms"]
        for hours in (1, 3, 8)
    ]
    assert min(quotes).quantize(Decimal("0.01")) == Decimal(first["cheapest_hourly_price"])
    # The demo owner can sign in and manage the studio.
    tokens = await login(client, DEMO_OWNER_EMAIL, DEMO_OWNER_PASSWORD)
    headers = {"Authorization": f"Bearer {tokens['access_token']}"}
    assert data(await client.get(f"{API}/companies", headers=headers))["total"] == 4
