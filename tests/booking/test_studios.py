"""Studios: create/update/delete by the team, visibility, hours (crossing midnight, DST zones),
closures, equipment, badges, favourites, the cancellation policy and the studio page."""

from __future__ import annotations

from typing import Any

import httpx

from tests.accounts.conftest import Account
from tests.booking.conftest import API, create_room, create_studio, data, unique

WEEK: dict[str, list[dict[str, Any]]] = {
    "hours": [
        {"weekday": 4, "mode": "open", "intervals": [{"open": "18:00", "close": "02:00"}]},
        {
            "weekday": 0,
            "mode": "open",
            "intervals": [{"open": "09:00", "close": "13:00"}, {"open": "14:00", "close": "17:00"}],
        },
        {"weekday": 6, "mode": "24h", "intervals": []},
        {"weekday": 2, "mode": "closed", "intervals": []},
    ]
}


async def test_create_needs_a_company_the_caller_manages(
    client: httpx.AsyncClient, owner: Account, customer: Account, company, city
):
    studio = await create_studio(client, owner, company["id"], city["id"], name="Blue Room")
    assert studio["country_code"] == "PT" and studio["currency"] == "EUR"
    assert studio["slug"].startswith("blue-room") and studio["cheapest_hourly_price"] is None
    body = {
        **{k: studio[k] for k in ("name", "street", "lat", "lng", "timezone", "currency")},
        "city_id": city["id"],
    }
    refused = await client.post(
        f"{API}/studios", json={**body, "company_id": company["id"]}, headers=customer.headers
    )
    assert refused.status_code == 404  # a customer cannot create a company resource
    missing = await client.post(f"{API}/studios", json=body, headers=owner.headers)
    assert missing.status_code == 422 and missing.json()["error"]["details"][0]["field"] == "company_id"
    for bad in ({"timezone": "Europe/Atlantis"}, {"currency": "EURO"}, {"currency": "XXX"}, {"lat": 99}):
        response = await client.post(
            f"{API}/studios", json={**body, "company_id": company["id"], **bad}, headers=owner.headers
        )
        assert response.status_code == 422, bad
    no_city = {**body, "company_id": company["id"], "city_id": "00000000-0000-0000-0000-000000000001"}
    assert (await client.post(f"{API}/studios", json=no_city, headers=owner.headers)).status_code == 404


async def test_hours_cross_midnight_and_come_back_as_given_in_a_dst_timezone(
    client: httpx.AsyncClient, owner: Account, company, city
):
    studio = await create_studio(client, owner, company["id"], city["id"], timezone="America/New_York")
    saved = data(await client.put(f"{API}/studios/{studio['id']}/hours", json=WEEK, headers=owner.headers))
    expected = sorted(WEEK["hours"], key=lambda day: day["weekday"])
    assert saved == {"timezone": "America/New_York", "hours": expected}
    assert data(await client.get(f"{API}/studios/{studio['id']}/hours")) == saved
    assert data(await client.get(f"{API}/studios/{studio['id']}"))["hours"] == expected
    # Replacing the week drops the days left out (closed).
    only_monday = {"hours": [WEEK["hours"][1]]}
    assert (
        len(
            data(
                await client.put(
                    f"{API}/studios/{studio['id']}/hours", json=only_monday, headers=owner.headers
                )
            )["hours"]
        )
        == 1
    )


async def test_bad_hours_are_refused(client: httpx.AsyncClient, owner: Account, studio):
    bad_weeks = [
        {"hours": [{"weekday": 7, "mode": "open", "intervals": [{"open": "09:00", "close": "10:00"}]}]},
        {"hours": [{"weekday": 0, "mode": "open", "intervals": []}]},
        {"hours": [{"weekday": 0, "mode": "24h", "intervals": [{"open": "09:00", "close": "10:00"}]}]},
        {"hours": [{"weekday": 0, "mode": "open", "intervals": [{"open": "9:00", "close": "10:00"}]}]},
        {"hours": [{"weekday": 0, "mode": "open", "intervals": [{"open": "24:00", "close": "10:00"}]}]},
        {"hours": [{"weekday": 0, "mode": "open", "intervals": [{"open": "10:00", "close": "10:00"}]}]},
        {
            "hours": [
                {
                    "weekday": 0,
                    "mode": "open",
                    "intervals": [{"open": "09:00", "close": "12:00"}, {"open": "11:00", "close": "13:00"}],
                }
            ]
        },
        {"hours": [{"weekday": 0, "mode": "closed"}, {"weekday": 0, "mode": "24h"}]},
        {"hours": [{"weekday": 0, "mode": "sometimes"}]},
    ]
    for week in bad_weeks:
        response = await client.put(f"{API}/studios/{studio['id']}/hours", json=week, headers=owner.headers)
        assert response.status_code == 422, week


