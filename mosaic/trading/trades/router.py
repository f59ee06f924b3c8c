"""HTTP layer of trades: the caller's own only; another user's id answers 404."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query, status

from mosaic.accounts.deps import CurrentUser
from mosaic.accounts.plans.limits import require_within_limit
from mosaic.core.deps import SessionDep
from mosaic.core.envelope import Envelope, created, ok
from mosaic.core.errors import error_responses
from mosaic.core.pagination import Page, PageParams, page_of
from mosaic.core.params import DateTimeParam
from mosaic.trading.trades import service
from mosaic.trading.trades.repository import TradeRepository
from mosaic.trading.trades.schemas import (
    Side,
    TradeClose,
    TradeIn,
    TradeOut,
    TradeStatus,
    TradeSummary,
    TradeType,
    TradeUpdate,
)

router = APIRouter(prefix="/trades", tags=["trades"])

ExecutedFrom = Annotated[
    DateTimeParam | None, Query(description="executed_at >= this (RFC 3339, with an offset)")
]
ExecutedTo = Annotated[
    DateTimeParam | None, Query(description="executed_at <= this (RFC 3339, with an offset)")
]


@router.get(
    "",
    response_model=Envelope[Page[TradeOut]],
    summary="List my trades",
    responses=error_responses(401),
)
async def list_trades(
    session: SessionDep,
    page: Annotated[PageParams, TradeRepository.pagination],
    user: CurrentUser,
    symbol: Annotated[
        str | None, Query(max_length=41, examples=["BTC/USDT"], description="Only trades of this symbol.")
    ] = None,
    side: Annotated[Side | None, Query(description="Only buys or only sells.")] = None,
    status: Annotated[TradeStatus | None, Query(description="Only trades in this status.")] = None,
    trade_type: Annotated[TradeType | None, Query(description="Only crypto or only forex trades.")] = None,
    agent_id: Annotated[uuid.UUID | None, Query(description="Only trades opened by this agent.")] = None,
    flow_id: Annotated[
        uuid.UUID | None, Query(description="Only trades opened by this flow of mine.")
    ] = None,
    executed_from: ExecutedFrom = None,
    executed_to: ExecutedTo = None,
) -> Envelope[Page[TradeOut]]:
    trades, total = await service.list_trades(
        session,
        user.id,
        page,
        symbol=symbol,
        side=side,
        status=status,
        trade_type=trade_type,
        agent_id=agent_id,
        flow_id=flow_id,
        executed_from=executed_from,
        executed_to=executed_to,
    )
    return ok(
        page_of(TradeOut, trades, total, page),
        "Trades retrieved successfully",
    )


@router.get(
    "/summary",
    response_model=Envelope[TradeSummary],
    summary="Summary of my trades",
    description="Counts by status, win rate and total P&L over closed trades, P&L by symbol and by "
    "UTC day of closing. Amounts are strings with 8 decimals.",
    responses=error_responses(401),
)
async def trade_summary(
    session: SessionDep, user: CurrentUser, executed_from: ExecutedFrom = None, executed_to: ExecutedTo = None
) -> Envelope[TradeSummary]:
    summary = await service.summarize(session, user.id, executed_from=executed_from, executed_to=executed_to)
    return ok(summary, "Trade summary retrieved successfully")


@router.post(
    "",
    response_model=Envelope[TradeOut],
    status_code=status.HTTP_201_CREATED,
    summary="Open a trade",
    description="Counts against the plan's `trades_per_day` limit (402 PLAN_LIMIT_REACHED).",
    responses=error_responses(401, 402, 404),
    dependencies=[Depends(require_within_limit("trades_per_day"))],
)
async def open_trade(body: TradeIn, session: SessionDep, user: CurrentUser) -> Envelope[TradeOut]:
    trade = await service.open_trade(session, user.id, body)
    return created(TradeOut.model_validate(trade), "Trade opened successfully")


@router.get(
    "/{trade_id}",
    response_model=Envelope[TradeOut],
    summary="Get one of my trades",
    responses=error_responses(401, 404),
)
async def get_trade(trade_id: uuid.UUID, session: SessionDep, user: CurrentUser) -> Envelope[TradeOut]:
    return ok(
        TradeOut.model_validate(await service.get_trade(session, user.id, trade_id)),
        "Trade retrieved successfully",
    )


@router.put(
    "/{trade_id}",
    response_model=Envelope[TradeOut],
    summary="Correct an open trade",
    responses=error_responses(401, 404, 409),
)
async def update_trade(
    trade_id: uuid.UUID, body: TradeUpdate, session: SessionDep, user: CurrentUser
) -> Envelope[TradeOut]:
    trade = await service.update_trade(session, user.id, trade_id, body)
    return ok(TradeOut.model_validate(trade), "Trade updated successfully")


@router.post(
    "/{trade_id}/close",
    response_model=Envelope[TradeOut],
    summary="Close an open trade at an exit price",
    description="profit_loss = (exit - entry) * quantity * leverage, negated for sells.",
    responses=error_responses(401, 404, 409),
)
async def close_trade(
    trade_id: uuid.UUID, body: TradeClose, session: SessionDep, user: CurrentUser
) -> Envelope[TradeOut]:
    trade = await service.close_trade(session, user.id, trade_id, body.exit_price)
    return ok(TradeOut.model_validate(trade), "Trade closed successfully")


@router.post(
    "/{trade_id}/cancel",
    response_model=Envelope[TradeOut],
    summary="Cancel an open trade",
    responses=error_responses(401, 404, 409),
)
async def cancel_trade(trade_id: uuid.UUID, session: SessionDep, user: CurrentUser) -> Envelope[TradeOut]:
    trade = await service.cancel_trade(session, user.id, trade_id)
    return ok(TradeOut.model_validate(trade), "Trade cancelled successfully")


@router.delete(
    "/{trade_id}",
    response_model=Envelope[None],
    summary="Delete one of my trades (soft delete)",
    responses=error_responses(401, 404),
)
async def delete_trade(trade_id: uuid.UUID, session: SessionDep, user: CurrentUser) -> Envelope[None]:
    await service.delete_trade(session, user.id, trade_id)
    return ok(None, "Trade deleted successfully")
