"""Bookings over HTTP: holds, the lifecycle and its history, the offline flow end to end, refunds by
policy, late payments, schedules, team views, and 20 concurrent customers on one slot."""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from datetime import timedelta
from decimal import Decimal

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from mosaic.booking.bookings.jobs import COMPLETE_BOOKINGS, EXPIRE_HOLDS, SEND_REMINDERS
from mosaic.booking.bookings.models import Booking
from mosaic.core.database import utcnow
from mosaic.providers.payments.offline import SIGNATURE_HEADER, OfflineGateway, signature_header
from tests.accounts.conftest import Account, new_account, outbox_messages
from tests.booking.booking_helpers import (
    availability,
    book,
    bookable_room,
    booked,
    booking_row,
    calendar_of,
    charge_of,
    every_day,
    history,
    lapse_hold,
    move_booking,
    next_hour,
    pay_path,
    run_job,
    text_of,
    utc_starts,
)
from tests.booking.conftest import API, data
from tests.booking.test_companies import join

START = "2027-01-18T10:00:00Z"  # a Monday; Lisbon is UTC+0 in January


async def pay(client: httpx.AsyncClient, app, booking: dict) -> None:
    answer = await client.post(f"{pay_path(booking['payment_url'])}/complete")
    assert answer.status_code == 200, answer.text
    await app.state.jobs.drain()
    await app.state.jobs.drain()


async def test_a_booking_holds_its_slot_with_a_payment_link(client, app, owner, admin, customer):
    _, room = await bookable_room(client, owner, admin)
    before = utcnow()
    booking = await booked(client, customer, room["id"], "2027-01-18T11:00:00+01:00", hours=3)
    assert booking["status"] == "pending"
    assert (booking["start"], booking["end"]) == ("2027-01-18T10:00:00Z", "2027-01-18T13:00:00Z")
    assert booking["local_start"] == "2027-01-18T10:00:00Z" and booking["timezone"] == "Europe/Lisbon"
    assert (booking["price"], booking["currency"], booking["hours"]) == ("120.00", "EUR", 3)
    assert booking["payment_url"].startswith("http://127.0.0.1:8000/api/v1/pay/ps_")
    hold = booking["hold_expires_at"]
    assert (
        (before + timedelta(minutes=29)).isoformat()[:19]
        < hold[:19]
        <= (utcnow() + timedelta(minutes=30)).isoformat()[:19]
    )
    page = await client.get(pay_path(booking["payment_url"]))
    assert page.status_code == 200 and "120.00 EUR" in page.text
    # The slot and its neighbours that overlap it are gone for everyone.
    starts = utc_starts(await availability(client, room["id"], "2027-01-18"))
    assert not {"2027-01-18T10:00:00Z", "2027-01-18T11:00:00Z", "2027-01-18T12:00:00Z"} & set(starts)
    taken = await book(client, customer, room["id"], "2027-01-18T12:00:00Z")
    assert taken.status_code == 409 and taken.json()["error"]["code"] == "SLOT_UNAVAILABLE"
    detail = data(await client.get(f"{API}/bookings/{booking['id']}", headers=customer.headers))
    assert [(h["from_status"], h["to_status"], h["actor"]) for h in detail["history"]] == [
        (None, "pending", "customer")
    ]
    [charge] = [await charge_of(app, booking["id"])]
    assert (charge.amount_minor, charge.currency, charge.purpose, charge.expires_at.isoformat()[:19]) == (
        12000,
        "EUR",
        "booking",
        hold[:19],
    )


