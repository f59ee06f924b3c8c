"""Bookings paid through Stripe and Square (respx at the HTTP layer), reusing the billing tests'
request/response bodies and signing schemes (Stripe-Signature; Square's HMAC of URL + body)."""

from __future__ import annotations

import json
import time
import uuid
from datetime import timedelta
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qs

import httpx
import pytest
import respx

from mosaic.providers.payments.square_gateway import square_signature
from tests.accounts.billing_helpers import stored_events
from tests.accounts.conftest import Account, new_account, set_role
from tests.accounts.test_billing_square import API as SQUARE_API
from tests.accounts.test_billing_square import KEY, LOCATION, NOTIFICATION_URL, created_link, payment_event
from tests.accounts.test_billing_square import post as post_square
from tests.accounts.test_billing_stripe import API as STRIPE_API
from tests.accounts.test_billing_stripe import (
    SECRET,
    created_session,
    event,
    session_object,
    stripe_signature,
)
from tests.accounts.test_billing_stripe import post_event as post_stripe
from tests.booking.booking_helpers import bookable_room, booking_row, charge_of, history, next_hour
from tests.booking.conftest import API, create_company, data, new_owner
from tests.booking.test_square_oauth import APP_ID as SQUARE_APP_ID
from tests.booking.test_square_oauth import APP_SECRET as SQUARE_APP_SECRET
from tests.booking.test_square_oauth import MERCHANT as SQUARE_MERCHANT
from tests.booking.test_square_oauth import connected as square_connected

START = "2027-01-18T10:00:00Z"


async def people(app, client) -> tuple[Account, Account, Account]:
    admin = await new_account(client, first_name="Ada")
    await set_role(app, admin.id, "admin")
    return admin, await new_owner(client, first_name="Olga"), await new_account(client, first_name="Carl")


async def drain(app) -> None:
    await app.state.jobs.drain()
    await app.state.jobs.drain()


# -- Stripe ------------------------------------------------------------------------------------
@pytest.fixture
async def stripe_app(make_client):
    return await make_client(
        PAYMENT_PROVIDER="stripe", STRIPE_SECRET_KEY="sk_test_51Example", STRIPE_WEBHOOK_SECRET=SECRET
    )


async def stripe_booking(app, client, start: str = START) -> tuple[dict[str, Any], Any, Account, Account]:
    admin, owner, customer = await people(app, client)
    _, room = await bookable_room(client, owner, admin, timezone="UTC")
    with respx.mock(assert_all_called=True) as mock:
        route = mock.post(f"{STRIPE_API}/v1/checkout/sessions").mock(side_effect=created_session)
        answer = await client.post(
            f"{API}/bookings",
            json={"room_id": room["id"], "start": start, "hours": 1},
            headers=customer.headers,
        )
    booking = data(answer, 201)
    return booking, route.calls.last.request, owner, customer


def paid_session(charge, booking_id: str, **overrides: Any) -> dict[str, Any]:
    return session_object(
        str(charge.id),
        f"booking:{booking_id}",
        id=charge.session_id,
        amount_total=5000,
        currency="eur",
        **overrides,
    )


async def test_stripe_checkout_for_a_booking_then_paid_confirms_it(stripe_app):
    app, client = stripe_app
    booking, request, _, _ = await stripe_booking(app, client)
    form = parse_qs(request.content.decode())
    charge = await charge_of(app, booking["id"])
    assert request.headers["Idempotency-Key"] == f"checkout-{charge.id}"
    assert form["mode"] == ["payment"] and form["line_items[0][price_data][unit_amount]"] == ["5000"]
    assert form["line_items[0][price_data][currency]"] == ["eur"]
    assert form["metadata[reference]"] == [f"booking:{booking['id']}"]
    # The hold is 30 minutes; Stripe needs at least 30 minutes from the session's creation.
    hold = int(charge.expires_at.timestamp())
    assert hold <= int(form["expires_at"][0]) <= hold + 120
    assert booking["payment_url"].startswith("https://checkout.stripe.com/c/pay/")
    intent = "pi_3MtwBwLkdIwHu7ix28a3tqPa"
    answer = await post_stripe(
        client,
        event("checkout.session.completed", paid_session(charge, booking["id"], payment_intent=intent)),
    )
    assert answer.status_code == 200 and answer.json()["data"]["type"] == "checkout_completed"
    await drain(app)
    assert (await booking_row(app, booking["id"])).status == "confirmed"
    assert (await charge_of(app, booking["id"])).payment_id == intent


