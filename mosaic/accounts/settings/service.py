"""User settings: read-or-create, so every user has settings without a migration of old rows."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from mosaic.accounts.settings.models import UserSettings
from mosaic.accounts.settings.schemas import SettingsUpdate
from mosaic.core.crud import put_values


async def get_or_create(session: AsyncSession, user_id: uuid.UUID, locale: str = "en") -> UserSettings:
    found = await session.scalar(select(UserSettings).where(UserSettings.user_id == user_id))
    if found is not None:
        return found
    try:
        async with session.begin_nested():  # two first reads at once: the loser re-reads the winner's row
            row = UserSettings(user_id=user_id, preferences={}, locale=locale)
            session.add(row)
        return row
    except IntegrityError:
        existing = await session.scalar(select(UserSettings).where(UserSettings.user_id == user_id))
        assert existing is not None
        return existing


async def update(
    session: AsyncSession, user_id: uuid.UUID, data: SettingsUpdate, locale: str
) -> UserSettings:
    row = await get_or_create(session, user_id, locale)
    for name, value in put_values(data, UserSettings).items():
        setattr(row, name, value)
    await session.flush()
    return row
