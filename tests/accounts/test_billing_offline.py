"""Paid plans through the offline gateway, end to end over HTTP: checkout page, signed webhook,
inbox, activation; cancel, expiry, replays, out-of-order events, refunds, grants, renewals."""

from __future__ import annotations

import json
import time
import uuid
from datetime import timedelta

from sqlalchemy import select, update

from mosaic.accounts.billing.models import Charge
from mosaic.accounts.plans.models import UserPlan
from mosaic.accounts.plans.service import expire_subscriptions
from mosaic.core.database import utcnow
from mosaic.providers.payments.offline import SIGNATURE_HEADER, OfflineGateway, signature_header
from tests.accounts.billing_helpers import (
    CHARGES,
    MINE,
    WEBHOOKS,
    active_plan_name,
    charges_of,
    create_plan,
    drain,
    flows_limit,
    pay_path,
    stored_events,
    subscribe,
    subscription_row,
)
from tests.accounts.conftest import Account


async def test_a_paid_plan_stays_pending_and_lifts_no_limit_until_paid(client, app, admin, user_a):
    """Issue 17 item 1: POST /users/me/plans with a paid plan no longer activates it for free."""
    plan = await create_plan(client, admin)
    sub = await subscribe(client, user_a, plan["id"])
    assert sub["status"] == "pending" and sub["end_date"] is None
    assert sub["payment_url"].startswith("http://127.0.0.1:8000/api/v1/pay/ps_")
    await drain(app)
    assert await active_plan_name(client, user_a) == ["Free"]
    assert await flows_limit(app, user_a) == 2  # Free's limit, not the paid plan's 10
    pending = (await client.get(MINE, params={"status": "pending"}, headers=user_a.headers)).json()["data"]
    assert [item["id"] for item in pending["items"]] == [sub["id"]]


async def test_offline_flow_pay_page_webhook_then_active(client, app, admin, user_a):
    plan = await create_plan(client, admin)
    sub = await subscribe(client, user_a, plan["id"])
    path = pay_path(sub["payment_url"])
    page = await client.get(path)
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert "29.00 USD" in page.text and f"Mosaic {plan['name']} plan, 30 days" in page.text
    assert f'action="{path}/complete"' in page.text and f'action="{path}/cancel"' in page.text
    events_before = await stored_events(app, "offline")
    paid = await client.post(f"{path}/complete")
    assert paid.status_code == 200 and "Payment received" in paid.text
    await drain(app)
    assert await stored_events(app, "offline") == events_before + 1  # through the inbox
    assert await active_plan_name(client, user_a) == [plan["name"]]
    assert await flows_limit(app, user_a) == 10
    row = await subscription_row(app, sub["id"])
    assert row.status == "active" and row.end_date is not None
    assert timedelta(days=29, hours=23) < row.end_date - row.start_date <= timedelta(days=30)
    [charge] = await charges_of(app, sub["id"])
    assert (charge.status, charge.gateway, charge.amount_minor, charge.paid_at is not None) == (
        "paid",
        "offline",
        2900,
        True,
    )
    # The page now says it is paid; paying again charges nothing.
    assert "Checkout paid" in (await client.get(path)).text
    again = await client.post(f"{path}/complete")
    assert again.status_code == 409 and "Nothing was charged again" in again.text
    await drain(app)
    assert len(await charges_of(app, sub["id"])) == 1
    cancelled = (await client.get(MINE, params={"status": "cancelled"}, headers=user_a.headers)).json()[
        "data"
    ]
    assert "Free" in [item["plan"]["name"] for item in cancelled["items"]]


