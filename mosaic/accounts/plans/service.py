"""Plans and subscriptions: one active subscription per user, the default Free plan, expiry.

Every new account starts on the default plan; subscribing to another plan ends the current
one. A user with no active subscription (cancelled, expired) is held to the default plan's
limits. A plan with a price is only ever activated by its verified payment or an admin's grant
(`plans.paid`); until then the subscription is `pending` and the current plan stays.
"""

from __future__ import annotations

import uuid
from datetime import timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from mosaic.accounts.plans.models import Plan, UserPlan
from mosaic.accounts.plans.schemas import PlanIn, PlanUpdate
from mosaic.core.crud import Owned, put_values
from mosaic.core.database import utcnow
from mosaic.core.errors import Conflict, NotFound
from mosaic.core.pagination import PageParams
from mosaic.core.repository import Repository

FREE_PLAN = {
    "name": "Free",
    "description": "Everything you need to try Mosaic",
    "price": Decimal("0"),
    "features": [
        {"resource": "trades", "title": "Trade journal", "description": "Record and analyse trades"},
        {"resource": "flows", "title": "AI flows", "description": "Automate analysis with AI agents"},
    ],
    "limits": [
        {"resource": "wallets", "title": "Connected wallets", "description": "", "value": 1},
        {"resource": "flows", "title": "Flows", "description": "", "value": 2},
        {"resource": "agents", "title": "Agents in flows", "description": "", "value": 2},
        {"resource": "trades_per_day", "title": "Trades per day", "description": "", "value": 50},
    ],
    "duration_days": None,
    "is_default": True,
}


class PlanRepository(Repository[Plan]):
    model = Plan
    label = "Plan"
    sortable = frozenset({"created_at", "name", "price"})
    default_sort = "price"


class UserPlanRepository(Repository[UserPlan]):
    model = UserPlan
    label = "Subscription"
    owner_field = "user_id"
    sortable = frozenset({"created_at", "start_date", "end_date", "status"})
    default_sort = "-start_date"


def _plain(values: dict[str, Any]) -> dict[str, Any]:
    """JSON columns get plain dicts."""
    for key in ("features", "limits"):
        if key in values and values[key] is not None:
            values[key] = [dict(item) for item in values[key]]
    return values


async def create_plan(session: AsyncSession, data: PlanIn) -> Plan:
    repo = PlanRepository(session)
    if await repo.find_one(Plan.name == data.name):
        raise Conflict(f"Plan '{data.name}' already exists")
    return await repo.create(**_plain(data.model_dump()))


async def update_plan(session: AsyncSession, plan_id: uuid.UUID, data: PlanUpdate) -> Plan:
    repo = PlanRepository(session)
    plan = await repo.get_or_404(plan_id)
    values = _plain(put_values(data, Plan))
    if (
        values.get("name")
        and values["name"] != plan.name
        and await repo.find_one(Plan.name == values["name"])
    ):
        raise Conflict(f"Plan '{values['name']}' already exists")
    return await repo.update(plan, values)


async def delete_plan(session: AsyncSession, plan_id: uuid.UUID) -> None:
    repo = PlanRepository(session)
    plan = await repo.get_or_404(plan_id)
    if plan.is_default:
        raise Conflict("The default plan cannot be deleted")
    await repo.soft_delete(plan)


async def default_plan(session: AsyncSession) -> Plan | None:
    return await PlanRepository(session).find_one(Plan.is_default.is_(True))


async def active_subscription(session: AsyncSession, user_id: uuid.UUID) -> UserPlan | None:
    """The live active subscription; one past its end date counts as expired even before the job runs."""
    row = await UserPlanRepository(session).find_one(UserPlan.user_id == user_id, UserPlan.status == "active")
    if row is not None and row.end_date is not None and row.end_date <= utcnow():
        return None
    return row


