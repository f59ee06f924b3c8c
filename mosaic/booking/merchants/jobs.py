"""Scheduled renewal of Square access tokens (they last 30 days)."""

from __future__ import annotations

import logging

from mosaic.booking.merchants.service import refresh_expiring
from mosaic.core.jobs import JobContext, job
from mosaic.core.secretbox import SecretBox
from mosaic.providers.payments.square_oauth import SquareOAuthClient, SquareOAuthNotConfigured

logger = logging.getLogger("mosaic.booking.square")

REFRESH_SQUARE_TOKENS = "booking.refresh_square_tokens"


@job(REFRESH_SQUARE_TOKENS, max_retries=2)
async def refresh_square_tokens_job(ctx: JobContext) -> int:
    """Renew the tokens expiring within SQUARE_TOKEN_REFRESH_DAYS; a failure is retried next run."""
    try:
        client = SquareOAuthClient.from_settings(ctx.settings)
    except SquareOAuthNotConfigured:
        return 0
    async with ctx.database.transaction() as session:
        renewed, failed = await refresh_expiring(
            session, ctx.settings, SecretBox.from_settings(ctx.settings), client
        )
    logger.info("Square tokens renewed: %d, failed: %d", renewed, failed)
    return renewed