async def test_cancel_on_the_pay_page_keeps_the_current_plan(client, app, admin, user_a):
    plan = await create_plan(client, admin)
    sub = await subscribe(client, user_a, plan["id"])
    answer = await client.post(f"{pay_path(sub['payment_url'])}/cancel")
    assert answer.status_code == 200 and "Payment cancelled" in answer.text
    await drain(app)
    assert (await subscription_row(app, sub["id"])).status == "cancelled"
    assert [c.status for c in await charges_of(app, sub["id"])] == ["cancelled"]
    assert await active_plan_name(client, user_a) == ["Free"]
    refused = await client.post(f"{pay_path(sub['payment_url'])}/complete")
    assert refused.status_code == 409


async def test_an_expired_checkout_refuses_payment(client, app, admin, user_a):
    plan = await create_plan(client, admin)
    sub = await subscribe(client, user_a, plan["id"])
    async with app.state.database.transaction() as session:
        await session.execute(
            update(Charge)
            .where(Charge.reference_id == sub["id"])
            .values(expires_at=utcnow() - timedelta(seconds=1))
        )
    path = pay_path(sub["payment_url"])
    assert "expired" in (await client.get(path)).text
    refused = await client.post(f"{path}/complete")
    assert refused.status_code == 409 and "expired" in refused.text
    await drain(app)
    assert [c.status for c in await charges_of(app, sub["id"])] == ["expired"]
    assert (await subscription_row(app, sub["id"])).status == "expired"
    assert await active_plan_name(client, user_a) == ["Free"]


async def test_unknown_pay_sessions_are_404_pages(client):
    for method, suffix in (("GET", ""), ("POST", "/complete"), ("POST", "/cancel")):
        answer = await client.request(method, f"/api/v1/pay/ps_{uuid.uuid4().hex}{suffix}")
        assert answer.status_code == 404 and "no such checkout" in answer.text
    assert (await client.get("/api/v1/pay/abc")).status_code == 422  # shorter than any session id
    assert (await client.get(f"/api/v1/pay/{'x' * 65}")).status_code == 422


def offline_event(app, charge: Charge, event_type: str, *, event_id: str | None = None, refunded: int = 0):
    gateway: OfflineGateway = app.state.payment_gateway
    body, headers = gateway.sign_event(
        event_type,
        charge_id=str(charge.id),
        session_id=charge.session_id or "",
        reference=f"plan_subscription:{charge.reference_id}",
        amount_minor=charge.amount_minor,
        currency=charge.currency,
        refunded_minor=refunded,
    )
    if event_id is not None:  # the same event delivered twice carries the same id
        payload = json.loads(body)
        payload["id"] = event_id
        body = json.dumps(payload).encode()
        headers = {SIGNATURE_HEADER: signature_header(gateway.secret, body, int(time.time()))}
    return body, {**headers, "content-type": "application/json"}


async def test_webhook_with_a_wrong_or_stale_signature_is_400_and_stores_nothing(client, app, admin, user_a):
    plan = await create_plan(client, admin)
    sub = await subscribe(client, user_a, plan["id"])
    [charge] = await charges_of(app, sub["id"])
    body, headers = offline_event(app, charge, "checkout.completed")
    before = await stored_events(app, "offline")
    wrong = signature_header(b"not-the-key", body, int(time.time()))
    stale = signature_header(app.state.payment_gateway.secret, body, int(time.time()) - 301)
    for signature in (wrong, stale, "", "t=abc,v1=00"):
        answer = await client.post(
            f"{WEBHOOKS}/offline", content=body, headers={**headers, SIGNATURE_HEADER: signature}
        )
        assert answer.status_code == 400, answer.text
        assert answer.json()["error"]["code"] == "INVALID_SIGNATURE"
    tampered = body.replace(b"2900", b"1")
    answer = await client.post(f"{WEBHOOKS}/offline", content=tampered, headers=headers)
    assert answer.status_code == 400
    await drain(app)
    assert await stored_events(app, "offline") == before
    assert (await subscription_row(app, sub["id"])).status == "pending"


