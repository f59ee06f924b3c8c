"""Availability tables computed by hand: DST days, crossing midnight, buffers, closures, windows.

Every expected start below was worked out on paper from the studio's hours and the IANA rules
(US: 2027-03-14 02:00 EST -> 03:00 EDT, 2027-11-07 02:00 EDT -> 01:00 EST; UK: 2027-03-28
01:00 GMT -> 02:00 BST), not by running the code under test.
"""

from __future__ import annotations

import uuid
from datetime import timedelta

import httpx

from mosaic.core.database import utcnow
from tests.booking.booking_helpers import (
    availability,
    bookable_room,
    booked,
    every_day,
    lapse_hold,
    local_starts,
    utc_starts,
)
from tests.booking.conftest import API, create_city, create_company, create_room, create_studio, data

NY = "America/New_York"


async def test_new_york_spring_forward_has_no_starts_in_the_missing_hour(client, owner, admin):
    _, room = await bookable_room(client, owner, admin, timezone=NY, currency="USD")
    answer = await availability(client, room["id"], "2027-03-14")
    assert answer["timezone"] == NY and answer["hours"] == 1 and answer["room_id"] == room["id"]
    # 23 starts on a 23-hour day: 02:00 local never happens.
    expected_local = ["2027-03-14T00:00:00-05:00", "2027-03-14T01:00:00-05:00"] + [
        f"2027-03-14T{hour:02d}:00:00-04:00" for hour in range(3, 24)
    ]
    assert local_starts(answer) == expected_local
    assert utc_starts(answer)[:3] == ["2027-03-14T05:00:00Z", "2027-03-14T06:00:00Z", "2027-03-14T07:00:00Z"]
    assert utc_starts(answer)[-1] == "2027-03-15T03:00:00Z"
    assert {slot["price"] for slot in answer["slots"]} == {"50.00"}


async def test_new_york_spring_forward_day_09_17_still_has_8_hours_and_a_night_has_5(client, owner, admin):
    nine_to_five = every_day("09:00", "17:00")
    _, room = await bookable_room(client, owner, admin, timezone=NY, currency="USD", week=nine_to_five)
    eight = await availability(client, room["id"], "2027-03-14", hours=8)
    assert utc_starts(eight) == ["2027-03-14T13:00:00Z"]
    assert local_starts(eight) == ["2027-03-14T09:00:00-04:00"]
    ones = await availability(client, room["id"], "2027-03-14", hours=1)
    assert utc_starts(ones) == [f"2027-03-14T{hour}:00:00Z" for hour in range(13, 21)]
    # 00:00-06:00 on the same day spans only 5 real hours: starts 00, 01, 03, 04, 05.
    _, night = await bookable_room(
        client, owner, admin, timezone=NY, currency="USD", week=every_day("00:00", "06:00")
    )
    starts = await availability(client, night["id"], "2027-03-14")
    assert utc_starts(starts) == [f"2027-03-14T{hour:02d}:00:00Z" for hour in (5, 6, 7, 8, 9)]
    assert [s[11:16] for s in local_starts(starts)] == ["00:00", "01:00", "03:00", "04:00", "05:00"]
    assert utc_starts(await availability(client, night["id"], "2027-03-14", hours=5)) == [
        "2027-03-14T05:00:00Z"
    ]
    assert (await availability(client, night["id"], "2027-03-14", hours=6))["slots"] == []


