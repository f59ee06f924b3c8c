"""Wallet catalogue rules: unique live names; traders see active wallets only."""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from mosaic.core.crud import Catalogue
from mosaic.core.pagination import PageParams
from mosaic.core.repository import Repository
from mosaic.trading.common import contains
from mosaic.trading.wallets.models import Wallet
from mosaic.trading.wallets.schemas import WalletIn, WalletUpdate


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
    return await Catalogue(WalletRepository(session)).get(wallet_id, manage=manage)


async def connectable_wallet(session: AsyncSession, wallet_id: uuid.UUID) -> Wallet:
    """A wallet a user may connect credentials to: live and active."""
    return await get_wallet(session, wallet_id, manage=False)


async def create_wallet(session: AsyncSession, data: WalletIn) -> Wallet:
    return await Catalogue(WalletRepository(session)).create(data)


async def update_wallet(session: AsyncSession, wallet_id: uuid.UUID, data: WalletUpdate) -> Wallet:
    return await Catalogue(WalletRepository(session)).update(wallet_id, data)


async def delete_wallet(session: AsyncSession, wallet_id: uuid.UUID) -> None:
    await Catalogue(WalletRepository(session)).delete(wallet_id)