async def test_a_duplicated_event_is_handled_once(client, app, admin, user_a):
    plan = await create_plan(client, admin)
    sub = await subscribe(client, user_a, plan["id"])
    [charge] = await charges_of(app, sub["id"])
    event_id = f"evt_{uuid.uuid4().hex}"
    body, headers = offline_event(app, charge, "checkout.completed", event_id=event_id)
    first = await client.post(f"{WEBHOOKS}/offline", content=body, headers=headers)
    await drain(app)
    second = await client.post(f"{WEBHOOKS}/offline", content=body, headers=headers)
    await drain(app)
    assert (first.status_code, second.status_code) == (200, 200)
    assert first.json()["data"] == {
        "provider": "offline",
        "event_id": event_id,
        "type": "checkout_completed",
        "duplicate": False,
    }
    assert second.json()["data"]["duplicate"] is True
    row = await subscription_row(app, sub["id"])
    assert row.status == "active"
    end = row.end_date
    # A later, distinct completion event for the same charge extends nothing.
    body, headers = offline_event(app, charge, "checkout.completed")
    assert (await client.post(f"{WEBHOOKS}/offline", content=body, headers=headers)).status_code == 200
    await drain(app)
    assert (await subscription_row(app, sub["id"])).end_date == end


async def test_refund_before_payment_ends_refunded_and_never_activates(client, app, admin, user_a):
    plan = await create_plan(client, admin)
    sub = await subscribe(client, user_a, plan["id"])
    [charge] = await charges_of(app, sub["id"])
    refund_body, headers = offline_event(app, charge, "payment.refunded", refunded=2900)
    assert (await client.post(f"{WEBHOOKS}/offline", content=refund_body, headers=headers)).status_code == 200
    await drain(app)
    paid_body, headers = offline_event(app, charge, "checkout.completed")
    assert (await client.post(f"{WEBHOOKS}/offline", content=paid_body, headers=headers)).status_code == 200
    await drain(app)
    [charge] = await charges_of(app, sub["id"])
    assert (charge.status, charge.refunded_minor) == ("refunded", 2900)
    assert (await subscription_row(app, sub["id"])).status == "cancelled"
    assert await active_plan_name(client, user_a) == ["Free"]


async def test_unknown_and_unconfigured_providers(client):
    paypal = await client.post(f"{WEBHOOKS}/paypal", json={})
    assert paypal.status_code == 404 and paypal.json()["error"]["code"] == "PAYMENT_PROVIDER_NOT_CONFIGURED"
    answer = await client.post(f"{WEBHOOKS}/stripe", json={"id": "evt_1"})
    assert answer.status_code == 404 and answer.json()["error"]["code"] == "PAYMENT_PROVIDER_NOT_CONFIGURED"


async def paid_subscription(client, app, admin, user) -> tuple[dict, dict]:
    plan = await create_plan(client, admin)
    sub = await subscribe(client, user, plan["id"])
    assert (await client.post(f"{pay_path(sub['payment_url'])}/complete")).status_code == 200
    await drain(app)
    return plan, sub


async def test_admin_refunds_partly_then_fully_and_the_plan_ends(client, app, admin, user_a):
    _, sub = await paid_subscription(client, app, admin, user_a)
    [charge] = await charges_of(app, sub["id"])
    url = f"{CHARGES}/{charge.id}/refunds"
    assert (await client.post(url, json={}, headers=user_a.headers)).status_code == 403
    assert (await client.post(url, json={})).status_code == 401
    partial = await client.post(url, json={"amount": "10.00", "reason": "Goodwill"}, headers=admin.headers)
    assert partial.status_code == 201, partial.text
    data = partial.json()["data"]
    assert data["amount"] == "10.00" and data["status"] == "succeeded"
    assert data["charge"]["status"] == "partially_refunded" and data["charge"]["refunded_amount"] == "10.00"
    too_much = await client.post(url, json={"amount": "19.01"}, headers=admin.headers)
    assert too_much.status_code == 409 and too_much.json()["error"]["code"] == "REFUND_EXCEEDS_CHARGE"
    precise = await client.post(url, json={"amount": "0.001"}, headers=admin.headers)
    assert precise.status_code == 422
    rest = await client.post(url, json={}, headers=admin.headers)
    assert rest.status_code == 201 and rest.json()["data"]["amount"] == "19.00"
    assert rest.json()["data"]["charge"]["status"] == "refunded"
    again = await client.post(url, json={}, headers=admin.headers)
    assert again.status_code == 409
    assert (
        await client.post(f"{CHARGES}/{uuid.uuid4()}/refunds", json={}, headers=admin.headers)
    ).status_code == 404
    listed = await client.get(
        CHARGES, params={"reference": f"plan_subscription:{sub['id']}"}, headers=admin.headers
    )
    assert [item["status"] for item in listed.json()["data"]["items"]] == ["refunded"]