async def test_unpublished_and_deleted_studios_are_hidden_from_the_public_not_the_team(
    client: httpx.AsyncClient, owner: Account, customer: Account, company, city
):
    draft = await create_studio(client, owner, company["id"], city["id"], is_published=False)
    assert (await client.get(f"{API}/studios/{draft['id']}")).status_code == 404
    assert (await client.get(f"{API}/studios/{draft['slug']}", headers=customer.headers)).status_code == 404
    assert (
        data(await client.get(f"{API}/studios/{draft['slug']}", headers=owner.headers))["id"] == draft["id"]
    )
    listed = data(await client.get(f"{API}/companies/{company['id']}/studios", headers=owner.headers))[
        "items"
    ]
    assert draft["id"] in [s["id"] for s in listed]
    published = data(
        await client.put(f"{API}/studios/{draft['id']}", json={"is_published": True}, headers=owner.headers)
    )
    assert published["is_published"] is True
    assert data(await client.get(f"{API}/studios/{draft['slug']}"))["id"] == draft["id"]
    assert (await client.delete(f"{API}/studios/{draft['id']}", headers=owner.headers)).status_code == 200
    assert (await client.get(f"{API}/studios/{draft['id']}", headers=owner.headers)).status_code == 404


async def test_the_cancellation_policy_defaults_to_settings(
    client: httpx.AsyncClient, settings, owner: Account, studio
):
    assert studio["cancellation_policy"] == {
        "full_refund_hours": settings.BOOKING_FULL_REFUND_HOURS,
        "partial_refund_hours": settings.BOOKING_PARTIAL_REFUND_HOURS,
        "partial_refund_percent": settings.BOOKING_PARTIAL_REFUND_PERCENT,
        "is_default": True,
    }
    own = {"full_refund_hours": 72, "partial_refund_hours": 12, "partial_refund_percent": 25}
    updated = data(await client.put(f"{API}/studios/{studio['id']}", json=own, headers=owner.headers))
    assert updated["cancellation_policy"] == {**own, "is_default": False}
    inverted = await client.put(
        f"{API}/studios/{studio['id']}", json={"partial_refund_hours": 100}, headers=owner.headers
    )
    assert inverted.status_code == 422
    assert (
        await client.put(
            f"{API}/studios/{studio['id']}", json={"partial_refund_percent": 101}, headers=owner.headers
        )
    ).status_code == 422


