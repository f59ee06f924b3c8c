"""Trade rules: open, correct while open, close with an exit price (P&L) or cancel, summarise.

State changes are conditional updates (`... WHERE status = 'open'`), so two concurrent closes
of one trade give one success and one 409 instead of two P&L computations.
"""

from __future__ import annotations

import logging
import uuid
from collections import defaultdict
from datetime import UTC, date, datetime, time
from decimal import ROUND_HALF_EVEN, Decimal, localcontext
from typing import Any

from sqlalchemy import ColumnElement, update
from sqlalchemy.ext.asyncio import AsyncSession

from mosaic.core.crud import Owned, put_values
from mosaic.core.database import utcnow
from mosaic.core.errors import Conflict, ValidationFailed
from mosaic.core.pagination import PageParams
from mosaic.trading.agents.service import usable_agent
from mosaic.trading.common import AMOUNT_PRECISION, QUANTUM
from mosaic.trading.flows.service import FlowRepository
from mosaic.trading.trades.models import Trade
from mosaic.trading.trades.repository import TradeRepository
from mosaic.trading.trades.schemas import (
    DaySummary,
    SymbolSummary,
    TradeCounts,
    TradeIn,
    TradeSummary,
    TradeUpdate,
)

logger = logging.getLogger("mosaic.trading")

WIN_RATE_QUANTUM = Decimal("0.0001")


def profit_loss(side: str, entry: Decimal, exit_: Decimal, quantity: Decimal, leverage: int) -> Decimal:
    """`(exit - entry) * quantity * leverage`, negated for a sell; rounded half-even to 8 decimals."""
    with localcontext(prec=AMOUNT_PRECISION):
        result = (exit_ - entry) * quantity * leverage
        if side == "sell":
            result = -result
        return result.quantize(QUANTUM, rounding=ROUND_HALF_EVEN)


def range_filters(executed_from: datetime | None, executed_to: datetime | None) -> list[ColumnElement[bool]]:
    if executed_from and executed_to and executed_from > executed_to:
        raise ValidationFailed(  # a rule across two fields: the schema cannot state it
            "executed_from is after executed_to",
            details=[
                {
                    "field": "executed_from",
                    "location": "query",
                    "message": "must not be after executed_to",
                    "type": "value_error",
                }
            ],
        )
    filters: list[ColumnElement[bool]] = []
    if executed_from:
        filters.append(Trade.executed_at >= _aware(executed_from))
    if executed_to:
        filters.append(Trade.executed_at <= _aware(executed_to))
    return filters


def _aware(value: datetime) -> datetime:
    """A query parameter without an offset is read as UTC."""
    return value if value.tzinfo else value.replace(tzinfo=UTC)


async def open_trade(session: AsyncSession, user_id: uuid.UUID, data: TradeIn) -> Trade:
    if data.agent_id is not None:
        await usable_agent(session, data.agent_id)
    if data.flow_id is not None:  # an indirect reference: only one of the caller's own flows (404 otherwise)
        await FlowRepository(session).get_or_404(data.flow_id, owner_id=user_id)
    trade = await TradeRepository(session).create(
        **data.model_dump(), user_id=user_id, status="open", executed_at=utcnow()
    )
    logger.info("user %s opened trade %s on %s", user_id, trade.id, trade.symbol)
    return trade


async def list_trades(
    session: AsyncSession,
    user_id: uuid.UUID,
    params: PageParams,
    *,
    symbol: str | None = None,
    side: str | None = None,
    status: str | None = None,
    trade_type: str | None = None,
    agent_id: uuid.UUID | None = None,
    flow_id: uuid.UUID | None = None,
    executed_from: datetime | None = None,
    executed_to: datetime | None = None,
) -> tuple[list[Trade], int]:
    return await Owned(TradeRepository(session), user_id).list(
        params,
        filters=range_filters(executed_from, executed_to),
        filter_by={
            "symbol": symbol.upper() if symbol else None,
            "side": side,
            "status": status,
            "trade_type": trade_type,
            "agent_id": agent_id,
            "flow_id": flow_id,
        },
    )


async def get_trade(session: AsyncSession, user_id: uuid.UUID, trade_id: uuid.UUID) -> Trade:
    return await Owned(TradeRepository(session), user_id).get(trade_id)


