"""Paid plans: a checkout through the payment gateway, activation only by the verified payment.

- Subscribing to a plan with a price stores a `pending` subscription and a charge with reference
  `plan_subscription:<subscription id>`; the current plan stays active and its limits hold.
- The payment's webhook (through billing and the inbox) calls `on_plan_payment`: the pending
  subscription becomes active for one period (`duration_days`; none = until cancelled).
- Renewal is a new payment each period (the same flow on every gateway, no card on file):
  `PLAN_RENEWAL_NOTICE_HOURS` before the period ends `renew_subscriptions` opens the next period's
  checkout and tells the user (in-app and email, with the link); paid, the period is extended; not
  paid by the end (expired, failed), the subscription expires and the user is on Free again.
- Cancelling a paid period stops renewal; the period already paid runs to its end.
- An admin grant activates a plan without payment.
- A payment that completes for a subscription no longer waiting (cancelled meanwhile) is refunded;
  a fully refunded payment ends the subscription it paid for.
"""

from __future__ import annotations

import logging
import uuid
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from mosaic.accounts.billing.models import Charge
from mosaic.accounts.billing.service import ChargeUpdate, refund_charge, start_checkout
from mosaic.accounts.notifications.service import notify
from mosaic.accounts.plans.models import Plan, UserPlan
from mosaic.accounts.plans.service import PlanRepository, UserPlanRepository, activate
from mosaic.accounts.users.models import User
from mosaic.core.config import Settings
from mosaic.core.database import utcnow
from mosaic.core.errors import Conflict
from mosaic.core.jobs import JobQueue
from mosaic.providers.payments import PaymentGateway, Reference

logger = logging.getLogger("mosaic.plans")

REFERENCE_KIND = "plan_subscription"


def _description(plan: Plan) -> str:
    period = f", {plan.duration_days} days" if plan.duration_days else ""
    return f"Mosaic {plan.name} plan{period}"


async def _checkout(
    session: AsyncSession,
    gateway: PaymentGateway,
    settings: Settings,
    user: User,
    subscription: UserPlan,
    plan: Plan,
    purpose: str,
) -> Charge:
    back = f"{settings.FRONTEND_URL.rstrip('/')}/billing?subscription={subscription.id}"
    return await start_checkout(
        session,
        gateway,
        reference=Reference(REFERENCE_KIND, str(subscription.id)),
        purpose=purpose,
        description=_description(plan),
        amount=plan.price,
        currency=settings.PLAN_CURRENCY,
        user_id=user.id,
        customer_email=user.email,
        success_url=f"{back}&result=paid",
        cancel_url=f"{back}&result=cancelled",
        expires_at=utcnow() + timedelta(minutes=settings.PAYMENT_CHECKOUT_MINUTES),
    )


async def start_paid_subscription(
    session: AsyncSession, gateway: PaymentGateway, settings: Settings, user: User, plan: Plan
) -> tuple[UserPlan, Charge]:
    """A pending subscription and its checkout; nothing about the current plan changes."""
    active = await UserPlanRepository(session).find_one(
        UserPlan.user_id == user.id, UserPlan.status == "active", UserPlan.plan_id == plan.id
    )
    if active is not None and (active.end_date is None or active.end_date > utcnow()):
        raise Conflict("You are already subscribed to this plan", code="ALREADY_SUBSCRIBED")
    subscription = await UserPlanRepository(session).create(
        user_id=user.id, plan_id=plan.id, status="pending", start_date=utcnow(), end_date=None
    )
    charge = await _checkout(session, gateway, settings, user, subscription, plan, "subscribe")
    await session.refresh(subscription, ["plan"])
    return subscription, charge