async def test_stripe_wrong_or_stale_signature_and_duplicates_change_nothing(stripe_app):
    app, client = stripe_app
    booking, _, _, _ = await stripe_booking(app, client)
    charge = await charge_of(app, booking["id"])
    body = event(
        "checkout.session.completed", paid_session(charge, booking["id"]), event_id="evt_booking_dup"
    )
    before = await stored_events(app, "stripe")
    for signature in (
        stripe_signature(body, secret="whsec_wrong"),
        stripe_signature(body, timestamp=int(time.time()) - 301),
    ):
        answer = await post_stripe(client, body, signature)
        assert answer.status_code == 400 and answer.json()["error"]["code"] == "INVALID_SIGNATURE"
    assert await stored_events(app, "stripe") == before
    assert (await booking_row(app, booking["id"])).status == "pending"
    first, second = await post_stripe(client, body), await post_stripe(client, body)
    await drain(app)
    assert (first.json()["data"]["duplicate"], second.json()["data"]["duplicate"]) == (False, True)
    assert [row[1] for row in await history(app, booking["id"])] == ["pending", "confirmed"]


async def test_stripe_refund_before_paid_ends_cancelled_not_confirmed(stripe_app):
    app, client = stripe_app
    booking, _, _, _ = await stripe_booking(app, client)
    charge = await charge_of(app, booking["id"])
    intent = "pi_" + uuid.uuid4().hex[:24]
    refunded = {
        "id": "ch_" + uuid.uuid4().hex[:24],
        "object": "charge",
        "amount": 5000,
        "amount_refunded": 5000,
        "currency": "eur",
        "payment_intent": intent,
        "metadata": {"charge_id": str(charge.id), "reference": f"booking:{booking['id']}"},
        "refunded": True,
        "status": "succeeded",
    }
    assert (await post_stripe(client, event("charge.refunded", refunded))).status_code == 200
    await drain(app)
    paid = paid_session(charge, booking["id"], payment_intent=intent)
    assert (await post_stripe(client, event("checkout.session.completed", paid))).status_code == 200
    await drain(app)
    row = await booking_row(app, booking["id"])
    assert (row.status, row.cancelled_by, row.refunded_amount) == ("cancelled", "system", Decimal("50.00"))
    assert (await charge_of(app, booking["id"])).status == "refunded"


async def test_stripe_customer_cancel_calls_the_refunds_api(stripe_app):
    app, client = stripe_app
    booking, _, _, customer = await stripe_booking(app, client)
    charge = await charge_of(app, booking["id"])
    intent = "pi_3MtwBwLkdIwHu7ix28a3tqPa"
    await post_stripe(
        client,
        event("checkout.session.completed", paid_session(charge, booking["id"], payment_intent=intent)),
    )
    await drain(app)
    with respx.mock(assert_all_called=True) as mock:
        route = mock.post(f"{STRIPE_API}/v1/refunds").mock(
            return_value=httpx.Response(
                200,
                json={
                    "id": "re_1Nispe2eZvKYlo2Cd31jOCgZ",
                    "object": "refund",
                    "amount": 5000,
                    "charge": "ch_1NirD82eZvKYlo2CIvbtLWuY",
                    "currency": "eur",
                    "payment_intent": intent,
                    "status": "succeeded",
                },
            )
        )
        answer = await client.post(
            f"{API}/bookings/{booking['id']}/cancel", json={}, headers=customer.headers
        )
    result = data(answer)
    assert parse_qs(route.calls.last.request.content.decode()) == {
        "payment_intent": [intent],
        "amount": ["5000"],
    }
    assert (result["status"], result["refunded_now"]) == ("cancelled", "50.00")


async def test_stripe_unreachable_leaves_no_booking(stripe_app):
    app, client = stripe_app
    admin, owner, customer = await people(app, client)
    _, room = await bookable_room(client, owner, admin, timezone="UTC")
    with respx.mock() as mock:
        mock.post(f"{STRIPE_API}/v1/checkout/sessions").mock(side_effect=httpx.ConnectError("down"))
        answer = await client.post(
            f"{API}/bookings",
            json={"room_id": room["id"], "start": START, "hours": 1},
            headers=customer.headers,
        )
    assert answer.status_code == 503 and answer.json()["error"]["code"] == "PAYMENT_GATEWAY_UNAVAILABLE"
    mine = data(await client.get(f"{API}/bookings", headers=customer.headers))
    assert mine["total"] == 0


