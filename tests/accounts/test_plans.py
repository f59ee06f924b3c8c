"""Plans (public catalogue, admin writes), my subscriptions, expiry and plan limits."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from mosaic.accounts.plans.limits import PlanLimitReached, check_within_limit
from mosaic.accounts.plans.models import UserPlan
from mosaic.accounts.plans.service import expire_subscriptions
from mosaic.core.database import utcnow
from tests.accounts.conftest import Account

PLANS = "/api/v1/plans"
MINE = "/api/v1/users/me/plans"


def plan_body(**overrides):
    return {
        "name": f"Pro-{uuid.uuid4().hex[:8]}",
        "description": "For active traders",
        "price": "29.00",
        "features": [{"resource": "flows", "title": "Flows", "description": "More flows"}],
        "limits": [{"resource": "widgets_test", "title": "Widgets", "description": "", "value": 2}],
        "duration_days": 30,
        **overrides,
    }


async def test_plans_are_public_and_free_plan_is_seeded(client):
    response = await client.get(PLANS, params={"limit": 100})
    assert response.status_code == 200
    free = next(p for p in response.json()["data"]["items"] if p["name"] == "Free")
    assert free["is_default"] is True and free["price"] == "0.00"
    assert {limit["resource"] for limit in free["limits"]} >= {"wallets", "flows", "agents"}
    single = await client.get(f"{PLANS}/{free['id']}")
    assert single.status_code == 200 and single.json()["data"]["name"] == "Free"
    assert (await client.get(f"{PLANS}/{uuid.uuid4()}")).status_code == 404


async def test_admin_creates_updates_and_deletes_plans(client, admin: Account):
    created = await client.post(PLANS, json=plan_body(), headers=admin.headers)
    assert created.status_code == 201, created.text
    plan = created.json()["data"]
    assert plan["price"] == "29.00" and plan["limits"][0]["value"] == 2
    duplicate = await client.post(PLANS, json=plan_body(name=plan["name"]), headers=admin.headers)
    assert duplicate.status_code == 409
    updated = await client.put(f"{PLANS}/{plan['id']}", json={"price": "19.50"}, headers=admin.headers)
    assert updated.json()["data"]["price"] == "19.50" and updated.json()["data"]["name"] == plan["name"]
    assert (await client.delete(f"{PLANS}/{plan['id']}", headers=admin.headers)).status_code == 200
    assert (await client.get(f"{PLANS}/{plan['id']}")).status_code == 404


async def test_default_plan_cannot_be_deleted(client, admin: Account):
    free = next(p for p in (await client.get(PLANS)).json()["data"]["items"] if p["is_default"])
    assert (await client.delete(f"{PLANS}/{free['id']}", headers=admin.headers)).status_code == 409


async def test_users_cannot_write_plans(client, user_a: Account):
    assert (await client.post(PLANS, json=plan_body(), headers=user_a.headers)).status_code == 403
    assert (await client.post(PLANS, json=plan_body())).status_code == 401


@pytest.mark.parametrize(
    "override",
    [
        {"price": "-1"},
        {"price": "1.001"},
        {"name": ""},
        {"limits": [{"resource": "x", "title": "t", "value": -1}]},
        {"is_default": True},
        {"duration_days": 0},
    ],
)
async def test_invalid_plans_are_422(client, admin: Account, override):
    assert (await client.post(PLANS, json=plan_body(**override), headers=admin.headers)).status_code == 422


async def test_new_user_starts_on_the_free_plan(client, user_a: Account):
    mine = (await client.get(MINE, headers=user_a.headers)).json()["data"]
    assert mine["total"] == 1
    assert mine["items"][0]["plan"]["name"] == "Free" and mine["items"][0]["status"] == "active"


async def test_subscribing_ends_the_previous_plan(client, admin: Account, user_a: Account):
    """A free plan starts at once (paid ones wait for their payment: test_billing_offline.py)."""
    plan = (await client.post(PLANS, json=plan_body(price="0.00"), headers=admin.headers)).json()["data"]
    response = await client.post(MINE, json={"plan_id": plan["id"]}, headers=user_a.headers)
    assert response.status_code == 201
    sub = response.json()["data"]
    assert sub["status"] == "active" and sub["end_date"] is not None
    active = (await client.get(MINE, params={"status": "active"}, headers=user_a.headers)).json()["data"]
    assert [s["plan"]["id"] for s in active["items"]] == [plan["id"]]
    cancelled = (await client.get(MINE, params={"status": "cancelled"}, headers=user_a.headers)).json()[
        "data"
    ]
    assert cancelled["items"][0]["plan"]["name"] == "Free"


async def test_cancel_subscription_and_cancel_twice_conflicts(client, user_a: Account):
    sub = (await client.get(MINE, headers=user_a.headers)).json()["data"]["items"][0]
    response = await client.put(f"{MINE}/{sub['id']}", json={"status": "cancelled"}, headers=user_a.headers)
    assert response.status_code == 200 and response.json()["data"]["status"] == "cancelled"
    assert (await client.delete(f"{MINE}/{sub['id']}", headers=user_a.headers)).status_code == 409
    bad = await client.put(f"{MINE}/{sub['id']}", json={"status": "active"}, headers=user_a.headers)
    assert bad.status_code == 422


async def test_another_users_subscription_answers_404(client, user_a: Account, user_b: Account):
    sub = (await client.get(MINE, headers=user_a.headers)).json()["data"]["items"][0]
    for method in ("PUT", "DELETE"):
        response = await client.request(
            method,
            f"{MINE}/{sub['id']}",
            json={"status": "cancelled"} if method == "PUT" else None,
            headers=user_b.headers,
        )
        assert response.status_code == 404
    assert (await client.get(MINE, headers=user_a.headers)).json()["data"]["items"][0]["status"] == "active"


async def test_subscribe_to_unknown_plan_is_404_and_mass_assignment_422(client, user_a: Account):
    assert (
        await client.post(MINE, json={"plan_id": str(uuid.uuid4())}, headers=user_a.headers)
    ).status_code == 404
    extra = await client.post(
        MINE, json={"plan_id": str(uuid.uuid4()), "status": "active"}, headers=user_a.headers
    )
    assert extra.status_code == 422


async def test_expiry_job_expires_subscriptions_past_their_end(client, app, admin: Account, user_a: Account):
    plan = (await client.post(PLANS, json=plan_body(price="0.00"), headers=admin.headers)).json()["data"]
    sub = (await client.post(MINE, json={"plan_id": plan["id"]}, headers=user_a.headers)).json()["data"]
    async with app.state.database.transaction() as session:
        await session.execute(
            update(UserPlan)
            .where(UserPlan.id == uuid.UUID(sub["id"]))
            .values(end_date=utcnow() - timedelta(minutes=1))
        )
    async with app.state.database.transaction() as session:
        assert await expire_subscriptions(session) >= 1
        row = (
            await session.execute(select(UserPlan).where(UserPlan.id == uuid.UUID(sub["id"])))
        ).scalar_one()
        assert row.status == "expired"


async def test_plan_limit_counts_against_the_active_plan(client, app, admin: Account, user_a: Account):
    used: dict[uuid.UUID, int] = {}

    async def count_widgets(session, user_id):
        return used.get(user_id, 0)

    plan = (await client.post(PLANS, json=plan_body(price="0.00"), headers=admin.headers)).json()["data"]
    await client.post(MINE, json={"plan_id": plan["id"]}, headers=user_a.headers)
    user_id = uuid.UUID(user_a.id)
    async with app.state.database.transaction() as session:
        used[user_id] = 1
        await check_within_limit(session, user_id, "widgets_test", count_widgets)
        used[user_id] = 2
        with pytest.raises(PlanLimitReached) as reached:
            await check_within_limit(session, user_id, "widgets_test", count_widgets)
        assert reached.value.status_code == 402 and reached.value.details == {
            "resource": "widgets_test",
            "limit": 2,
            "used": 2,
        }
        await check_within_limit(session, user_id, "unlimited_resource", count_widgets)


async def test_plan_reads_are_cached_and_a_write_invalidates_them(client, app, admin: Account):
    from tests.accounts.test_principal_cache import StatementCounter

    plan = (await client.post(PLANS, json=plan_body(), headers=admin.headers)).json()["data"]
    await client.get(f"{PLANS}/{plan['id']}")
    await client.get(PLANS, params={"limit": 3})
    with StatementCounter(app.state.database.engine) as counter:
        cached = await client.get(f"{PLANS}/{plan['id']}")
        await client.get(PLANS, params={"limit": 3})
    assert counter.count == 0 and cached.json()["data"]["price"] == "29.00"
    await client.put(f"{PLANS}/{plan['id']}", json={"price": "9.99"}, headers=admin.headers)
    assert (await client.get(f"{PLANS}/{plan['id']}")).json()["data"]["price"] == "9.99"


async def test_put_null_on_a_required_field_is_ignored_and_clears_a_nullable_one(client, admin: Account):
    """The PUT rule through HTTP: before, `name: null` reached the NOT NULL column (an error)."""
    plan = (await client.post(PLANS, json=plan_body(duration_days=30), headers=admin.headers)).json()["data"]
    response = await client.put(
        f"{PLANS}/{plan['id']}", json={"name": None, "duration_days": None}, headers=admin.headers
    )
    assert response.status_code == 200, response.text
    data = response.json()["data"]
    assert data["name"] == plan["name"] and data["duration_days"] is None