async def test_closures_equipment_and_badges(
    client: httpx.AsyncClient, owner: Account, admin: Account, customer: Account, studio
):
    sid = studio["id"]
    closure = data(
        await client.post(
            f"{API}/studios/{sid}/closures",
            json={
                "starts_at": "2026-12-24T18:00:00",
                "ends_at": "2026-12-26T09:00:00",
                "reason": "Christmas",
            },
            headers=owner.headers,
        ),
        201,
    )
    assert closure["starts_at"] == "2026-12-24T18:00:00"
    assert [c["id"] for c in data(await client.get(f"{API}/studios/{sid}/closures"))["items"]] == [
        closure["id"]
    ]
    for bad in (
        {"starts_at": "2026-12-24T18:00:00+01:00", "ends_at": "2026-12-26T09:00:00+01:00"},
        {"starts_at": "2026-12-26T09:00:00", "ends_at": "2026-12-24T09:00:00"},
    ):
        assert (
            await client.post(f"{API}/studios/{sid}/closures", json=bad, headers=owner.headers)
        ).status_code == 422
    assert (
        await client.post(
            f"{API}/studios/{sid}/closures",
            json={"starts_at": "2026-01-01T00:00:00", "ends_at": "2026-01-02T00:00:00"},
            headers=customer.headers,
        )
    ).status_code == 404
    assert (
        await client.delete(f"{API}/studios/{sid}/closures/{closure['id']}", headers=owner.headers)
    ).status_code == 200
    assert data(await client.get(f"{API}/studios/{sid}/closures"))["items"] == []

    mic = data(
        await client.post(f"{API}/equipment-types", json={"name": unique("Mic")}, headers=admin.headers), 201
    )
    item = data(
        await client.post(
            f"{API}/studios/{sid}/equipment",
            json={"equipment_type_id": mic["id"], "name": "SM58", "quantity": 4},
            headers=owner.headers,
        ),
        201,
    )
    assert (
        data(
            await client.put(
                f"{API}/studios/{sid}/equipment/{item['id']}", json={"quantity": 2}, headers=owner.headers
            )
        )["quantity"]
        == 2
    )
    unknown = {"equipment_type_id": "00000000-0000-0000-0000-000000000002", "name": "x"}
    assert (
        await client.post(f"{API}/studios/{sid}/equipment", json=unknown, headers=owner.headers)
    ).status_code == 404
    assert (
        await client.post(
            f"{API}/studios/{sid}/equipment",
            json={**unknown, "equipment_type_id": mic["id"], "quantity": 0},
            headers=owner.headers,
        )
    ).status_code == 422

    wifi = data(await client.post(f"{API}/badges", json={"name": unique("WiFi")}, headers=admin.headers), 201)
    badges = data(
        await client.put(
            f"{API}/studios/{sid}/badges", json={"badge_ids": [wifi["id"]]}, headers=owner.headers
        )
    )
    assert [b["id"] for b in badges] == [wifi["id"]]
    assert (
        await client.put(
            f"{API}/studios/{sid}/badges",
            json={"badge_ids": [unknown["equipment_type_id"]]},
            headers=owner.headers,
        )
    ).status_code == 404

    page = data(await client.get(f"{API}/studios/{studio['slug']}"))
    assert [e["name"] for e in page["equipment"]] == ["SM58"] and [b["name"] for b in page["badges"]] == [
        wifi["name"]
    ]
    assert (
        await client.delete(f"{API}/studios/{sid}/equipment/{item['id']}", headers=owner.headers)
    ).status_code == 200
    assert data(await client.get(f"{API}/studios/{sid}/equipment")) == []


async def test_favourites(
    client: httpx.AsyncClient, owner: Account, customer: Account, company, city, studio
):
    sid = studio["id"]
    assert data(await client.post(f"{API}/studios/{sid}/favourite", headers=customer.headers)) == {
        "studio_id": sid,
        "is_favourite": True,
    }
    assert (
        data(await client.post(f"{API}/studios/{sid}/favourite", headers=customer.headers))["is_favourite"]
        is True
    )  # idempotent
    mine = data(await client.get(f"{API}/users/me/favourites", headers=customer.headers))
    assert [s["id"] for s in mine["items"]] == [sid] and mine["total"] == 1
    draft = await create_studio(client, owner, company["id"], city["id"], is_published=False)
    assert (
        await client.post(f"{API}/studios/{draft['id']}/favourite", headers=customer.headers)
    ).status_code == 404
    assert (await client.post(f"{API}/studios/{sid}/favourite")).status_code == 401
    assert (
        data(await client.delete(f"{API}/studios/{sid}/favourite", headers=customer.headers))["is_favourite"]
        is False
    )
    assert data(await client.get(f"{API}/users/me/favourites", headers=customer.headers))["items"] == []


async def test_the_studio_page_lists_rooms_and_follows_changes(
    client: httpx.AsyncClient, owner: Account, studio: dict[str, Any]
):
    first = data(await client.get(f"{API}/studios/{studio['id']}"))
    assert first["rooms"] == []
    room = await create_room(client, owner, studio["id"], name="Live A", capacity=6)
    await client.put(
        f"{API}/rooms/{room['id']}/prices",
        json={"tiers": [{"hours": 2, "price": "70.00"}]},
        headers=owner.headers,
    )
    page = data(await client.get(f"{API}/studios/{studio['slug']}"))  # cached pages see the write
    assert [(r["name"], r["capacity"], r["cheapest_hourly_price"]) for r in page["rooms"]] == [
        ("Live A", 6, "35.00")
    ]
    assert page["cheapest_hourly_price"] == "35.00" and page["max_capacity"] == 6