async def test_booking_refuses_what_availability_does_not_offer(client, owner, admin, customer):
    studio, room = await bookable_room(
        client, owner, admin, week=every_day("09:00", "17:00"), tiers=[{"hours": 1, "price": "40.00"}]
    )
    for start, hours in (
        ("2027-01-18T09:30:00Z", 1),  # off the 60-minute grid
        ("2027-01-18T08:00:00Z", 1),  # before opening
        ("2027-01-18T16:00:00Z", 2),  # runs past closing
        ("2020-01-06T10:00:00Z", 1),  # in the past
        ("2030-01-07T10:00:00Z", 1),  # beyond the advance window
    ):
        answer = await book(client, customer, room["id"], start, hours)
        assert answer.status_code == 409 and answer.json()["error"]["code"] == "SLOT_UNAVAILABLE", (
            start,
            answer.text,
        )
    length = await book(client, customer, room["id"], START, 13)
    assert length.status_code == 422 and length.json()["error"]["code"] == "LENGTH_NOT_BOOKABLE"
    for body in (
        {"room_id": room["id"], "start": "2027-01-18T10:00:00", "hours": 1},  # no offset
        {"room_id": room["id"], "start": START, "hours": 0},
        {"room_id": room["id"], "start": START, "hours": 1, "price": "0.01"},
        {"room_id": room["id"], "hours": 1},
    ):
        assert (
            await client.post(f"{API}/bookings", json=body, headers=customer.headers)
        ).status_code == 422, body
    assert (await book(client, customer, str(uuid.uuid4()), START)).status_code == 404
    anonymous = await client.post(f"{API}/bookings", json={"room_id": room["id"], "start": START, "hours": 1})
    assert anonymous.status_code == 401
    data(
        await client.put(f"{API}/studios/{studio['id']}", json={"is_published": False}, headers=owner.headers)
    )
    assert (await book(client, customer, room["id"], START)).status_code == 404


async def test_offline_flow_end_to_end_with_emails_and_policy_refund(client, app, settings, owner, admin):
    customer = await new_account(client, first_name="Carla", locale="es")
    studio, room = await bookable_room(client, owner, admin, studio_fields={"full_refund_hours": 48})
    booking = await booked(client, customer, room["id"], START, hours=2)
    await pay(client, app, booking)
    confirmed = data(await client.get(f"{API}/bookings/{booking['id']}", headers=customer.headers))
    assert (
        confirmed["status"] == "confirmed"
        and confirmed["payment_url"] is None
        and confirmed["hold_expires_at"] is None
    )
    assert [(h["from_status"], h["to_status"], h["actor"]) for h in confirmed["history"]] == [
        (None, "pending", "customer"),
        ("pending", "confirmed", "payment"),
    ]
    # Both sides are told, each in their own language.
    [to_customer] = outbox_messages(settings, customer.email, "booking-confirmation")
    assert to_customer["Subject"].startswith("Reserva confirmada") and booking["id"] in text_of(to_customer)
    [to_owner] = outbox_messages(settings, owner.email, "booking-confirmation")
    assert to_owner["Subject"].startswith("New booking")
    text = text_of(to_owner)
    assert "2027-01-18 10:00 (WET, Europe/Lisbon)" in text and "100.00 EUR" in text and "Carla" in text
    # Each carries the calendar invite: the studio's wall-clock time, one UID for the booking.
    for message in (to_customer, to_owner):
        invite = calendar_of(message)
        [event] = invite.walk("VEVENT")
        assert str(invite["METHOD"]) == "REQUEST" and str(event["UID"]) == f"booking-{booking['id']}@mosaic"
        assert event["DTSTART"].params["TZID"] == "Europe/Lisbon"
        assert event.decoded("DTSTART").isoformat() == "2027-01-18T10:00:00+00:00"
        assert event.decoded("DTEND").isoformat() == "2027-01-18T12:00:00+00:00"
    assert [str(a) for a in [calendar_of(to_customer).walk("VEVENT")[0]["ATTENDEE"]]] == [
        f"mailto:{customer.email}"
    ]
    # More than 48 hours ahead: the customer's cancellation is refunded in full.
    cancel = await client.post(
        f"{API}/bookings/{booking['id']}/cancel", json={"reason": "Flu"}, headers=customer.headers
    )
    result = data(cancel)
    assert (result["status"], result["cancelled_by"], result["refunded_now"], result["refunded_amount"]) == (
        "cancelled",
        "customer",
        "100.00",
        "100.00",
    )
    await app.state.jobs.drain()
    charge = await charge_of(app, booking["id"])
    assert (charge.status, charge.refunded_minor) == ("refunded", 10000)
    [cancelled_customer] = outbox_messages(settings, customer.email, "booking-cancellation")
    assert cancelled_customer["Subject"].startswith("Reserva cancelada")
    assert "Flu" in text_of(cancelled_customer)
    assert len(outbox_messages(settings, owner.email, "booking-cancellation")) == 1
    cancel_invite = calendar_of(cancelled_customer)
    [cancelled_event] = cancel_invite.walk("VEVENT")
    assert (
        str(cancel_invite["METHOD"]) == "CANCEL"
        and str(cancelled_event["UID"]) == f"booking-{booking['id']}@mosaic"
    )
    assert cancelled_event.decoded("SEQUENCE") == 1 and str(cancelled_event["STATUS"]) == "CANCELLED"
    # The slot is free again; cancelling twice conflicts.
    assert START in utc_starts(await availability(client, room["id"], "2027-01-18", hours=2))
    again = await client.post(f"{API}/bookings/{booking['id']}/cancel", json={}, headers=customer.headers)
    assert again.status_code == 409 and again.json()["error"]["code"] == "BOOKING_STATUS_CONFLICT"
    assert (await client.get(f"{API}/studios/{studio['id']}")).status_code == 200