async def grant(
    session: AsyncSession, user_id: uuid.UUID, plan_id: uuid.UUID, admin_id: uuid.UUID, days: int | None
) -> UserPlan:
    """Activate `plan` for `user_id` without payment (for `days`, else the plan's own period)."""
    plan = await PlanRepository(session).get_or_404(plan_id)
    if await session.get(User, user_id) is None:
        from mosaic.core.errors import NotFound

        raise NotFound("User not found")
    subscription = await UserPlanRepository(session).create(
        user_id=user_id,
        plan_id=plan.id,
        status="pending",
        start_date=utcnow(),
        end_date=None,
        granted_by_id=admin_id,
    )
    subscription = await activate(session, subscription, plan)
    if days is not None:
        subscription.end_date = subscription.start_date + timedelta(days=days)
        await session.flush()
    return subscription


async def on_plan_payment(session: AsyncSession, update: ChargeUpdate) -> None:
    """The `plan_subscription` payment handler (declared on the accounts Domain)."""
    # Lock the subscription row only (its plan is joined eagerly: PostgreSQL refuses FOR UPDATE on it).
    subscription = await session.get(
        UserPlan, uuid.UUID(update.charge.reference_id), with_for_update={"of": UserPlan}
    )
    if subscription is None:
        logger.warning("payment for unknown subscription %s", update.charge.reference_id)
        return
    plan = await session.get(Plan, subscription.plan_id)
    assert plan is not None
    if update.became_paid:
        if update.charge.purpose == "renewal" and subscription.status == "active":
            start = max(subscription.end_date or utcnow(), utcnow())
            subscription.end_date = start + timedelta(days=plan.duration_days or 0)
            subscription.renewal_charge_id = None
            await session.flush()
            logger.info("subscription %s renewed until %s", subscription.id, subscription.end_date)
        elif update.charge.purpose == "subscribe" and subscription.status == "pending":
            await activate(session, subscription, plan)
            logger.info("subscription %s paid and active", subscription.id)
        else:
            # Paid for something no longer waiting (cancelled, expired): give the money back.
            logger.info("payment for %s subscription %s is refunded", subscription.status, subscription.id)
            await refund_charge(
                session, update.gateway(), update.charge, reason="Subscription no longer pending"
            )
    elif update.became_refunded and subscription.status in ("active", "pending"):
        subscription.status = "cancelled"
        subscription.end_date = utcnow()
        await session.flush()
    elif update.lapsed and update.charge.purpose == "subscribe" and subscription.status == "pending":
        subscription.status = "expired" if update.charge.status == "expired" else "cancelled"
        subscription.end_date = utcnow()
        await session.flush()


async def renew_subscriptions(
    session: AsyncSession, gateway: PaymentGateway, settings: Settings, jobs: JobQueue | None
) -> int:
    """Open the next period's checkout of every paid subscription ending within the notice."""
    horizon = utcnow() + timedelta(hours=settings.PLAN_RENEWAL_NOTICE_HOURS)
    due = await session.execute(
        select(UserPlan, Plan, User)
        .join(Plan, Plan.id == UserPlan.plan_id)
        .join(User, User.id == UserPlan.user_id)
        .where(
            UserPlan.status == "active",
            UserPlan.is_deleted.is_(False),
            UserPlan.end_date.is_not(None),
            UserPlan.end_date <= horizon,
            UserPlan.end_date > utcnow(),
            UserPlan.cancel_at_period_end.is_(False),
            UserPlan.renewal_charge_id.is_(None),
            UserPlan.granted_by_id.is_(None),
            Plan.price > 0,
            Plan.duration_days.is_not(None),
        )
    )
    opened = 0
    for subscription, plan, user in due.unique().all():
        charge = await _checkout(session, gateway, settings, user, subscription, plan, "renewal")
        subscription.renewal_charge_id = charge.id
        await notify(
            session,
            user,
            f"Renew your {plan.name} plan",
            f"Your {plan.name} plan ends on {subscription.end_date:%Y-%m-%d}. "
            "Pay the next period to keep it.",
            category="billing",
            email=True,
            jobs=jobs,
            link=charge.checkout_url,
        )
        opened += 1
    await session.flush()
    return opened
