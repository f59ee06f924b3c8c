"""Scheduled job of billing: lapse the offline gateway's checkouts nobody finished.

Stripe sends `checkout.session.expired` itself; the offline gateway has nobody on its side to do
it, so this job delivers that signed event through the same webhook path, and a pending paid
plan whose checkout lapsed stops waiting.
"""

from __future__ import annotations

import logging

from sqlalchemy import select

from mosaic.accounts.billing.models import Charge
from mosaic.accounts.billing.service import deliver_offline_event
from mosaic.core.database import utcnow
from mosaic.core.jobs import JobContext, job
from mosaic.providers.payments import build_payment_gateway
from mosaic.providers.payments.offline import OfflineGateway

logger = logging.getLogger("mosaic.billing")

EXPIRE_CHECKOUTS = "accounts.expire_offline_checkouts"


@job(EXPIRE_CHECKOUTS, max_retries=2)
async def expire_offline_checkouts_job(ctx: JobContext) -> int:
    gateway = build_payment_gateway(ctx.settings)
    if not isinstance(gateway, OfflineGateway) or ctx.jobs is None:
        return 0
    async with ctx.database.transaction() as session:
        lapsed = (
            await session.scalars(
                select(Charge).where(
                    Charge.gateway == "offline", Charge.status == "pending", Charge.expires_at <= utcnow()
                )
            )
        ).all()
        for charge in lapsed:
            await deliver_offline_event(
                session, ctx.jobs, ctx.service("inbox"), gateway, charge, "checkout.expired"
            )
    logger.info("expired %d offline checkout(s)", len(lapsed))
    return len(lapsed)