async def test_customer_cancellation_inside_the_partial_and_no_refund_windows(
    client, app, owner, admin, customer
):
    fields = {"full_refund_hours": 48, "partial_refund_hours": 24, "partial_refund_percent": 40}
    _, room = await bookable_room(
        client, owner, admin, timezone="UTC", studio_fields=fields, tiers=[{"hours": 1, "price": "33.33"}]
    )
    partial = await booked(client, customer, room["id"], next_hour(timedelta(hours=30)))
    none = await booked(client, customer, room["id"], next_hour(timedelta(hours=5)))
    for booking in (partial, none):
        await pay(client, app, booking)
    first = data(
        await client.post(f"{API}/bookings/{partial['id']}/cancel", json={}, headers=customer.headers)
    )
    assert first["refunded_now"] == "13.33"  # 40% of 33.33, to the cent (13.332)
    assert (await charge_of(app, partial["id"])).refunded_minor == 1333
    second = data(await client.post(f"{API}/bookings/{none['id']}/cancel", json={}, headers=customer.headers))
    assert second["refunded_now"] == "0.00" and second["status"] == "cancelled"
    assert (await charge_of(app, none["id"])).status == "paid"


async def test_the_team_cancels_with_a_full_refund_staff_may_not(
    client, app, settings, owner, admin, customer
):
    studio, room = await bookable_room(client, owner, admin, timezone="UTC")
    company_id = studio["company_id"]
    staff = await join(client, settings, owner, company_id, "staff")
    manager = await join(client, settings, owner, company_id, "manager")
    booking = await booked(client, customer, room["id"], next_hour(timedelta(hours=3)))
    await pay(client, app, booking)
    refused = await client.post(f"{API}/bookings/{booking['id']}/cancel", json={}, headers=staff.headers)
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "COMPANY_ROLE_REQUIRED"
    stranger = await new_account(client)
    assert (
        await client.post(f"{API}/bookings/{booking['id']}/cancel", json={}, headers=stranger.headers)
    ).status_code == 404
    assert (await client.get(f"{API}/bookings/{booking['id']}", headers=stranger.headers)).status_code == 404
    assert (
        data(await client.get(f"{API}/bookings/{booking['id']}", headers=staff.headers))["status"]
        == "confirmed"
    )
    done = data(
        await client.post(
            f"{API}/bookings/{booking['id']}/cancel", json={"reason": "Flooded"}, headers=manager.headers
        )
    )
    assert (done["cancelled_by"], done["refunded_now"]) == ("studio", "50.00")  # 3 h before: still in full
    rows = await history(app, booking["id"])
    assert rows[-1] == ("confirmed", "cancelled", "studio")


async def test_cancelling_a_pending_booking_closes_its_checkout(client, app, owner, admin, customer):
    _, room = await bookable_room(client, owner, admin)
    booking = await booked(client, customer, room["id"], START)
    result = data(
        await client.post(f"{API}/bookings/{booking['id']}/cancel", json={}, headers=customer.headers)
    )
    assert (result["status"], result["refunded_now"], result["payment_url"]) == ("cancelled", "0.00", None)
    refused = await client.post(f"{pay_path(booking['payment_url'])}/complete")
    assert refused.status_code == 409
    assert (await charge_of(app, booking["id"])).status == "cancelled"


async def test_cancel_on_the_pay_page_cancels_the_booking(client, app, owner, admin, customer):
    _, room = await bookable_room(client, owner, admin)
    booking = await booked(client, customer, room["id"], START)
    answer = await client.post(f"{pay_path(booking['payment_url'])}/cancel")
    assert answer.status_code == 200
    await app.state.jobs.drain()
    row = await booking_row(app, booking["id"])
    assert (row.status, row.cancelled_by) == ("cancelled", "customer")
    assert START in utc_starts(await availability(client, room["id"], "2027-01-18"))