async def _transition(session: AsyncSession, trade: Trade, values: dict[str, Any], action: str) -> Trade:
    """Apply `values` only if the trade is still open; anything else is a 409."""
    result = await session.execute(
        update(Trade)
        .where(Trade.id == trade.id, Trade.status == "open", Trade.is_deleted.is_(False))
        .values(**values, updated_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        await session.refresh(trade)
        raise Conflict(f"Only an open trade can be {action}; this one is {trade.status}")
    await session.refresh(trade)
    return trade


async def update_trade(
    session: AsyncSession, user_id: uuid.UUID, trade_id: uuid.UUID, data: TradeUpdate
) -> Trade:
    trade = await get_trade(session, user_id, trade_id)
    values = put_values(data, Trade)
    if trade.status != "open":
        raise Conflict(f"Only an open trade can be updated; this one is {trade.status}")
    if not values:
        return trade
    return await _transition(session, trade, values, "updated")


async def close_trade(
    session: AsyncSession, user_id: uuid.UUID, trade_id: uuid.UUID, exit_price: Decimal
) -> Trade:
    trade = await get_trade(session, user_id, trade_id)
    if trade.status != "open":
        raise Conflict(f"Only an open trade can be closed; this one is {trade.status}")
    pnl = profit_loss(trade.side, trade.entry_price, exit_price, trade.quantity, trade.leverage)
    values = {"status": "closed", "exit_price": exit_price, "profit_loss": pnl, "closed_at": utcnow()}
    trade = await _transition(session, trade, values, "closed")
    logger.info("user %s closed trade %s", user_id, trade.id)
    return trade


async def cancel_trade(session: AsyncSession, user_id: uuid.UUID, trade_id: uuid.UUID) -> Trade:
    trade = await get_trade(session, user_id, trade_id)
    if trade.status != "open":
        raise Conflict(f"Only an open trade can be cancelled; this one is {trade.status}")
    return await _transition(session, trade, {"status": "cancelled", "closed_at": utcnow()}, "cancelled")


async def delete_trade(session: AsyncSession, user_id: uuid.UUID, trade_id: uuid.UUID) -> None:
    await Owned(TradeRepository(session), user_id).delete(trade_id)


async def trades_opened_today(session: AsyncSession, user_id: uuid.UUID) -> int:
    """Plan-limit counter for `trades_per_day` (UTC day)."""
    midnight = datetime.combine(utcnow().date(), time.min, tzinfo=UTC)
    return await TradeRepository(session).opened_since(user_id, midnight)


async def summarize(
    session: AsyncSession,
    user_id: uuid.UUID,
    *,
    executed_from: datetime | None = None,
    executed_to: datetime | None = None,
) -> TradeSummary:
    repo = TradeRepository(session)
    filters = range_filters(executed_from, executed_to)
    counts = await repo.count_by_status(user_id, filters)
    results = await repo.closed_results(user_id, filters)

    zero = Decimal(0).quantize(QUANTUM)
    by_symbol: dict[str, list[Any]] = defaultdict(lambda: [0, 0, zero])
    by_day: dict[date, list[Any]] = defaultdict(lambda: [0, zero])
    wins = losses = 0
    total = zero
    with localcontext(prec=AMOUNT_PRECISION):  # sums of 31-digit P&Ls stay exact
        for symbol, closed_at, pnl in results:
            won = pnl > 0
            wins += won
            losses += pnl < 0
            total += pnl
            by_symbol[symbol][0] += 1
            by_symbol[symbol][1] += won
            by_symbol[symbol][2] += pnl
            day = closed_at.astimezone(UTC).date()
            by_day[day][0] += 1
            by_day[day][1] += pnl
    closed = len(results)
    return TradeSummary(
        counts=TradeCounts(
            total=sum(counts.values()),
            open=counts.get("open", 0),
            closed=counts.get("closed", 0),
            cancelled=counts.get("cancelled", 0),
        ),
        wins=wins,
        losses=losses,
        win_rate=(Decimal(wins) / closed).quantize(WIN_RATE_QUANTUM, rounding=ROUND_HALF_EVEN)
        if closed
        else None,
        total_profit_loss=total,
        by_symbol=[
            SymbolSummary(symbol=s, closed_trades=n, wins=w, profit_loss=p)
            for s, (n, w, p) in sorted(by_symbol.items())
        ],
        by_day=[DaySummary(date=d, closed_trades=n, profit_loss=p) for d, (n, p) in sorted(by_day.items())],
    )
