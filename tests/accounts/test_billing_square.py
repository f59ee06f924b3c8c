"""Paid plans through Square's HTTP API (mocked with respx): Payment Links, signed webhooks, Refunds.

Bodies follow Square's API reference (CreatePaymentLink quick pay, the `payment.updated` and
`refund.updated` event payloads, RefundPayment); the signature is Square's: base64 HMAC-SHA256
of the notification URL followed by the raw body, in `x-square-hmacsha256-signature`.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

import httpx
import pytest
import respx

from mosaic.providers.payments.square_gateway import square_signature
from tests.accounts.billing_helpers import (
    CHARGES,
    WEBHOOKS,
    active_plan_name,
    charges_of,
    create_plan,
    drain,
    flows_limit,
    stored_events,
    subscribe,
    subscription_row,
)
from tests.accounts.conftest import new_account, set_role

KEY = "sq-signature-key-for-tests"
NOTIFICATION_URL = "https://mosaic.example.com/api/v1/payments/webhooks/square"
API = "https://connect.squareupsandbox.com"
LOCATION = "L88917AVBK2S5"


@pytest.fixture
async def square_app(make_client):
    return await make_client(
        PAYMENT_PROVIDER="square",
        SQUARE_ACCESS_TOKEN="EAAAl-sandbox-token",
        SQUARE_LOCATION_ID=LOCATION,
        SQUARE_WEBHOOK_SIGNATURE_KEY=KEY,
        SQUARE_WEBHOOK_URL=NOTIFICATION_URL,
    )


def created_link(request: httpx.Request) -> httpx.Response:
    body = json.loads(request.content)
    order_id = uuid.uuid4().hex[:29]
    return httpx.Response(
        200,
        json={
            "payment_link": {
                "id": uuid.uuid4().hex[:16].upper(),
                "version": 1,
                "description": "",
                "order_id": order_id,
                "url": f"https://sandbox.square.link/u/{uuid.uuid4().hex[:8]}",
                "created_at": "2026-12-01T10:00:00Z",
                "payment_note": body.get("payment_note"),
            },
            "related_resources": {"orders": [{"id": order_id, "location_id": LOCATION, "state": "DRAFT"}]},
        },
    )


def payment_event(payment: dict[str, Any], event_id: str | None = None) -> bytes:
    return json.dumps(
        {
            "merchant_id": "6SSW7HV8K2ST5",
            "type": "payment.updated",
            "event_id": event_id or str(uuid.uuid4()),
            "created_at": "2026-12-01T10:01:00.000Z",
            "data": {"type": "payment", "id": payment["id"], "object": {"payment": payment}},
        }
    ).encode()


def payment_id(charge) -> str:
    """Square payment ids are unique per payment: one per charge here."""
    return "hYy9pRFVxpDsO1FB05SunFWUe9JZY" + charge.id.hex[:8]


def payment(charge, status: str = "COMPLETED", **overrides: Any) -> dict[str, Any]:
    return {
        "id": payment_id(charge),
        "created_at": "2026-12-01T10:00:51.086Z",
        "amount_money": {"amount": 2900, "currency": "USD"},
        "status": status,
        "source_type": "CARD",
        "location_id": LOCATION,
        "order_id": charge.order_id,
        "note": f"ref=plan_subscription:{charge.reference_id} charge={charge.id}",
        "total_money": {"amount": 2900, "currency": "USD"},
        **overrides,
    }


async def post(client, body: bytes, signature: str | None = None) -> httpx.Response:
    return await client.post(
        f"{WEBHOOKS}/square",
        content=body,
        headers={
            "content-type": "application/json",
            "x-square-hmacsha256-signature": signature
            if signature is not None
            else square_signature(KEY.encode(), NOTIFICATION_URL, body),
        },
    )


async def start(app, client):
    admin = await new_account(client, first_name="Ada")
    await set_role(app, admin.id, "admin")
    user = await new_account(client, first_name="Dan")
    plan = await create_plan(client, admin)
    with respx.mock(assert_all_called=True) as mock:
        route = mock.post(f"{API}/v2/online-checkout/payment-links").mock(side_effect=created_link)
        sub = await subscribe(client, user, plan["id"])
    [charge] = await charges_of(app, sub["id"])
    return admin, user, plan, sub, charge, route.calls.last.request


async def test_payment_link_request_then_completed_payment_activates(square_app):
    app, client = square_app
    _, user, plan, sub, charge, request = await start(app, client)
    body = json.loads(request.content)
    assert request.headers["Authorization"] == "Bearer EAAAl-sandbox-token"
    assert request.headers["Square-Version"] == app.state.settings.SQUARE_API_VERSION
    assert body["quick_pay"] == {
        "name": f"Mosaic {plan['name']} plan, 30 days",
        "price_money": {"amount": 2900, "currency": "USD"},
        "location_id": LOCATION,
    }
    assert body["idempotency_key"] == f"checkout-{charge.id}" and len(body["idempotency_key"]) <= 192
    assert body["checkout_options"]["redirect_url"].endswith("&result=paid")
    assert sub["status"] == "pending" and sub["payment_url"].startswith("https://sandbox.square.link/u/")
    assert charge.order_id and charge.session_id
    # Square's APPROVED update changes nothing; COMPLETED activates.
    assert (await post(client, payment_event(payment(charge, "APPROVED")))).json()["data"][
        "type"
    ] == "ignored"
    await drain(app)
    assert await flows_limit(app, user) == 2
    answer = await post(client, payment_event(payment(charge)))
    assert answer.status_code == 200 and answer.json()["data"]["type"] == "checkout_completed"
    await drain(app)
    assert await active_plan_name(client, user) == [plan["name"]]
    [charge] = await charges_of(app, sub["id"])
    assert (charge.status, charge.payment_id) == ("paid", payment_id(charge))


async def test_wrong_signature_is_400_and_stores_nothing(square_app):
    app, client = square_app
    *_, sub, charge, _ = await start(app, client)
    body = payment_event(payment(charge))
    before = await stored_events(app, "square")
    for signature in (
        square_signature(b"other-key", NOTIFICATION_URL, body),
        square_signature(KEY.encode(), "https://elsewhere.example.com/hook", body),  # URL is signed too
        "",
    ):
        answer = await post(client, body, signature)
        assert answer.status_code == 400 and answer.json()["error"]["code"] == "INVALID_SIGNATURE"
    assert await stored_events(app, "square") == before
    assert (await subscription_row(app, sub["id"])).status == "pending"


async def test_duplicate_event_is_handled_once(square_app):
    app, client = square_app
    *_, sub, charge, _ = await start(app, client)
    body = payment_event(payment(charge), event_id="6a8f5f28-54a1-4eb0-a98a-3111513fd4fc")
    first, second = await post(client, body), await post(client, body)
    await drain(app)
    assert (first.status_code, second.status_code) == (200, 200)
    assert second.json()["data"]["duplicate"] is True
    assert (await subscription_row(app, sub["id"])).status == "active"


async def test_refund_event_before_the_payment_ends_refunded(square_app):
    app, client = square_app
    _, user, _, sub, charge, _ = await start(app, client)
    refund = {
        "merchant_id": "6SSW7HV8K2ST5",
        "type": "refund.updated",
        "event_id": str(uuid.uuid4()),
        "created_at": "2026-12-01T10:05:00.000Z",
        "data": {
            "type": "refund",
            "id": "KkAkhdMsgzn59SM8A89WgKwekxLZY_refund",
            "object": {
                "refund": {
                    "id": "KkAkhdMsgzn59SM8A89WgKwekxLZY_refund",
                    "status": "COMPLETED",
                    "amount_money": {"amount": 2900, "currency": "USD"},
                    "payment_id": payment_id(charge),
                    "order_id": charge.order_id,
                    "location_id": LOCATION,
                }
            },
        },
    }
    assert (await post(client, json.dumps(refund).encode())).status_code == 200
    await drain(app)
    assert (await post(client, payment_event(payment(charge)))).status_code == 200
    await drain(app)
    [charge] = await charges_of(app, sub["id"])
    assert (charge.status, charge.refunded_minor) == ("refunded", 2900)
    assert await active_plan_name(client, user) == ["Free"]


async def test_failed_payment_ends_the_pending_subscription(square_app):
    app, client = square_app
    *_, sub, charge, _ = await start(app, client)
    answer = await post(client, payment_event(payment(charge, "FAILED")))
    assert answer.json()["data"]["type"] == "payment_failed"
    await drain(app)
    assert (await subscription_row(app, sub["id"])).status == "cancelled"
    assert [c.status for c in await charges_of(app, sub["id"])] == ["failed"]


async def test_admin_refund_calls_the_refunds_api(square_app):
    app, client = square_app
    admin, user, _, sub, charge, _ = await start(app, client)
    await post(client, payment_event(payment(charge)))
    await drain(app)
    with respx.mock(assert_all_called=True) as mock:
        route = mock.post(f"{API}/v2/refunds").mock(
            return_value=httpx.Response(
                200,
                json={
                    "refund": {
                        "id": "hYy9pRFVxpDsO1FB05SunFWUe9JZY_KlWP8IC1557ddwc9QWTKrCVU6m0JXDz15R2Qym5eQfR",
                        "status": "PENDING",
                        "amount_money": {"amount": 2900, "currency": "USD"},
                        "payment_id": payment_id(charge),
                        "order_id": charge.order_id,
                        "created_at": "2026-12-01T10:10:00.000Z",
                        "location_id": LOCATION,
                    }
                },
            )
        )
        answer = await client.post(f"{CHARGES}/{charge.id}/refunds", json={}, headers=admin.headers)
    assert answer.status_code == 201, answer.text
    sent = json.loads(route.calls.last.request.content)
    assert sent["payment_id"] == payment_id(charge)
    assert sent["amount_money"] == {"amount": 2900, "currency": "USD"} and len(sent["idempotency_key"]) <= 45
    # Pending at Square: nothing counts as refunded until refund.updated says COMPLETED.
    assert answer.json()["data"]["status"] == "pending"
    assert answer.json()["data"]["charge"]["status"] == "paid"
    completed = {
        "merchant_id": "6SSW7HV8K2ST5",
        "type": "refund.updated",
        "event_id": str(uuid.uuid4()),
        "created_at": "2026-12-01T10:11:00.000Z",
        "data": {
            "type": "refund",
            "id": answer.json()["data"]["provider_refund_id"],
            "object": {
                "refund": {
                    "id": answer.json()["data"]["provider_refund_id"],
                    "status": "COMPLETED",
                    "amount_money": {"amount": 2900, "currency": "USD"},
                    "payment_id": payment_id(charge),
                    "order_id": charge.order_id,
                }
            },
        },
    }
    await post(client, json.dumps(completed).encode())
    await drain(app)
    [charge] = await charges_of(app, sub["id"])
    assert (charge.status, charge.refunded_minor) == ("refunded", 2900)
    # A fully refunded plan ends: no active subscription, so the default (Free) plan's limits hold.
    assert await active_plan_name(client, user) == []
    assert await flows_limit(app, user) == 2


async def test_square_unreachable_is_503(square_app):
    app, client = square_app
    admin = await new_account(client, first_name="Ada")
    await set_role(app, admin.id, "admin")
    user = await new_account(client)
    plan = await create_plan(client, admin)
    with respx.mock() as mock:
        mock.post(f"{API}/v2/online-checkout/payment-links").mock(side_effect=httpx.ConnectError("refused"))
        answer = await client.post(
            "/api/v1/users/me/plans", json={"plan_id": plan["id"]}, headers=user.headers
        )
    assert answer.status_code == 503 and answer.json()["error"]["code"] == "PAYMENT_GATEWAY_UNAVAILABLE"
    with respx.mock() as mock:
        mock.post(f"{API}/v2/online-checkout/payment-links").mock(
            return_value=httpx.Response(
                401, json={"errors": [{"category": "AUTHENTICATION_ERROR", "code": "UNAUTHORIZED"}]}
            )
        )
        answer = await client.post(
            "/api/v1/users/me/plans", json={"plan_id": plan["id"]}, headers=user.headers
        )
    assert answer.status_code == 503 and "EAAAl" not in answer.text