# -- Square ------------------------------------------------------------------------------------
@pytest.fixture
async def square_app(make_client):
    return await make_client(
        PAYMENT_PROVIDER="square",
        SQUARE_ACCESS_TOKEN="EAAAl-sandbox-token",
        SQUARE_LOCATION_ID=LOCATION,
        SQUARE_WEBHOOK_SIGNATURE_KEY=KEY,
        SQUARE_WEBHOOK_URL=NOTIFICATION_URL,
    )


def square_payment(charge, status: str = "COMPLETED") -> dict[str, Any]:
    return {
        "id": "hYy9pRFVxpDsO1FB05SunFWUe9JZY" + charge.id.hex[:8],
        "created_at": "2026-12-01T10:00:51.086Z",
        "amount_money": {"amount": 5000, "currency": "USD"},
        "status": status,
        "source_type": "CARD",
        "location_id": LOCATION,
        "order_id": charge.order_id,
        "note": f"ref=booking:{charge.reference_id} charge={charge.id}",
        "total_money": {"amount": 5000, "currency": "USD"},
    }


async def test_square_payment_link_paid_then_team_cancel_refunds_in_full(square_app):
    app, client = square_app
    admin, owner, customer = await people(app, client)
    _, room = await bookable_room(client, owner, admin, timezone="America/New_York", currency="USD")
    start = next_hour(timedelta(hours=5))
    with respx.mock(assert_all_called=True) as mock:
        route = mock.post(f"{SQUARE_API}/v2/online-checkout/payment-links").mock(side_effect=created_link)
        booking = data(
            await client.post(
                f"{API}/bookings",
                json={"room_id": room["id"], "start": start, "hours": 1},
                headers=customer.headers,
            ),
            201,
        )
    sent = json.loads(route.calls.last.request.content)
    assert sent["quick_pay"]["price_money"] == {"amount": 5000, "currency": "USD"}
    assert sent["quick_pay"]["location_id"] == LOCATION
    assert booking["payment_url"].startswith("https://sandbox.square.link/u/")
    charge = await charge_of(app, booking["id"])
    wrong = await post_square(
        client, payment_event(square_payment(charge)), square_signature(b"other", NOTIFICATION_URL, b"x")
    )
    assert wrong.status_code == 400
    assert (await post_square(client, payment_event(square_payment(charge, "APPROVED")))).status_code == 200
    await drain(app)
    assert (await booking_row(app, booking["id"])).status == "pending"  # APPROVED is not captured yet
    assert (await post_square(client, payment_event(square_payment(charge)))).status_code == 200
    await drain(app)
    assert (await booking_row(app, booking["id"])).status == "confirmed"
    refund_id = "hYy9pRFVxpDsO1FB05SunFWUe9JZY_KlWP8IC1557ddwc9QWTKrCVU6m0JXDz15R2Qym5eQfR"
    with respx.mock(assert_all_called=True) as mock:
        refunds = mock.post(f"{SQUARE_API}/v2/refunds").mock(
            return_value=httpx.Response(
                200,
                json={
                    "refund": {
                        "id": refund_id,
                        "status": "PENDING",
                        "amount_money": {"amount": 5000, "currency": "USD"},
                        "payment_id": square_payment(charge)["id"],
                        "order_id": charge.order_id,
                        "created_at": "2026-12-01T10:10:00.000Z",
                        "location_id": LOCATION,
                    }
                },
            )
        )
        # Five hours ahead: a customer would get nothing back; the team always refunds in full.
        answer = await client.post(f"{API}/bookings/{booking['id']}/cancel", json={}, headers=owner.headers)
    assert data(answer)["cancelled_by"] == "studio"
    assert json.loads(refunds.calls.last.request.content)["amount_money"] == {
        "amount": 5000,
        "currency": "USD",
    }
    # Pending at Square: the booking shows the refund once refund.updated says COMPLETED.
    assert (await booking_row(app, booking["id"])).refunded_amount == Decimal("0.00")
    completed = {
        "merchant_id": "6SSW7HV8K2ST5",
        "type": "refund.updated",
        "event_id": str(uuid.uuid4()),
        "created_at": "2026-12-01T10:11:00.000Z",
        "data": {
            "type": "refund",
            "id": refund_id,
            "object": {
                "refund": {
                    "id": refund_id,
                    "status": "COMPLETED",
                    "amount_money": {"amount": 5000, "currency": "USD"},
                    "payment_id": square_payment(charge)["id"],
                    "order_id": charge.order_id,
                }
            },
        },
    }
    assert (await post_square(client, json.dumps(completed).encode())).status_code == 200
    await drain(app)
    row = await booking_row(app, booking["id"])
    assert (row.status, row.refunded_amount) == ("cancelled", Decimal("50.00"))


