"""Scheduled jobs of plans (the `accounts` Domain schedules them; beat or the in-process runner runs them)."""

from __future__ import annotations

import logging

from mosaic.accounts.plans.service import expire_subscriptions
from mosaic.core.jobs import JobContext, job

logger = logging.getLogger("mosaic.plans")

EXPIRE_SUBSCRIPTIONS = "accounts.expire_subscriptions"


@job(EXPIRE_SUBSCRIPTIONS, max_retries=2)
async def expire_subscriptions_job(ctx: JobContext) -> int:
    async with ctx.database.transaction() as session:
        expired = await expire_subscriptions(session)
    logger.info("expired %d subscription(s)", expired)
    return expired


RENEW_SUBSCRIPTIONS = "accounts.renew_subscriptions"


@job(RENEW_SUBSCRIPTIONS, max_retries=2)
async def renew_subscriptions_job(ctx: JobContext) -> int:
    """Open the renewal checkouts of paid subscriptions whose period ends soon."""
    from mosaic.accounts.plans.paid import renew_subscriptions
    from mosaic.providers.payments import build_payment_gateway

    async with ctx.database.transaction() as session:
        opened = await renew_subscriptions(
            session, build_payment_gateway(ctx.settings), ctx.settings, ctx.jobs
        )
    logger.info("opened %d renewal checkout(s)", opened)
    return opened