async def test_new_york_fall_back_offers_the_repeated_hour_once(client, owner, admin):
    _, room = await bookable_room(client, owner, admin, timezone=NY, currency="USD")
    answer = await availability(client, room["id"], "2027-11-07")
    expected_local = ["2027-11-07T00:00:00-04:00", "2027-11-07T01:00:00-04:00"] + [
        f"2027-11-07T{hour:02d}:00:00-05:00" for hour in range(2, 24)
    ]
    assert local_starts(answer) == expected_local  # 24 wall-clock starts on a 25-hour day
    utc = utc_starts(answer)
    assert utc[:3] == ["2027-11-07T04:00:00Z", "2027-11-07T05:00:00Z", "2027-11-07T07:00:00Z"]
    assert "2027-11-07T06:00:00Z" not in utc  # 01:00 EST, the second 01:00
    assert utc[-1] == "2027-11-08T04:00:00Z"
    # A 2-hour booking from 00:00 EDT ends at 01:00 EST: two real hours.
    two = await availability(client, room["id"], "2027-11-07", hours=2)
    assert utc_starts(two)[0] == "2027-11-07T04:00:00Z"
    _, nine = await bookable_room(
        client, owner, admin, timezone=NY, currency="USD", week=every_day("09:00", "17:00")
    )
    assert utc_starts(await availability(client, nine["id"], "2027-11-07", hours=8)) == [
        "2027-11-07T14:00:00Z"
    ]


async def test_london_spring_forward_skips_one_oclock(client, owner, admin):
    _, room = await bookable_room(client, owner, admin, timezone="Europe/London", currency="GBP")
    answer = await availability(client, room["id"], "2027-03-28")
    expected_local = ["2027-03-28T00:00:00Z"] + [
        f"2027-03-28T{hour:02d}:00:00+01:00" for hour in range(2, 24)
    ]
    # pydantic writes a zero offset as Z
    assert local_starts(answer) == expected_local
    assert utc_starts(answer)[:2] == ["2027-03-28T00:00:00Z", "2027-03-28T01:00:00Z"]
    assert len(answer["slots"]) == 23


async def test_hours_crossing_midnight(client, owner, admin):
    # Friday 18:00-02:00 only (2027-01-15 is a Friday; Lisbon is UTC+0 in January).
    week = {"hours": [{"weekday": 4, "mode": "open", "intervals": [{"open": "18:00", "close": "02:00"}]}]}
    _, room = await bookable_room(client, owner, admin, week=week)
    friday = await availability(client, room["id"], "2027-01-15", hours=2)
    assert utc_starts(friday) == [f"2027-01-15T{hour}:00:00Z" for hour in range(18, 24)]
    both = await availability(client, room["id"], "2027-01-15", "2027-01-16", hours=1)
    assert utc_starts(both) == [f"2027-01-15T{hour}:00:00Z" for hour in range(18, 24)] + [
        "2027-01-16T00:00:00Z",
        "2027-01-16T01:00:00Z",
    ]
    # Saturday alone: only the night that began on Friday.
    assert utc_starts(await availability(client, room["id"], "2027-01-16", hours=1)) == [
        "2027-01-16T00:00:00Z",
        "2027-01-16T01:00:00Z",
    ]
    assert (await availability(client, room["id"], "2027-01-17"))["slots"] == []  # Sunday: closed


async def test_buffers_block_after_live_bookings_and_a_lapsed_hold_blocks_nothing(
    client, app, owner, admin, customer
):
    _, room = await bookable_room(client, owner, admin, week=every_day("09:00", "17:00"), buffer_minutes=30)
    hold = await booked(client, customer, room["id"], "2027-01-18T11:00:00Z", hours=2)
    # [11:00, 13:30) is blocked; a 1-hour booking blocks its own hour plus 30 minutes.
    answer = await availability(client, room["id"], "2027-01-18")
    assert [s[11:16] for s in utc_starts(answer)] == ["09:00", "14:00", "15:00", "16:00"]
    two = await availability(client, room["id"], "2027-01-18", hours=2)
    assert [s[11:16] for s in utc_starts(two)] == ["14:00", "15:00"]
    # The hold lapses: its slot is free at once, before any schedule ran.
    await lapse_hold(app, hold["id"])
    free = await availability(client, room["id"], "2027-01-18")
    assert [s[11:16] for s in utc_starts(free)] == [f"{hour:02d}:00" for hour in range(9, 17)]