async def active_limit(session: AsyncSession, user_id: uuid.UUID, resource: str) -> int | None:
    """The active plan's limit for `resource` (the default plan's when not subscribed); None = unlimited."""
    subscription = await active_subscription(session, user_id)
    plan = subscription.plan if subscription else await default_plan(session)
    if plan is None:
        return None
    for limit in plan.limits or []:
        if limit.get("resource") == resource:
            return int(limit["value"])
    return None


async def activate(session: AsyncSession, subscription: UserPlan, plan: Plan) -> UserPlan:
    """Make `subscription` the user's active one from now; the previous active one ends now."""
    now = utcnow()
    await session.execute(
        update(UserPlan)
        .where(
            UserPlan.user_id == subscription.user_id,
            UserPlan.id != subscription.id,
            UserPlan.status == "active",
            UserPlan.is_deleted.is_(False),
        )
        .values(status="cancelled", end_date=now, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    subscription.status = "active"
    subscription.start_date = now
    subscription.end_date = now + timedelta(days=plan.duration_days) if plan.duration_days else None
    await session.flush()
    await session.refresh(subscription, ["plan"])
    return subscription


async def subscribe(session: AsyncSession, user_id: uuid.UUID, plan_id: uuid.UUID) -> UserPlan:
    """Start a free `plan` now (the previous active subscription ends); paid plans go through
    `plans.paid.start_paid_subscription`, which leaves the current plan active until paid."""
    plan = await PlanRepository(session).get_or_404(plan_id)
    subscription = await UserPlanRepository(session).create(
        user_id=user_id, plan_id=plan.id, status="pending", start_date=utcnow(), end_date=None
    )
    return await activate(session, subscription, plan)


async def cancel(session: AsyncSession, user_id: uuid.UUID, subscription_id: uuid.UUID) -> UserPlan:
    """A paid period already paid for runs to its end (no renewal); anything else ends now."""
    subscription = await Owned(UserPlanRepository(session), user_id).get(subscription_id)
    if subscription.status not in ("active", "pending"):
        raise Conflict(f"Subscription is already {subscription.status}")
    if subscription.status == "active" and subscription.plan.price > 0 and subscription.end_date is not None:
        if subscription.cancel_at_period_end:
            raise Conflict("Subscription already ends at the end of its period")
        subscription.cancel_at_period_end = True
    else:
        subscription.status = "cancelled"
        subscription.end_date = utcnow()
    await session.flush()
    return subscription


async def list_subscriptions(
    session: AsyncSession, user_id: uuid.UUID, params: PageParams, status: str | None
) -> tuple[list[UserPlan], int]:
    return await Owned(UserPlanRepository(session), user_id).list(params, filter_by={"status": status})


async def expire_subscriptions(session: AsyncSession) -> int:
    """The scheduled job: active subscriptions past their end date end (the user is on Free again):
    `cancelled` when the user asked for it, `expired` otherwise (not renewed, or renewal unpaid)."""
    now = utcnow()
    ended = 0
    for cancelled, new_status in ((True, "cancelled"), (False, "expired")):
        result = await session.execute(
            update(UserPlan)
            .where(
                UserPlan.status == "active",
                UserPlan.end_date.is_not(None),
                UserPlan.end_date <= now,
                UserPlan.cancel_at_period_end.is_(cancelled),
            )
            .values(status=new_status, updated_at=now)
            .execution_options(synchronize_session=False)
        )
        ended += int(result.rowcount or 0)  # type: ignore[attr-defined]
    return ended


async def seed_default_plan(session: AsyncSession) -> None:
    if await default_plan(session) is None and not await PlanRepository(session).find_one(
        Plan.name == "Free"
    ):
        await PlanRepository(session).create(**FREE_PLAN)


async def plan_or_404(session: AsyncSession, plan_id: uuid.UUID) -> Plan:
    plan = await PlanRepository(session).get(plan_id)
    if plan is None:
        raise NotFound("Plan not found")
    return plan