async def test_refunding_an_unpaid_charge_conflicts(client, app, admin, user_a):
    plan = await create_plan(client, admin)
    sub = await subscribe(client, user_a, plan["id"])
    [charge] = await charges_of(app, sub["id"])
    answer = await client.post(f"{CHARGES}/{charge.id}/refunds", json={}, headers=admin.headers)
    assert answer.status_code == 409 and answer.json()["error"]["code"] == "CHARGE_NOT_REFUNDABLE"


async def test_charges_list_is_for_admins_and_filters(client, app, admin, user_a):
    plan = await create_plan(client, admin)
    sub = await subscribe(client, user_a, plan["id"])
    assert (await client.get(CHARGES, headers=user_a.headers)).status_code == 403
    pending = await client.get(
        CHARGES,
        params={"status": "pending", "reference": f"plan_subscription:{sub['id']}"},
        headers=admin.headers,
    )
    assert pending.status_code == 200 and pending.json()["data"]["total"] == 1
    item = pending.json()["data"]["items"][0]
    assert item["amount"] == "29.00" and item["currency"] == "USD" and item["purpose"] == "subscribe"
    assert (await client.get(CHARGES, params={"status": "bogus"}, headers=admin.headers)).status_code == 422
    assert (
        await client.get(CHARGES, params={"reference": "no colon"}, headers=admin.headers)
    ).status_code == 422


async def test_already_subscribed_to_a_paid_plan_conflicts(client, app, admin, user_a):
    plan, _ = await paid_subscription(client, app, admin, user_a)
    answer = await client.post(MINE, json={"plan_id": plan["id"]}, headers=user_a.headers)
    assert answer.status_code == 409 and answer.json()["error"]["code"] == "ALREADY_SUBSCRIBED"


async def test_cancel_a_paid_plan_at_period_end(client, app, admin, user_a):
    plan, sub = await paid_subscription(client, app, admin, user_a)
    answer = await client.delete(f"{MINE}/{sub['id']}", headers=user_a.headers)
    assert answer.status_code == 200
    data = answer.json()["data"]
    assert data["status"] == "active" and data["cancel_at_period_end"] is True
    assert (await client.delete(f"{MINE}/{sub['id']}", headers=user_a.headers)).status_code == 409
    assert await active_plan_name(client, user_a) == [plan["name"]]
    async with app.state.database.transaction() as session:
        await session.execute(
            update(UserPlan)
            .where(UserPlan.id == uuid.UUID(sub["id"]))
            .values(end_date=utcnow() - timedelta(seconds=1))
        )
    async with app.state.database.transaction() as session:
        assert await expire_subscriptions(session) >= 1
    assert (await subscription_row(app, sub["id"])).status == "cancelled"
    assert await flows_limit(app, user_a) == 2