async def test_a_started_or_finished_booking_cannot_be_cancelled_and_completes_by_schedule(
    client, app, owner, admin, customer
):
    _, room = await bookable_room(client, owner, admin)
    booking = await booked(client, customer, room["id"], START)
    await pay(client, app, booking)
    now = utcnow()
    await move_booking(app, booking["id"], now - timedelta(hours=2), now - timedelta(hours=1))
    started = await client.post(f"{API}/bookings/{booking['id']}/cancel", json={}, headers=customer.headers)
    assert started.status_code == 409 and started.json()["error"]["code"] == "BOOKING_STATUS_CONFLICT"
    await run_job(app, COMPLETE_BOOKINGS)
    assert (await booking_row(app, booking["id"])).status == "completed"
    assert (await history(app, booking["id"]))[-1] == ("confirmed", "completed", "system")
    again = await client.post(f"{API}/bookings/{booking['id']}/cancel", json={}, headers=customer.headers)
    assert again.status_code == 409


async def test_a_lapsed_hold_frees_its_slot_inside_the_next_booking(
    client, app, owner, admin, customer, user_b
):
    _, room = await bookable_room(client, owner, admin)
    first = await booked(client, customer, room["id"], START)
    await lapse_hold(app, first["id"])
    assert (await booking_row(app, first["id"])).status == "pending"  # no schedule ran
    second = await booked(client, user_b, room["id"], START)
    assert second["status"] == "pending"
    assert (await booking_row(app, first["id"])).status == "expired"
    assert (await history(app, first["id"]))[-1] == ("pending", "expired", "system")


async def test_the_expiry_schedule_expires_lapsed_holds(client, app, owner, admin, customer):
    _, room = await bookable_room(client, owner, admin)
    lapsed = await booked(client, customer, room["id"], START)
    live = await booked(client, customer, room["id"], "2027-01-18T14:00:00Z")
    await lapse_hold(app, lapsed["id"])
    await run_job(app, EXPIRE_HOLDS)
    assert (await booking_row(app, lapsed["id"])).status == "expired"
    assert (await booking_row(app, live["id"])).status == "pending"
    mine = data(await client.get(f"{API}/bookings", params={"status": "expired"}, headers=customer.headers))
    assert lapsed["id"] in [item["id"] for item in mine["items"]]


def signed(app, charge, event_type: str) -> tuple[bytes, dict[str, str]]:
    gateway: OfflineGateway = app.state.payment_gateway
    body, headers = gateway.sign_event(
        event_type,
        charge_id=str(charge.id),
        session_id=charge.session_id or "",
        reference=f"booking:{charge.reference_id}",
        amount_minor=charge.amount_minor,
        currency=charge.currency,
    )
    payload = json.loads(body)
    body = json.dumps(payload).encode()
    return body, {
        **headers,
        SIGNATURE_HEADER: signature_header(gateway.secret, body, int(time.time())),
        "content-type": "application/json",
    }


async def test_a_payment_after_the_hold_expired_and_the_slot_was_taken_is_refunded(
    client, app, settings, owner, admin, user_b
):
    late_payer = await new_account(client, first_name="Lena")
    _, room = await bookable_room(client, owner, admin)
    late = await booked(client, late_payer, room["id"], START)
    await lapse_hold(app, late["id"])
    taker = await booked(client, user_b, room["id"], START)
    charge = await charge_of(app, late["id"])
    body, headers = signed(app, charge, "checkout.completed")  # the provider's page took the money anyway
    assert (
        await client.post(f"{API}/payments/webhooks/offline", content=body, headers=headers)
    ).status_code == 200
    await app.state.jobs.drain()
    await app.state.jobs.drain()
    charge = await charge_of(app, late["id"])
    assert (charge.status, charge.refunded_minor, charge.paid_late) == ("refunded", 5000, True)
    row = await booking_row(app, late["id"])
    assert (row.status, row.refunded_amount) == ("expired", Decimal("50.00"))
    assert (await booking_row(app, taker["id"])).status == "pending"
    [told] = outbox_messages(settings, late_payer.email, "booking-cancellation")
    assert "refunded in full" in text_of(told)
    assert outbox_messages(settings, owner.email, "booking-cancellation")