async def test_closures_are_cut_out(client, owner, admin):
    studio, room = await bookable_room(client, owner, admin, week=every_day("09:00", "17:00"))
    for body in (
        {"starts_at": "2027-01-19T12:00:00", "ends_at": "2027-01-19T14:00:00", "reason": "Maintenance"},
        {"starts_at": "2027-01-20T00:00:00", "ends_at": "2027-01-21T00:00:00", "reason": "Holiday"},
    ):
        data(
            await client.post(f"{API}/studios/{studio['id']}/closures", json=body, headers=owner.headers), 201
        )
    ones = await availability(client, room["id"], "2027-01-19")
    assert [s[11:16] for s in utc_starts(ones)] == ["09:00", "10:00", "11:00", "14:00", "15:00", "16:00"]
    twos = await availability(client, room["id"], "2027-01-19", hours=2)
    assert [s[11:16] for s in utc_starts(twos)] == ["09:00", "10:00", "14:00", "15:00"]
    assert (await availability(client, room["id"], "2027-01-20"))["slots"] == []
    assert len((await availability(client, room["id"], "2027-01-21"))["slots"]) == 8


async def test_notice_and_advance_windows_per_studio(client, owner, admin):
    _, room = await bookable_room(
        client, owner, admin, timezone="UTC", studio_fields={"min_notice_minutes": 3 * 24 * 60}
    )
    before = utcnow()
    first, last = before.date(), (before + timedelta(days=5)).date()
    answer = await availability(client, room["id"], first.isoformat(), last.isoformat())
    after = utcnow()
    starts = utc_starts(answer)
    earliest = min(starts)
    threshold = (before + timedelta(days=3)).isoformat()
    assert earliest >= threshold.replace("+00:00", "Z")[:19]
    assert earliest < (after + timedelta(days=3, hours=1)).isoformat()[:19] + "Z"
    # Advance: two days at most, no notice.
    _, near = await bookable_room(client, owner, admin, timezone="UTC", studio_fields={"max_advance_days": 2})
    before = utcnow()
    answer = await availability(client, near["id"], first.isoformat(), last.isoformat())
    starts = utc_starts(answer)
    assert max(starts) <= (utcnow() + timedelta(days=2)).isoformat()[:19] + "Z"
    assert max(starts) > (before + timedelta(days=2, hours=-1)).isoformat()[:19] + "Z"
    assert min(starts) >= before.isoformat()[:13]  # no start in the past, default notice 0 here


async def test_defaults_apply_when_the_studio_sets_no_window(client, owner, admin, settings):
    studio, _ = await bookable_room(
        client, owner, admin, studio_fields={"min_notice_minutes": None, "max_advance_days": None}
    )
    window = data(await client.get(f"{API}/studios/{studio['id']}"))["booking_window"]
    assert window == {
        "min_notice_minutes": settings.BOOKING_MIN_NOTICE_MINUTES,
        "max_advance_days": settings.BOOKING_MAX_ADVANCE_DAYS,
        "is_default": True,
    }
    # 2027-11-07 is beyond the default 180 days: nothing is offered yet.
    _, room = await bookable_room(client, owner, admin, studio_fields={"max_advance_days": None})
    assert (await availability(client, room["id"], "2027-11-07"))["slots"] == []


async def test_price_per_slot_comes_from_the_tiers(client, owner, admin):
    _, room = await bookable_room(client, owner, admin, week=every_day("09:00", "17:00"))
    four = await availability(client, room["id"], "2027-01-18", hours=4)
    assert {slot["price"] for slot in four["slots"]} == {"170.00"} and len(four["slots"]) == 5
    assert four["currency"] == "EUR"
    three = await availability(client, room["id"], "2027-01-18", hours=3)
    assert {slot["price"] for slot in three["slots"]} == {"120.00"}