async def test_cancelling_a_pending_subscription_ends_it_now(client, app, admin, user_a):
    plan = await create_plan(client, admin)
    sub = await subscribe(client, user_a, plan["id"])
    answer = await client.put(f"{MINE}/{sub['id']}", json={"status": "cancelled"}, headers=user_a.headers)
    assert answer.status_code == 200 and answer.json()["data"]["status"] == "cancelled"
    # Paying the abandoned checkout afterwards refunds it rather than activating anything.
    assert (await client.post(f"{pay_path(sub['payment_url'])}/complete")).status_code == 200
    await drain(app)
    [charge] = await charges_of(app, sub["id"])
    assert charge.status == "refunded"
    assert await active_plan_name(client, user_a) == ["Free"]


async def test_admin_grants_a_paid_plan_without_payment(client, app, admin, user_a, user_b):
    plan = await create_plan(client, admin)
    url = f"/api/v1/users/{user_a.id}/plans"
    assert (await client.post(url, json={"plan_id": plan["id"]}, headers=user_b.headers)).status_code == 403
    granted = await client.post(url, json={"plan_id": plan["id"], "duration_days": 7}, headers=admin.headers)
    assert granted.status_code == 201, granted.text
    data = granted.json()["data"]
    assert data["status"] == "active" and data["payment_url"] is None
    assert await active_plan_name(client, user_a) == [plan["name"]]
    assert await flows_limit(app, user_a) == 10
    row = await subscription_row(app, data["id"])
    assert row.granted_by_id == uuid.UUID(admin.id) and row.end_date is not None
    assert timedelta(days=6, hours=23) < row.end_date - row.start_date <= timedelta(days=7)
    assert await charges_of(app, data["id"]) == []
    missing_user = await client.post(
        f"/api/v1/users/{uuid.uuid4()}/plans", json={"plan_id": plan["id"]}, headers=admin.headers
    )
    assert missing_user.status_code == 404
    missing_plan = await client.post(url, json={"plan_id": str(uuid.uuid4())}, headers=admin.headers)
    assert missing_plan.status_code == 404
    assert (
        await client.post(url, json={"plan_id": plan["id"], "duration_days": 0}, headers=admin.headers)
    ).status_code == 422


async def test_renewal_paid_extends_and_unpaid_falls_back_to_free(client, app, admin, user_a, user_b):
    from mosaic.accounts.plans.paid import renew_subscriptions

    plan = await create_plan(client, admin)
    subs = {}
    for user in (user_a, user_b):
        sub = await subscribe(client, user, plan["id"])
        await client.post(f"{pay_path(sub['payment_url'])}/complete")
        subs[user.id] = sub
    await drain(app)
    soon = utcnow() + timedelta(hours=1)
    async with app.state.database.transaction() as session:
        await session.execute(
            update(UserPlan)
            .where(UserPlan.id.in_([uuid.UUID(s["id"]) for s in subs.values()]))
            .values(end_date=soon)
        )
    async with app.state.database.transaction() as session:
        opened = await renew_subscriptions(
            session, app.state.payment_gateway, app.state.settings, app.state.jobs
        )
        assert opened >= 2
    async with app.state.database.transaction() as session:  # a second run opens nothing new for them
        await renew_subscriptions(session, app.state.payment_gateway, app.state.settings, app.state.jobs)
    await drain(app)
    renewal_a = [c for c in await charges_of(app, subs[user_a.id]["id"]) if c.purpose == "renewal"]
    renewal_b = [c for c in await charges_of(app, subs[user_b.id]["id"]) if c.purpose == "renewal"]
    assert len(renewal_a) == len(renewal_b) == 1
    notes = (await client.get("/api/v1/notifications", headers=user_a.headers)).json()["data"]["items"]
    assert any(n["title"] == f"Renew your {plan['name']} plan" for n in notes)
    # A pays the renewal: the period is extended by 30 days from its old end.
    assert renewal_a[0].checkout_url and renewal_b[0].checkout_url
    assert (await client.post(f"{pay_path(renewal_a[0].checkout_url)}/complete")).status_code == 200
    # B's renewal checkout lapses.
    assert (await client.post(f"{pay_path(renewal_b[0].checkout_url)}/cancel")).status_code == 200
    await drain(app)
    row_a = await subscription_row(app, subs[user_a.id]["id"])
    assert row_a.end_date is not None
    assert abs((row_a.end_date - soon) - timedelta(days=30)) < timedelta(seconds=1)
    assert row_a.renewal_charge_id is None
    async with app.state.database.transaction() as session:
        await session.execute(
            update(UserPlan)
            .where(UserPlan.id == uuid.UUID(subs[user_b.id]["id"]))
            .values(end_date=utcnow() - timedelta(seconds=1))
        )
    async with app.state.database.transaction() as session:
        await expire_subscriptions(session)
    assert (await subscription_row(app, subs[user_b.id]["id"])).status == "expired"
    assert await active_plan_name(client, user_b) == []
    assert await flows_limit(app, user_b) == 2  # Free again
    assert await active_plan_name(client, user_a) == [plan["name"]]


