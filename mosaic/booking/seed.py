"""Default data of booking: ISO 3166 countries from pycountry (idempotent)."""

from __future__ import annotations

import logging

from sqlalchemy.ext.asyncio import AsyncSession

from mosaic.booking.geography.service import seed_countries
from mosaic.core.config import Settings

logger = logging.getLogger("mosaic.booking.seed")


async def seed(session: AsyncSession, settings: Settings) -> None:
    added = await seed_countries(session)
    if added:
        logger.info("seeded %d countries", added)