async def test_refund_events_from_the_provider_update_and_then_cancel_a_confirmed_booking(
    client, app, owner, admin, customer
):
    _, room = await bookable_room(client, owner, admin)
    booking = await booked(client, customer, room["id"], START)
    await pay(client, app, booking)
    gateway: OfflineGateway = app.state.payment_gateway
    for refunded, status in ((2000, "confirmed"), (5000, "cancelled")):
        body, headers = signed(app, await charge_of(app, booking["id"]), "payment.refunded")
        payload = json.loads(body)
        payload["data"]["amount_refunded"] = refunded
        body = json.dumps(payload).encode()
        headers[SIGNATURE_HEADER] = signature_header(gateway.secret, body, int(time.time()))
        answer = await client.post(f"{API}/payments/webhooks/offline", content=body, headers=headers)
        assert answer.status_code == 200, answer.text
        await app.state.jobs.drain()
        await app.state.jobs.drain()
        row = await booking_row(app, booking["id"])
        assert (row.status, row.refunded_amount) == (status, Decimal(refunded) / 100)
    assert row.cancelled_by == "system"
    assert (await history(app, booking["id"]))[-1] == ("confirmed", "cancelled", "system")


async def test_reminders_go_once_a_day_before(client, app, settings, owner, admin):
    customer = await new_account(client, first_name="Rita", locale="es")
    _, room = await bookable_room(client, owner, admin, timezone="UTC")
    soon = await booked(client, customer, room["id"], next_hour(timedelta(hours=20)))
    later = await booked(client, customer, room["id"], next_hour(timedelta(hours=40)))
    for booking in (soon, later):
        await pay(client, app, booking)
    await run_job(app, SEND_REMINDERS)
    await run_job(app, SEND_REMINDERS)
    reminders = outbox_messages(settings, customer.email, "booking-reminder")
    assert len(reminders) == 1 and reminders[0]["Subject"].startswith("Recordatorio")
    assert soon["id"] in text_of(reminders[0])


async def test_my_bookings_and_the_studio_bookings_with_filters(
    client, app, settings, owner, admin, customer, user_b
):
    studio, room = await bookable_room(client, owner, admin)
    _, other_room = await bookable_room(client, owner, admin, company_id=studio["company_id"])
    first = await booked(client, customer, room["id"], "2027-01-18T10:00:00Z")
    second = await booked(client, customer, room["id"], "2027-01-19T10:00:00Z")
    await pay(client, app, second)
    theirs = await booked(client, user_b, room["id"], "2027-01-20T10:00:00Z")
    await booked(client, user_b, other_room["id"], "2027-01-20T10:00:00Z")
    mine = data(await client.get(f"{API}/bookings", params={"limit": 100}, headers=customer.headers))
    ids = [item["id"] for item in mine["items"]]
    assert first["id"] in ids and second["id"] in ids and theirs["id"] not in ids
    confirmed = data(
        await client.get(f"{API}/bookings", params={"status": "confirmed"}, headers=customer.headers)
    )
    assert [item["id"] for item in confirmed["items"]] == [second["id"]]
    url = f"{API}/studios/{studio['id']}/bookings"
    team = data(await client.get(url, headers=owner.headers))
    assert [item["id"] for item in team["items"]] == [first["id"], second["id"], theirs["id"]]
    by_date = data(
        await client.get(url, params={"from": "2027-01-19", "to": "2027-01-19"}, headers=owner.headers)
    )
    assert [item["id"] for item in by_date["items"]] == [second["id"]]
    by_status = data(
        await client.get(url, params={"status": "pending", "room_id": room["id"]}, headers=owner.headers)
    )
    assert [item["id"] for item in by_status["items"]] == [first["id"], theirs["id"]]
    newest = data(await client.get(url, params={"sort": "-start_at", "limit": 1}, headers=owner.headers))
    assert newest["items"][0]["id"] == theirs["id"] and newest["total"] == 3
    assert (await client.get(url, headers=customer.headers)).status_code == 404
    assert (await client.get(url)).status_code == 401
    backwards = await client.get(
        url, params={"from": "2027-01-19", "to": "2027-01-18"}, headers=owner.headers
    )
    assert backwards.status_code == 400
    staff = await join(client, settings, owner, studio["company_id"], "staff")
    assert data(await client.get(url, headers=staff.headers))["total"] == 3


