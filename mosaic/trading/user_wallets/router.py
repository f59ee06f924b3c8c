"""HTTP layer of connected wallets: the caller's own only; another user's id answers 404."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query, status

from mosaic.accounts.deps import CurrentUser
from mosaic.accounts.plans.limits import require_within_limit
from mosaic.core.deps import SessionDep
from mosaic.core.envelope import Envelope, created, ok
from mosaic.core.errors import error_responses
from mosaic.core.pagination import ActiveFilter, Page, PageParams, page_of
from mosaic.core.secretbox import SecretBoxDep
from mosaic.trading.user_wallets import service
from mosaic.trading.user_wallets.schemas import UserWalletIn, UserWalletOut, UserWalletUpdate

router = APIRouter(prefix="/user-wallets", tags=["user-wallets"])


@router.get(
    "",
    response_model=Envelope[Page[UserWalletOut]],
    summary="List my connected wallets",
    responses=error_responses(401),
)
async def list_user_wallets(
    session: SessionDep,
    page: Annotated[PageParams, service.UserWalletRepository.pagination],
    user: CurrentUser,
    cipher: SecretBoxDep,
    wallet_id: Annotated[
        uuid.UUID | None, Query(description="Only connections to this wallet provider.")
    ] = None,
    is_active: ActiveFilter = None,
) -> Envelope[Page[UserWalletOut]]:
    rows, total = await service.list_connections(
        session, user.id, page, wallet_id=wallet_id, is_active=is_active
    )
    return ok(
        page_of(UserWalletOut, rows, total, page, lambda r: service.to_out(cipher, r)),
        "Wallets retrieved successfully",
    )


@router.post(
    "",
    response_model=Envelope[UserWalletOut],
    status_code=status.HTTP_201_CREATED,
    summary="Connect a wallet",
    description="Credentials are encrypted at rest and only ever returned masked. Counts against "
    "the plan's `wallets` limit (402 PLAN_LIMIT_REACHED).",
    responses=error_responses(401, 402, 404),
    dependencies=[Depends(require_within_limit("wallets"))],
)
async def connect_wallet(
    body: UserWalletIn, session: SessionDep, user: CurrentUser, cipher: SecretBoxDep
) -> Envelope[UserWalletOut]:
    row = await service.connect(session, cipher, user.id, body)
    return created(service.to_out(cipher, row), "Wallet connected successfully")


@router.get(
    "/{user_wallet_id}",
    response_model=Envelope[UserWalletOut],
    summary="Get one of my connected wallets",
    responses=error_responses(401, 404),
)
async def get_user_wallet(
    user_wallet_id: uuid.UUID, session: SessionDep, user: CurrentUser, cipher: SecretBoxDep
) -> Envelope[UserWalletOut]:
    row = await service.get_connection(session, user.id, user_wallet_id)
    return ok(service.to_out(cipher, row), "Wallet retrieved successfully")


@router.put(
    "/{user_wallet_id}",
    response_model=Envelope[UserWalletOut],
    summary="Replace credentials or (de)activate one of my connected wallets",
    responses=error_responses(401, 404),
)
async def update_user_wallet(
    user_wallet_id: uuid.UUID,
    body: UserWalletUpdate,
    session: SessionDep,
    user: CurrentUser,
    cipher: SecretBoxDep,
) -> Envelope[UserWalletOut]:
    row = await service.update_connection(session, cipher, user.id, user_wallet_id, body)
    return ok(service.to_out(cipher, row), "Wallet updated successfully")


@router.delete(
    "/{user_wallet_id}",
    response_model=Envelope[None],
    summary="Disconnect one of my wallets (soft delete; credentials are wiped)",
    responses=error_responses(401, 404),
)
async def delete_user_wallet(
    user_wallet_id: uuid.UUID, session: SessionDep, user: CurrentUser
) -> Envelope[None]:
    await service.disconnect(session, user.id, user_wallet_id)
    return ok(None, "Wallet disconnected successfully")
