"""The weekly payout run: compute last week's payouts, commit them, then pay each one."""

from __future__ import annotations

import logging
from datetime import datetime

from mosaic.booking.payouts.service import compute_payouts, pay, payable, week_start
from mosaic.core.config import Settings
from mosaic.core.database import Database, utcnow
from mosaic.core.jobs import JobContext, job
from mosaic.providers.payments import build_payment_gateway

logger = logging.getLogger("mosaic.booking.payouts")

RUN_PAYOUTS = "booking.run_payouts"


async def run_payouts(database: Database, settings: Settings, until: datetime) -> int:
    """Compute in one transaction (so a crash never pays what was not recorded), pay one by one."""
    async with database.transaction() as session:
        created = len(await compute_payouts(session, settings, until))
    gateway = build_payment_gateway(settings)
    async with database.transaction() as session:
        for payout in await payable(session):
            await pay(session, gateway, payout)
    return created


@job(RUN_PAYOUTS, max_retries=2)
async def run_payouts_job(ctx: JobContext) -> int:
    return await run_payouts(ctx.database, ctx.settings, week_start(utcnow()))
