"""Trade queries beyond the generic repository: the summary's aggregates and the daily count."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal

from sqlalchemy import ColumnElement, func, select

from mosaic.core.repository import Repository
from mosaic.trading.trades.models import Trade


class TradeRepository(Repository[Trade]):
    model = Trade
    label = "Trade"
    owner_field = "user_id"
    sortable = frozenset(
        {
            "created_at",
            "updated_at",
            "executed_at",
            "closed_at",
            "symbol",
            "side",
            "status",
            "entry_price",
            "quantity",
            "profit_loss",
        }
    )
    default_sort = "-executed_at"

    async def count_by_status(
        self, user_id: uuid.UUID, filters: Sequence[ColumnElement[bool]]
    ) -> dict[str, int]:
        where = self.conditions(owner_id=user_id, filters=filters)
        rows = await self.session.execute(
            select(Trade.status, func.count()).where(*where).group_by(Trade.status)
        )
        return {status: int(count) for status, count in rows.all()}

    async def closed_results(
        self, user_id: uuid.UUID, filters: Sequence[ColumnElement[bool]]
    ) -> list[tuple[str, datetime, Decimal]]:
        """(symbol, closed_at, profit_loss) of closed trades.

        Per row: the summary groups them by symbol and by UTC day, and the day of a timestamp is
        computed in Python so that it is the same on both backends.
        """
        where = self.conditions(owner_id=user_id, filters=[*filters, Trade.status == "closed"])
        rows = await self.session.execute(
            select(Trade.symbol, Trade.closed_at, Trade.profit_loss).where(*where).order_by(Trade.closed_at)
        )
        return [
            (symbol, closed_at, pnl)
            for symbol, closed_at, pnl in rows.all()
            if pnl is not None and closed_at is not None
        ]

    async def opened_since(self, user_id: uuid.UUID, since: datetime) -> int:
        """Trades opened since `since`, deleted ones included: deleting must not reset a daily quota."""
        statement = select(func.count()).where(Trade.user_id == user_id, Trade.executed_at >= since)
        return int((await self.session.execute(statement)).scalar_one())