async def _customers(client: httpx.AsyncClient, count: int) -> list[Account]:
    # One at a time: 20 concurrent registrations (password hashing) can hit the server's
    # back-pressure (503) on a loaded machine, and only the bookings are meant to race.
    return [await new_account(client) for _ in range(count)]


async def test_twenty_concurrent_customers_on_one_slot_get_one_201_and_nineteen_409s(
    client, app, owner, admin
):
    _, room = await bookable_room(client, owner, admin)
    customers = await _customers(client, 20)
    answers = await asyncio.gather(*(book(client, who, room["id"], START, 2) for who in customers))
    statuses = sorted(answer.status_code for answer in answers)
    assert statuses == [201] + [409] * 19, [a.text for a in answers if a.status_code not in (201, 409)]
    assert {a.json()["error"]["code"] for a in answers if a.status_code == 409} == {"SLOT_UNAVAILABLE"}
    async with app.state.database.transaction() as session:
        rows = (
            (await session.execute(select(Booking).where(Booking.room_id == uuid.UUID(room["id"]))))
            .scalars()
            .all()
        )
    assert len(rows) == 1


async def test_twenty_concurrent_overlapping_but_different_slots_get_one_201(client, app, owner, admin):
    # Starts every 30 minutes over 9.5 hours, each 10 hours long: every pair overlaps.
    _, room = await bookable_room(client, owner, admin, slot_step_minutes=30)
    customers = await _customers(client, 20)
    starts = [f"2027-01-18T{minutes // 60:02d}:{minutes % 60:02d}:00Z" for minutes in range(0, 600, 30)]
    answers = await asyncio.gather(
        *(book(client, who, room["id"], start, 10) for who, start in zip(customers, starts, strict=True))
    )
    statuses = sorted(answer.status_code for answer in answers)
    assert statuses == [201] + [409] * 19, [a.text for a in answers if a.status_code not in (201, 409)]
    assert {a.json()["error"]["code"] for a in answers if a.status_code == 409} == {"SLOT_UNAVAILABLE"}
    # Slots that do not overlap all succeed side by side.
    _, wide = await bookable_room(client, owner, admin)
    apart = [f"2027-01-18T{hour:02d}:00:00Z" for hour in range(0, 20)]
    answers = await asyncio.gather(
        *(book(client, who, wide["id"], start, 1) for who, start in zip(customers, apart, strict=True))
    )
    assert [answer.status_code for answer in answers] == [201] * 20


async def test_the_database_itself_refuses_overlapping_live_bookings(client, app, owner, admin, customer):
    """Below the service: PostgreSQL's exclusion constraint (SQLite relies on the locked check)."""
    _, room = await bookable_room(client, owner, admin, buffer_minutes=30)
    first = await booked(client, customer, room["id"], START, 2)  # blocks 10:00-12:30
    row = await booking_row(app, first["id"])
    database = app.state.database
    if database.engine.dialect.name != "postgresql":
        pytest.skip("SQLite has no exclusion constraints; BEGIN IMMEDIATE + the check guard it")

    def copy(start_offset: timedelta, status: str = "pending") -> Booking:
        return Booking(
            room_id=row.room_id,
            studio_id=row.studio_id,
            company_id=row.company_id,
            customer_id=row.customer_id,
            start_at=row.start_at + start_offset,
            end_at=row.end_at + start_offset,
            blocked_until=row.blocked_until + start_offset,
            hours=row.hours,
            status=status,
            price=row.price,
            currency=row.currency,
            refunded_amount=Decimal(0),
        )

    async def insert_overlapping() -> None:
        async with database.transaction() as session:
            session.add(copy(timedelta(hours=2, minutes=29)))  # starts inside the buffer
            await session.flush()

    with pytest.raises(IntegrityError) as caught:
        await insert_overlapping()
    registry = app.state.constraint_errors
    assert registry.constraint_name(caught.value) == "ex_bookings_no_overlap"
    error = registry.error_for("ex_bookings_no_overlap")
    assert (error.status_code, error.error_code) == (409, "SLOT_UNAVAILABLE")
    async with database.transaction() as session:  # touching ranges and dead rows do not conflict
        session.add(copy(timedelta(hours=2, minutes=30)))
        session.add(copy(timedelta(0), status="cancelled"))
