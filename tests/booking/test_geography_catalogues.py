"""Countries (seeded ISO 3166), cities and the equipment-type and badge catalogues."""

from __future__ import annotations

import httpx

from tests.accounts.conftest import Account
from tests.booking.conftest import API, create_city, data, unique


async def test_countries_are_seeded_from_iso_3166_and_searchable(client: httpx.AsyncClient):
    everything = data(await client.get(f"{API}/countries", params={"limit": 1}))
    assert everything["total"] >= 249
    found = data(await client.get(f"{API}/countries", params={"q": "portu"}))["items"]
    assert [(c["code"], c["alpha3"], c["name"]) for c in found] == [("PT", "PRT", "Portugal")]
    by_code = data(await client.get(f"{API}/countries", params={"q": "es", "limit": 100}))["items"]
    assert "ES" in [c["code"] for c in by_code]  # the exact code, though "Spain" has no "es"
    assert data(await client.get(f"{API}/countries", params={"q": "zz-nothing"}))["items"] == []


async def test_an_admin_manages_cities_and_everyone_reads_and_searches_them(
    client: httpx.AsyncClient, admin: Account, user_a: Account
):
    city = await create_city(client, admin, name=unique("Porto"), country_code="pt", timezone="Europe/Lisbon")
    assert city["country_code"] == "PT"
    assert data(await client.get(f"{API}/cities/{city['id']}"))["name"] == city["name"]
    hits = data(await client.get(f"{API}/cities", params={"q": city["name"][-6:], "country_code": "PT"}))[
        "items"
    ]
    assert [c["id"] for c in hits] == [city["id"]]
    assert (
        data(await client.get(f"{API}/cities", params={"q": city["name"], "country_code": "ES"}))["items"]
        == []
    )
    # Writes need catalogues:write.
    body = {"name": unique("X"), "country_code": "PT", "timezone": "Europe/Lisbon", "lat": 1, "lng": 1}
    assert (await client.post(f"{API}/cities", json=body, headers=user_a.headers)).status_code == 403
    assert (await client.post(f"{API}/cities", json=body)).status_code == 401
    # Same name in the same country: 409; unknown country: 404; bad zone or coordinates: 422.
    duplicate = {**body, "name": city["name"]}
    assert (await client.post(f"{API}/cities", json=duplicate, headers=admin.headers)).status_code == 409
    unknown = {**body, "country_code": "ZZ"}
    assert (await client.post(f"{API}/cities", json=unknown, headers=admin.headers)).status_code == 404
    for bad in ({"timezone": "Mars/Olympus"}, {"timezone": "localtime"}, {"lat": 91}, {"lng": -181}):
        response = await client.post(f"{API}/cities", json={**body, **bad}, headers=admin.headers)
        assert response.status_code == 422, bad
    renamed = data(
        await client.put(
            f"{API}/cities/{city['id']}", json={"name": "Oporto " + city["id"][:6]}, headers=admin.headers
        )
    )
    assert renamed["name"].startswith("Oporto")
    assert (await client.delete(f"{API}/cities/{city['id']}", headers=admin.headers)).status_code == 200
    assert (await client.get(f"{API}/cities/{city['id']}")).status_code == 404


async def test_catalogues_unique_names_and_active_only_for_the_public(
    client: httpx.AsyncClient, admin: Account, user_a: Account
):
    for path, body in (
        ("equipment-types", {"name": unique("Mic")}),
        ("badges", {"name": unique("WiFi"), "icon": "wifi"}),
    ):
        entry = data(await client.post(f"{API}/{path}", json=body, headers=admin.headers), 201)
        assert (await client.post(f"{API}/{path}", json=body, headers=admin.headers)).status_code == 409
        assert (
            await client.post(f"{API}/{path}", json={"name": unique("x")}, headers=user_a.headers)
        ).status_code == 403
        listed = data(await client.get(f"{API}/{path}", params={"limit": 100}))["items"]
        assert entry["id"] in [e["id"] for e in listed]
        await client.put(f"{API}/{path}/{entry['id']}", json={"is_active": False}, headers=admin.headers)
        listed = data(await client.get(f"{API}/{path}", params={"limit": 100}))["items"]
        assert entry["id"] not in [e["id"] for e in listed]
        assert (await client.delete(f"{API}/{path}/{entry['id']}", headers=admin.headers)).status_code == 200
        assert (await client.delete(f"{API}/{path}/{entry['id']}", headers=admin.headers)).status_code == 404
