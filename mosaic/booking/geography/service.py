"""Countries and cities: the ISO list is seeded, cities are an admin catalogue read by everyone."""

from __future__ import annotations

import pycountry
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from mosaic.booking.geography.models import Country


async def seed_countries(session: AsyncSession) -> int:
    """Insert the ISO 3166-1 countries missing from the table; the number inserted."""
    known = set((await session.execute(select(Country.code))).scalars())
    missing = [c for c in pycountry.countries if c.alpha_2 not in known]
    session.add_all(
        Country(code=c.alpha_2, alpha3=c.alpha_3, name=getattr(c, "common_name", None) or c.name)
        for c in missing
    )
    await session.flush()
    return len(missing)
