"""Paid plans through Stripe (the official SDK on httpx, mocked with respx at the HTTP layer).

Request and response bodies follow Stripe's API reference (Checkout Session, Refund, Transfer,
Event objects); webhooks are signed as Stripe signs them: `Stripe-Signature: t=<unix>,v1=<hex
HMAC-SHA256 of "t.payload">` with the endpoint's `whsec_` secret.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
import uuid
from typing import Any
from urllib.parse import parse_qs

import httpx
import pytest
import respx

from mosaic.providers.payments.stripe_gateway import StripeGateway
from tests.accounts.billing_helpers import (
    CHARGES,
    MINE,
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
from tests.accounts.conftest import Account, new_account, set_role

SECRET = "whsec_test_0123456789abcdef"
API = "https://api.stripe.com"


def stripe_signature(body: bytes, timestamp: int | None = None, secret: str = SECRET) -> str:
    t = int(time.time()) if timestamp is None else timestamp
    digest = hmac.new(secret.encode(), f"{t}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={t},v1={digest}"


def session_object(charge_id: str, reference: str, **overrides: Any) -> dict[str, Any]:
    return {
        "id": "cs_test_" + uuid.uuid4().hex,
        "object": "checkout.session",
        "amount_total": 2900,
        "currency": "usd",
        "client_reference_id": charge_id,
        "metadata": {"charge_id": charge_id, "reference": reference},
        "mode": "payment",
        "payment_intent": "pi_" + uuid.uuid4().hex[:24],
        "payment_status": "paid",
        "status": "complete",
        "url": None,
        **overrides,
    }


def event(event_type: str, obj: dict[str, Any], event_id: str | None = None) -> bytes:
    return json.dumps(
        {
            "id": event_id or "evt_" + uuid.uuid4().hex[:24],
            "object": "event",
            "api_version": "2025-10-29.clover",
            "created": int(time.time()),
            "type": event_type,
            "livemode": False,
            "pending_webhooks": 1,
            "data": {"object": obj},
        }
    ).encode()


@pytest.fixture
async def stripe_app(make_client):
    app, client = await make_client(
        PAYMENT_PROVIDER="stripe", STRIPE_SECRET_KEY="sk_test_51Example", STRIPE_WEBHOOK_SECRET=SECRET
    )
    return app, client


async def accounts(app, client) -> tuple[Account, Account]:
    admin = await new_account(client, first_name="Ada")
    await set_role(app, admin.id, "admin")
    return admin, await new_account(client, first_name="Carol")


def created_session(request: httpx.Request) -> httpx.Response:
    form = parse_qs(request.content.decode())
    session_id = "cs_test_" + uuid.uuid4().hex
    return httpx.Response(
        200,
        json={
            "id": session_id,
            "object": "checkout.session",
            "amount_total": int(form["line_items[0][price_data][unit_amount]"][0]),
            "currency": form["line_items[0][price_data][currency]"][0],
            "client_reference_id": form["client_reference_id"][0],
            "expires_at": int(form["expires_at"][0]),
            "metadata": {
                "charge_id": form["metadata[charge_id]"][0],
                "reference": form["metadata[reference]"][0],
            },
            "mode": "payment",
            "payment_intent": None,
            "payment_status": "unpaid",
            "status": "open",
            "url": f"https://checkout.stripe.com/c/pay/{session_id}",
        },
    )


async def start(app, client, admin, user, mock) -> tuple[dict, Any]:
    mock.post(f"{API}/v1/checkout/sessions").mock(side_effect=created_session)
    plan = await create_plan(client, admin)
    sub = await subscribe(client, user, plan["id"])
    [charge] = await charges_of(app, sub["id"])
    return {"plan": plan, "sub": sub}, charge


async def post_event(client, body: bytes, signature: str | None = None) -> httpx.Response:
    return await client.post(
        f"{WEBHOOKS}/stripe",
        content=body,
        headers={"content-type": "application/json", "Stripe-Signature": signature or stripe_signature(body)},
    )


async def test_checkout_session_request_and_paid_webhook_activate_the_plan(stripe_app):
    app, client = stripe_app
    admin, user = await accounts(app, client)
    with respx.mock(assert_all_called=True) as mock:
        ctx, charge = await start(app, client, admin, user, mock)
        request = mock.calls.last.request
    form = parse_qs(request.content.decode())
    assert request.headers["Authorization"] == "Bearer sk_test_51Example"
    assert request.headers["Idempotency-Key"] == f"checkout-{charge.id}"
    assert form["mode"] == ["payment"] and form["line_items[0][price_data][unit_amount]"] == ["2900"]
    assert form["line_items[0][price_data][currency]"] == ["usd"]
    assert int(form["expires_at"][0]) == int(charge.expires_at.timestamp())
    assert form["payment_intent_data[metadata][charge_id]"] == [str(charge.id)]
    assert ctx["sub"]["status"] == "pending" and ctx["sub"]["payment_url"].startswith(
        "https://checkout.stripe.com/"
    )
    assert await flows_limit(app, user) == 2
    reference = f"plan_subscription:{ctx['sub']['id']}"
    body = event(
        "checkout.session.completed", session_object(str(charge.id), reference, id=charge.session_id)
    )
    answer = await post_event(client, body)
    assert answer.status_code == 200, answer.text
    assert answer.json()["data"]["type"] == "checkout_completed"
    await drain(app)
    assert await active_plan_name(client, user) == [ctx["plan"]["name"]]
    [charge] = await charges_of(app, ctx["sub"]["id"])
    assert charge.status == "paid" and charge.payment_id and charge.payment_id.startswith("pi_")


async def test_wrong_signature_and_stale_timestamp_are_400_and_store_nothing(stripe_app):
    app, client = stripe_app
    admin, user = await accounts(app, client)
    with respx.mock() as mock:
        ctx, charge = await start(app, client, admin, user, mock)
    body = event("checkout.session.completed", session_object(str(charge.id), "plan_subscription:x"))
    before = await stored_events(app, "stripe")
    for signature in (
        stripe_signature(body, secret="whsec_wrong"),
        stripe_signature(body, timestamp=int(time.time()) - 301),
        "t=1,v1=",
        "garbage",
    ):
        answer = await post_event(client, body, signature)
        assert answer.status_code == 400 and answer.json()["error"]["code"] == "INVALID_SIGNATURE"
    assert await stored_events(app, "stripe") == before
    assert (await subscription_row(app, ctx["sub"]["id"])).status == "pending"
    # Within the tolerance (299 s old) the same event is accepted.
    assert (await post_event(client, body, stripe_signature(body, int(time.time()) - 299))).status_code == 200


async def test_duplicate_event_id_is_handled_once(stripe_app):
    app, client = stripe_app
    admin, user = await accounts(app, client)
    with respx.mock() as mock:
        ctx, charge = await start(app, client, admin, user, mock)
    reference = f"plan_subscription:{ctx['sub']['id']}"
    body = event(
        "checkout.session.completed", session_object(str(charge.id), reference), event_id="evt_dup_1"
    )
    first, second = await post_event(client, body), await post_event(client, body)
    await drain(app)
    assert (first.json()["data"]["duplicate"], second.json()["data"]["duplicate"]) == (False, True)
    assert second.status_code == 200
    assert await stored_events(app, "stripe") >= 1
    row = await subscription_row(app, ctx["sub"]["id"])
    assert row.status == "active"


async def test_refund_before_paid_ends_refunded(stripe_app):
    app, client = stripe_app
    admin, user = await accounts(app, client)
    with respx.mock() as mock:
        ctx, charge = await start(app, client, admin, user, mock)
    reference = f"plan_subscription:{ctx['sub']['id']}"
    intent = "pi_" + uuid.uuid4().hex[:24]
    refunded = {
        "id": "ch_" + uuid.uuid4().hex[:24],
        "object": "charge",
        "amount": 2900,
        "amount_refunded": 2900,
        "currency": "usd",
        "payment_intent": intent,
        "metadata": {"charge_id": str(charge.id), "reference": reference},
        "refunded": True,
        "status": "succeeded",
    }
    assert (await post_event(client, event("charge.refunded", refunded))).status_code == 200
    await drain(app)
    paid = session_object(str(charge.id), reference, id=charge.session_id, payment_intent=intent)
    assert (await post_event(client, event("checkout.session.completed", paid))).status_code == 200
    await drain(app)
    [charge] = await charges_of(app, ctx["sub"]["id"])
    assert (charge.status, charge.refunded_minor, charge.payment_id) == ("refunded", 2900, intent)
    assert (await subscription_row(app, ctx["sub"]["id"])).status == "cancelled"
    assert await active_plan_name(client, user) == ["Free"]


async def test_expired_session_webhook_ends_the_pending_subscription(stripe_app):
    app, client = stripe_app
    admin, user = await accounts(app, client)
    with respx.mock() as mock:
        ctx, charge = await start(app, client, admin, user, mock)
    expired = session_object(
        str(charge.id), f"plan_subscription:{ctx['sub']['id']}", status="expired", payment_status="unpaid"
    )
    answer = await post_event(client, event("checkout.session.expired", expired))
    assert answer.json()["data"]["type"] == "checkout_expired"
    await drain(app)
    assert (await subscription_row(app, ctx["sub"]["id"])).status == "expired"


async def test_admin_refund_calls_the_refunds_api(stripe_app):
    app, client = stripe_app
    admin, user = await accounts(app, client)
    with respx.mock() as mock:
        ctx, charge = await start(app, client, admin, user, mock)
    reference = f"plan_subscription:{ctx['sub']['id']}"
    intent = "pi_3MtwBwLkdIwHu7ix28a3tqPa"
    paid = session_object(str(charge.id), reference, id=charge.session_id, payment_intent=intent)
    await post_event(client, event("checkout.session.completed", paid))
    await drain(app)
    with respx.mock(assert_all_called=True) as mock:
        route = mock.post(f"{API}/v1/refunds").mock(
            return_value=httpx.Response(
                200,
                json={
                    "id": "re_1Nispe2eZvKYlo2Cd31jOCgZ",
                    "object": "refund",
                    "amount": 1000,
                    "charge": "ch_1NirD82eZvKYlo2CIvbtLWuY",
                    "currency": "usd",
                    "payment_intent": intent,
                    "status": "succeeded",
                },
            )
        )
        answer = await client.post(
            f"{CHARGES}/{charge.id}/refunds", json={"amount": "10.00"}, headers=admin.headers
        )
    assert answer.status_code == 201, answer.text
    assert parse_qs(route.calls.last.request.content.decode()) == {
        "payment_intent": [intent],
        "amount": ["1000"],
    }
    assert answer.json()["data"]["provider_refund_id"] == "re_1Nispe2eZvKYlo2Cd31jOCgZ"
    assert answer.json()["data"]["charge"]["status"] == "partially_refunded"
    # Stripe's charge.refunded webhook for the same refund counts it once.
    refunded = {
        "id": "ch_1NirD82eZvKYlo2CIvbtLWuY",
        "object": "charge",
        "amount": 2900,
        "amount_refunded": 1000,
        "currency": "usd",
        "payment_intent": intent,
        "metadata": {"charge_id": str(charge.id), "reference": reference},
    }
    await post_event(client, event("charge.refunded", refunded))
    await drain(app)
    [charge] = await charges_of(app, ctx["sub"]["id"])
    assert (charge.status, charge.refunded_minor) == ("partially_refunded", 1000)
    assert await active_plan_name(client, user) == [ctx["plan"]["name"]]


async def test_stripe_refusing_the_checkout_is_503_and_leaves_nothing(stripe_app):
    app, client = stripe_app
    admin, user = await accounts(app, client)
    plan = await create_plan(client, admin)
    with respx.mock() as mock:
        mock.post(f"{API}/v1/checkout/sessions").mock(
            return_value=httpx.Response(
                400,
                json={"error": {"type": "invalid_request_error", "message": "Invalid currency: zzz"}},
            )
        )
        answer = await client.post(MINE, json={"plan_id": plan["id"]}, headers=user.headers)
    assert answer.status_code == 503 and answer.json()["error"]["code"] == "PAYMENT_GATEWAY_UNAVAILABLE"
    assert "zzz" not in answer.text
    pending = (await client.get(MINE, params={"status": "pending"}, headers=user.headers)).json()["data"]
    assert pending["total"] == 0


async def test_connect_transfer_payout_and_manual_without_an_account(settings):
    gateway = StripeGateway.from_settings(
        settings.model_copy(
            update={
                "STRIPE_SECRET_KEY": _secret("sk_test_51Example"),
                "STRIPE_WEBHOOK_SECRET": _secret(SECRET),
            }
        )
    )
    with respx.mock(assert_all_called=True) as mock:
        route = mock.post(f"{API}/v1/transfers").mock(
            return_value=httpx.Response(
                200,
                json={
                    "id": "tr_1MiN3gLkdIwHu7ixNCZvFdgA",
                    "object": "transfer",
                    "amount": 400,
                    "currency": "usd",
                    "destination": "acct_1MTfjCQ9PRzxEwkZ",
                },
            )
        )
        paid = await gateway.payout(
            amount_minor=400, currency="USD", destination="acct_1MTfjCQ9PRzxEwkZ", idempotency_key="payout-1"
        )
    assert (paid.status, paid.transfer_id) == ("paid", "tr_1MiN3gLkdIwHu7ixNCZvFdgA")
    assert parse_qs(route.calls.last.request.content.decode()) == {
        "amount": ["400"],
        "currency": ["usd"],
        "destination": ["acct_1MTfjCQ9PRzxEwkZ"],
    }
    manual = await gateway.payout(
        amount_minor=400, currency="USD", destination=None, idempotency_key="payout-2"
    )
    assert manual.status == "manual" and manual.transfer_id is None


def _secret(value: str) -> Any:
    from pydantic import SecretStr

    return SecretStr(value)


async def test_stripe_without_keys_refuses_to_start(settings):
    with pytest.raises(ValueError, match="STRIPE_SECRET_KEY"):
        StripeGateway.from_settings(settings.model_copy(update={"PAYMENT_PROVIDER": "stripe"}))
