"""Default data of accounts: the superadmin from `SUPERADMIN_*` settings (idempotent)."""

from __future__ import annotations

import logging

from sqlalchemy.ext.asyncio import AsyncSession

from mosaic.accounts.plans.service import seed_default_plan
from mosaic.accounts.rbac.service import SUPERADMIN, get_role_by_name
from mosaic.accounts.users.service import UserRepository, create_user
from mosaic.core.config import Settings
from mosaic.core.security import hash_password

logger = logging.getLogger("mosaic.accounts.seed")


async def ensure_superadmin(session: AsyncSession, settings: Settings) -> bool:
    """Create the superadmin unless an account with that email exists; True when created.

    An existing account is left alone (its password may have been changed since): re-running
    the seed must never reset credentials.
    """
    repo = UserRepository(session)
    if await repo.by_email(settings.SUPERADMIN_EMAIL):
        return False
    if await get_role_by_name(session, SUPERADMIN) is None:
        raise RuntimeError("default roles missing: run the RBAC seed first")
    await create_user(
        session,
        email=settings.SUPERADMIN_EMAIL,
        password_hash=await hash_password(settings.SUPERADMIN_PASSWORD.get_secret_value()),
        first_name=settings.SUPERADMIN_FIRST_NAME,
        last_name=settings.SUPERADMIN_LAST_NAME,
        role_name=SUPERADMIN,
        is_verified=True,
    )
    logger.info("superadmin created")
    return True


async def seed(session: AsyncSession, settings: Settings) -> None:
    await seed_default_plan(session)
    await ensure_superadmin(session, settings)
