"""HTTP layer of the wallet catalogue: any user reads active entries; writes need `wallets:write`/`delete`."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query, status

from mosaic.accounts.deps import CurrentPrincipal, require_permission
from mosaic.core.deps import SessionDep
from mosaic.core.envelope import Envelope, created, ok
from mosaic.core.errors import error_responses
from mosaic.core.pagination import Page, PageParams
from mosaic.core.params import QueryFlag
from mosaic.trading.wallets import service
from mosaic.trading.wallets.schemas import WalletIn, WalletOut, WalletType, WalletUpdate

router = APIRouter(prefix="/wallets", tags=["wallets"])

# Admin view: inactive and soft-deleted entries too.
MANAGE = "wallets:read"


@router.get(
    "",
    response_model=Envelope[Page[WalletOut]],
    summary="List wallet providers",
    description="Traders see active wallets; holders of `wallets:read` may filter by `is_active` "
    "and list soft-deleted ones with `include_deleted=true`.",
    responses=error_responses(401),
)
async def list_wallets(
    session: SessionDep,
    page: Annotated[PageParams, service.WalletRepository.pagination],
    principal: CurrentPrincipal,
    name: Annotated[str | None, Query(max_length=100, description="Substring of the name")] = None,
    type: WalletType | None = None,
    provider: Annotated[str | None, Query(max_length=64)] = None,
    is_active: QueryFlag | None = None,
    include_deleted: QueryFlag = False,
) -> Envelope[Page[WalletOut]]:
    items, total = await service.list_wallets(
        session,
        page,
        manage=principal.can(MANAGE),
        name=name,
        type=type,
        provider=provider,
        is_active=is_active,
        include_deleted=include_deleted,
    )
    return ok(
        Page[WalletOut].build([WalletOut.model_validate(w) for w in items], total, page),
        "Wallets retrieved successfully",
    )


@router.get(
    "/{wallet_id}",
    response_model=Envelope[WalletOut],
    summary="Get a wallet provider",
    responses=error_responses(401, 404),
)
async def get_wallet(
    wallet_id: uuid.UUID, session: SessionDep, principal: CurrentPrincipal
) -> Envelope[WalletOut]:
    wallet = await service.get_wallet(session, wallet_id, manage=principal.can(MANAGE))
    return ok(WalletOut.model_validate(wallet), "Wallet retrieved successfully")


@router.post(
    "",
    response_model=Envelope[WalletOut],
    status_code=status.HTTP_201_CREATED,
    summary="Create a wallet provider (admin)",
    responses=error_responses(401, 403, 409),
    dependencies=[Depends(require_permission("wallets", "write"))],
)
async def create_wallet(body: WalletIn, session: SessionDep) -> Envelope[WalletOut]:
    wallet = await service.create_wallet(session, body)
    return created(WalletOut.model_validate(wallet), "Wallet created successfully")


@router.put(
    "/{wallet_id}",
    response_model=Envelope[WalletOut],
    summary="Update a wallet provider (admin)",
    responses=error_responses(401, 403, 404, 409),
    dependencies=[Depends(require_permission("wallets", "write"))],
)
async def update_wallet(wallet_id: uuid.UUID, body: WalletUpdate, session: SessionDep) -> Envelope[WalletOut]:
    wallet = await service.update_wallet(session, wallet_id, body)
    return ok(WalletOut.model_validate(wallet), "Wallet updated successfully")


@router.delete(
    "/{wallet_id}",
    response_model=Envelope[None],
    summary="Delete a wallet provider (admin, soft delete)",
    responses=error_responses(401, 403, 404),
    dependencies=[Depends(require_permission("wallets", "delete"))],
)
async def delete_wallet(wallet_id: uuid.UUID, session: SessionDep) -> Envelope[None]:
    await service.delete_wallet(session, wallet_id)
    return ok(None, "Wallet deleted successfully")
