"""Shared steps of the payment tests: a paid plan, a subscription, the offline page, stored rows."""

from __future__ import annotations

import uuid
from typing import Any
from urllib.parse import urlsplit

import httpx
from fastapi import FastAPI
from sqlalchemy import func, select

from mosaic.accounts.billing.models import Charge
from mosaic.accounts.plans.models import UserPlan
from mosaic.accounts.plans.service import active_limit
from mosaic.core.inbox import ExternalEvent
from tests.accounts.conftest import Account

PLANS = "/api/v1/plans"
MINE = "/api/v1/users/me/plans"
CHARGES = "/api/v1/payments/charges"
WEBHOOKS = "/api/v1/payments/webhooks"


def paid_plan_body(**overrides: Any) -> dict[str, Any]:
    return {
        "name": f"Pro-{uuid.uuid4().hex[:8]}",
        "description": "For active traders",
        "price": "29.00",
        "features": [],
        # Free allows 2 flows; this plan 10: the limit shows which plan is in force.
        "limits": [{"resource": "flows", "title": "Flows", "description": "", "value": 10}],
        "duration_days": 30,
        **overrides,
    }


async def create_plan(client: httpx.AsyncClient, admin: Account, **overrides: Any) -> dict[str, Any]:
    response = await client.post(PLANS, json=paid_plan_body(**overrides), headers=admin.headers)
    assert response.status_code == 201, response.text
    plan: dict[str, Any] = response.json()["data"]
    return plan


async def subscribe(client: httpx.AsyncClient, user: Account, plan_id: str) -> dict[str, Any]:
    response = await client.post(MINE, json={"plan_id": plan_id}, headers=user.headers)
    assert response.status_code == 201, response.text
    data: dict[str, Any] = response.json()["data"]
    return data


async def drain(app: FastAPI) -> None:
    """Let the inbox's handling jobs (run after each response) finish."""
    await app.state.jobs.drain()


async def active_plan_name(client: httpx.AsyncClient, user: Account) -> list[str]:
    page = (await client.get(MINE, params={"status": "active"}, headers=user.headers)).json()["data"]
    return [item["plan"]["name"] for item in page["items"]]


async def flows_limit(app: FastAPI, user: Account) -> int | None:
    async with app.state.database.transaction() as session:
        return await active_limit(session, uuid.UUID(user.id), "flows")


async def subscription_row(app: FastAPI, subscription_id: str) -> UserPlan:
    async with app.state.database.transaction() as session:
        row = await session.get(UserPlan, uuid.UUID(subscription_id))
        assert row is not None
        session.expunge(row)
        return row


async def charges_of(app: FastAPI, subscription_id: str) -> list[Charge]:
    async with app.state.database.transaction() as session:
        rows = (
            await session.scalars(
                select(Charge)
                .where(Charge.reference_kind == "plan_subscription", Charge.reference_id == subscription_id)
                .order_by(Charge.created_at)
            )
        ).all()
        for row in rows:
            session.expunge(row)
        return list(rows)


async def stored_events(app: FastAPI, provider: str) -> int:
    async with app.state.database.transaction() as session:
        return int(
            await session.scalar(
                select(func.count()).select_from(ExternalEvent).where(ExternalEvent.provider == provider)
            )
            or 0
        )


def pay_path(payment_url: str) -> str:
    return urlsplit(payment_url).path