@pytest.fixture
async def square_merchant_app(make_client):
    """Square with an OAuth application: studios connect their own accounts and are paid there."""
    return await make_client(
        PAYMENT_PROVIDER="square",
        SQUARE_ACCESS_TOKEN="EAAAl-sandbox-token",
        SQUARE_LOCATION_ID="LPLATFORM0001",
        SQUARE_WEBHOOK_SIGNATURE_KEY=KEY,
        SQUARE_WEBHOOK_URL=NOTIFICATION_URL,
        SQUARE_APPLICATION_ID=SQUARE_APP_ID,
        SQUARE_APPLICATION_SECRET=SQUARE_APP_SECRET,
        PUBLIC_BASE_URL="https://mosaic.example.com",
    )


async def test_a_studio_with_its_own_square_account_is_paid_there_and_refunds_from_it(square_merchant_app):
    """The booking's payment link uses the studio's token and chosen location with the platform's
    fee as `app_fee_money`; the team's cancellation refunds with the studio's token too."""
    app, client = square_merchant_app
    admin, owner, customer = await people(app, client)
    company_id = (await create_company(client, owner))["id"]
    await square_connected(client, owner, company_id)
    _, room = await bookable_room(client, owner, admin, currency="EUR", company_id=company_id)
    start = next_hour(timedelta(hours=5))
    with respx.mock(assert_all_called=True) as mock:
        route = mock.post(f"{SQUARE_API}/v2/online-checkout/payment-links").mock(side_effect=created_link)
        booking = data(
            await client.post(
                f"{API}/bookings",
                json={"room_id": room["id"], "start": start, "hours": 1},
                headers=customer.headers,
            ),
            201,
        )
    request = route.calls.last.request
    sent = json.loads(request.content)
    assert request.headers["Authorization"] == "Bearer EAAAEPF1Access"
    assert sent["quick_pay"]["location_id"] == "L88917AVBK2S5"
    assert sent["quick_pay"]["price_money"] == {"amount": 5000, "currency": "EUR"}
    # PLATFORM_FEE_PERCENT (10) of 50.00, in minor units.
    assert sent["checkout_options"]["app_fee_money"] == {"amount": 500, "currency": "EUR"}
    charge = await charge_of(app, booking["id"])
    assert charge.merchant_id == SQUARE_MERCHANT
    paid = {**square_payment(charge), "location_id": "L88917AVBK2S5"}
    paid["amount_money"] = paid["total_money"] = {"amount": 5000, "currency": "EUR"}
    assert (await post_square(client, payment_event(paid))).status_code == 200
    await drain(app)
    assert (await booking_row(app, booking["id"])).status == "confirmed"
    with respx.mock(assert_all_called=True) as mock:
        refunds = mock.post(f"{SQUARE_API}/v2/refunds").mock(
            return_value=httpx.Response(
                200,
                json={
                    "refund": {
                        "id": "R" + charge.id.hex,
                        "status": "COMPLETED",
                        "amount_money": {"amount": 5000, "currency": "EUR"},
                        "payment_id": paid["id"],
                        "order_id": charge.order_id,
                        "location_id": "L88917AVBK2S5",
                    }
                },
            )
        )
        answer = await client.post(f"{API}/bookings/{booking['id']}/cancel", json={}, headers=owner.headers)
    assert data(answer)["cancelled_by"] == "studio"
    assert refunds.calls.last.request.headers["Authorization"] == "Bearer EAAAEPF1Access"
    row = await booking_row(app, booking["id"])
    assert (row.status, row.refunded_amount) == ("cancelled", Decimal("50.00"))