async def test_availability_refuses_bad_ranges_lengths_and_hidden_rooms(
    client: httpx.AsyncClient, owner, admin
):
    studio, room = await bookable_room(client, owner, admin, tiers=[{"hours": 2, "price": "80.00"}])
    url = f"{API}/rooms/{room['id']}/availability"
    backwards = await client.get(url, params={"from": "2027-01-10", "to": "2027-01-09", "hours": 2})
    assert backwards.status_code == 400 and backwards.json()["error"]["code"] == "VALIDATION_ERROR"
    sixty_two = await client.get(url, params={"from": "2027-01-01", "to": "2027-03-03", "hours": 2})
    assert sixty_two.status_code == 200
    too_long = await client.get(url, params={"from": "2027-01-01", "to": "2027-03-04", "hours": 2})
    assert too_long.status_code == 400
    odd = await client.get(url, params={"from": "2027-01-01", "to": "2027-01-01", "hours": 1})
    assert odd.status_code == 422 and odd.json()["error"]["code"] == "LENGTH_NOT_BOOKABLE"
    bad: list[dict[str, str | int]] = [
        {"from": "2027-01-01", "to": "2027-01-01", "hours": 0},
        {"from": "2027-01-01", "to": "2027-01-01", "hours": 25},
        {"from": "01/01/2027", "to": "2027-01-01", "hours": 2},
        {"to": "2027-01-01", "hours": 2},
    ]
    for params in bad:
        assert (await client.get(url, params=params)).status_code == 422, params
    assert (
        await client.get(
            f"{API}/rooms/{studio['id']}/availability",
            params={"from": "2027-01-01", "to": "2027-01-01", "hours": 2},
        )
    ).status_code == 404
    data(
        await client.put(f"{API}/studios/{studio['id']}", json={"is_published": False}, headers=owner.headers)
    )
    hidden = await client.get(url, params={"from": "2027-01-01", "to": "2027-01-01", "hours": 2})
    assert hidden.status_code == 404


async def test_search_available_on_a_day_for_a_length(client, owner, admin, customer):
    city_name = f"Avail {uuid.uuid4().hex[:8]}"
    city = await create_city(client, admin, name=city_name)
    company = await create_company(client, owner)

    async def studio_with(week: dict, tiers: list[dict]) -> tuple[dict, dict]:
        studio = await create_studio(
            client, owner, company["id"], city["id"], min_notice_minutes=0, max_advance_days=730
        )
        data(await client.put(f"{API}/studios/{studio['id']}/hours", json=week, headers=owner.headers))
        room = await create_room(client, owner, studio["id"], buffer_minutes=0, max_hours=8)
        data(
            await client.put(f"{API}/rooms/{room['id']}/prices", json={"tiers": tiers}, headers=owner.headers)
        )
        return studio, room

    one_hour = [{"hours": 1, "price": "30.00"}]
    open_day, _ = await studio_with(every_day("09:00", "17:00"), one_hour)
    short_day, _ = await studio_with(every_day("09:00", "11:00"), one_hour)
    closed_monday = {"hours": [{"weekday": day, "mode": "24h", "intervals": []} for day in range(1, 7)]}
    closed, _ = await studio_with(closed_monday, one_hour)
    full, full_room = await studio_with(every_day("09:00", "11:00"), one_hour)
    await booked(client, customer, full_room["id"], "2027-01-18T09:00:00Z", hours=2)

    async def found(**params: str | int) -> set[str]:
        page = data(
            await client.get(f"{API}/studios", params={"city_id": city["id"], "limit": 100, **params})
        )
        return {item["id"] for item in page["items"]}

    monday = "2027-01-18"
    assert await found(available_on=monday) == {open_day["id"], short_day["id"]}
    assert await found(available_on=monday, hours=3) == {open_day["id"]}
    assert await found(available_on=monday, hours=9) == set()  # longer than any room's max_hours
    assert await found(available_on="2027-01-19") == {
        open_day["id"],
        short_day["id"],
        closed["id"],
        full["id"],
    }
    assert await found() == {open_day["id"], short_day["id"], closed["id"], full["id"]}
    refused = await client.get(f"{API}/studios", params={"hours": 2})
    assert refused.status_code == 400 and refused.json()["error"]["code"] == "VALIDATION_ERROR"
