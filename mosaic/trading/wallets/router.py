"""HTTP layer of the wallet catalogue: any user reads active entries; writes need `wallets:write`/`delete`."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, status

from mosaic.accounts.deps import CurrentPrincipal, require_permission
from mosaic.core.cache import cache_key, cached_model, entity_tag, request_cache
from mosaic.core.deps import SessionDep
from mosaic.core.envelope import Envelope, created, ok
from mosaic.core.errors import error_responses
from mosaic.core.pagination import ActiveFilter, IncludeDeleted, Page, PageParams, page_of
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
    request: Request,
    name: Annotated[str | None, Query(max_length=100, description="Substring of the name")] = None,
    type: Annotated[WalletType | None, Query(description="Only providers of this type.")] = None,
    provider: Annotated[
        str | None, Query(max_length=64, description="Only this provider, e.g. `binance`.")
    ] = None,
    is_active: ActiveFilter = None,
    include_deleted: IncludeDeleted = False,
) -> Envelope[Page[WalletOut]]:
    # Cached per filter set and view (managers see more); any write to a wallet invalidates it.
    filters: dict[str, Any] = {"name": name, "type": type, "provider": provider, "is_active": is_active}
    manage = principal.can(MANAGE)

    async def load() -> Page[WalletOut]:
        items, total = await service.list_wallets(
            session, page, manage=manage, include_deleted=include_deleted, **filters
        )
        return page_of(WalletOut, items, total, page)

    key = cache_key(
        "wallets", "list", {**filters, "page": page, "manage": manage, "deleted": include_deleted}
    )
    data = await cached_model(
        request_cache(request), key, load, Page[WalletOut], tags=["wallets"], session=session
    )
    return ok(data, "Wallets retrieved successfully")


@router.get(
    "/{wallet_id}",
    response_model=Envelope[WalletOut],
    summary="Get a wallet provider",
    responses=error_responses(401, 404),
)
async def get_wallet(
    wallet_id: uuid.UUID, session: SessionDep, principal: CurrentPrincipal, request: Request
) -> Envelope[WalletOut]:
    manage = principal.can(MANAGE)

    async def load() -> WalletOut:
        return WalletOut.model_validate(await service.get_wallet(session, wallet_id, manage=manage))

    key = cache_key("wallets", "get", {"id": wallet_id, "manage": manage})
    tags = [entity_tag("wallets", wallet_id)]
    data = await cached_model(request_cache(request), key, load, WalletOut, tags=tags, session=session)
    return ok(data, "Wallet retrieved successfully")


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
