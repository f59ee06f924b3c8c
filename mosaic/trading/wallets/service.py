"""Wallet catalogue rules: unique live names; traders see active wallets only."""

from __future__ import annotations

import logging
import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from mosaic.core.errors import Conflict, NotFound
from mosaic.core.pagination import PageParams
from mosaic.core.repository import Repository
from mosaic.trading.common import contains
from mosaic.trading.wallets.models import Wallet
from mosaic.trading.wallets.schemas import WalletIn, WalletUpdate

logger = logging.getLogger("mosaic.trading")


class WalletRepository(Repository[Wallet]):
    model = Wallet
    label = "Wallet"
    sortable = frozenset({"created_at", "updated_at", "name", "type", "provider"})
    default_sort = "name"


async def list_wallets(
    session: AsyncSession,
    params: PageParams,
    *,
    manage: bool,
    name: str | None = None,
    type: str | None = None,
    provider: str | None = None,
    is_active: bool | None = None,
    include_deleted: bool = False,
) -> tuple[list[Wallet], int]:
    """Catalogue managers see everything they ask for; everyone else sees live, active wallets."""
    if not manage:
        is_active, include_deleted = True, False
    return await WalletRepository(session).paginate(
        params,
        include_deleted=include_deleted,
        filters=[contains(Wallet.name, name)] if name else [],
        filter_by={"type": type, "provider": provider, "is_active": is_active},
    )


async def get_wallet(session: AsyncSession, wallet_id: uuid.UUID, *, manage: bool) -> Wallet:
    wallet = await WalletRepository(session).get_or_404(wallet_id)
    if not manage and not wallet.is_active:
        raise NotFound("Wallet not found")
    return wallet


async def connectable_wallet(session: AsyncSession, wallet_id: uuid.UUID) -> Wallet:
    """A wallet a user may connect credentials to: live and active."""
    return await get_wallet(session, wallet_id, manage=False)


async def _ensure_unique_name(repo: WalletRepository, name: str) -> None:
    if await repo.find_one(Wallet.name == name):
        raise Conflict(f"Wallet '{name}' already exists")


async def create_wallet(session: AsyncSession, data: WalletIn) -> Wallet:
    repo = WalletRepository(session)
    await _ensure_unique_name(repo, data.name)
    wallet = await repo.create(**data.model_dump())
    logger.info("wallet %s created (%s)", wallet.id, wallet.provider)
    return wallet


async def update_wallet(session: AsyncSession, wallet_id: uuid.UUID, data: WalletUpdate) -> Wallet:
    repo = WalletRepository(session)
    wallet = await repo.get_or_404(wallet_id)
    values = data.model_dump(exclude_unset=True, exclude_none=True)
    if "name" in values and values["name"] != wallet.name:
        await _ensure_unique_name(repo, values["name"])
    return await repo.update(wallet, values)


async def delete_wallet(session: AsyncSession, wallet_id: uuid.UUID) -> None:
    repo = WalletRepository(session)
    await repo.soft_delete(await repo.get_or_404(wallet_id))
    logger.info("wallet %s deleted", wallet_id)