async def test_free_plans_behave_as_before(client, app, admin, user_a):
    free_like = await create_plan(client, admin, price="0.00")
    sub = await subscribe(client, user_a, free_like["id"])
    assert sub["status"] == "active" and sub["payment_url"] is None
    assert await active_plan_name(client, user_a) == [free_like["name"]]
    async with app.state.database.transaction() as session:
        count = await session.scalar(select(Charge.id).where(Charge.reference_id == sub["id"]))
    assert count is None


async def test_the_offline_checkout_expiry_job_lapses_pending_checkouts(client, app, admin, user_a: Account):
    from mosaic.accounts.billing.jobs import expire_offline_checkouts_job

    plan = await create_plan(client, admin)
    sub = await subscribe(client, user_a, plan["id"])
    async with app.state.database.transaction() as session:
        await session.execute(
            update(Charge)
            .where(Charge.reference_id == sub["id"])
            .values(expires_at=utcnow() - timedelta(minutes=1))
        )
    assert await expire_offline_checkouts_job(app.state.jobs.context) >= 1
    await drain(app)
    assert (await subscription_row(app, sub["id"])).status == "expired"


async def test_in_production_the_offline_gateway_takes_no_payment(make_client, client, admin, user_a):
    """A click-to-pay page in production would give paid plans away: it refuses, grants still work.
    (A production app refuses SQLite, so the test app gets the gateway production builds.)"""
    plan = await create_plan(client, admin)
    sub = await subscribe(client, user_a, plan["id"])  # made while payable
    prod_app, prod = await make_client()
    production = prod_app.state.settings.model_copy(update={"ENVIRONMENT": "production"})
    prod_app.state.payment_gateway = OfflineGateway.from_settings(production)
    answer = await prod.post(MINE, json={"plan_id": plan["id"]}, headers=user_a.headers)
    assert answer.status_code == 503 and answer.json()["error"]["code"] == "PAYMENT_GATEWAY_UNAVAILABLE"
    assert (await prod.get(pay_path(sub["payment_url"]))).status_code == 404
    assert (await prod.post(f"{pay_path(sub['payment_url'])}/complete")).status_code == 404
    await prod_app.state.jobs.drain()
    assert (await subscription_row(prod_app, sub["id"])).status == "pending"
    granted = await prod.post(
        f"/api/v1/users/{user_a.id}/plans", json={"plan_id": plan["id"]}, headers=admin.headers
    )
    assert granted.status_code == 201 and granted.json()["data"]["status"] == "active"


async def test_webhooks_are_exempt_from_the_general_rate_limit(make_client):
    _, limited = await make_client(RATE_LIMIT_PER_MINUTE=3)
    answers = [
        (
            await limited.post(
                f"{WEBHOOKS}/offline", content=b"{}", headers={"content-type": "application/json"}
            )
        )
        for _ in range(6)
    ]
    assert [a.status_code for a in answers] == [400] * 6
    others = [(await limited.get("/api/v1/plans")).status_code for _ in range(6)]
    assert 429 in others  # the same client is limited elsewhere
