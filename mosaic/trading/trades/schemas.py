"""Trade shapes. Money and quantities are Decimals, serialised as fixed-scale strings ("65000.50000000").

Clients may send numbers or strings; strings avoid binary floating point on their side.
"""

from __future__ import annotations

import datetime as dt
import uuid
from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from mosaic.trading.common import DecimalString, PositiveAmount

Side = Literal["buy", "sell"]
TradeType = Literal["crypto", "forex"]
TradeStatus = Literal["open", "closed", "cancelled"]
Symbol = Annotated[
    str,
    StringConstraints(strip_whitespace=True, to_upper=True, pattern=r"^[A-Za-z0-9]{1,20}/[A-Za-z0-9]{1,20}$"),
]
Price = Annotated[PositiveAmount, Field(examples=["65000.50"])]
Quantity = Annotated[PositiveAmount, Field(examples=["0.25"])]
Leverage = Annotated[int, Field(ge=1, le=125, examples=[1])]


class TradeIn(BaseModel):
    """Open a trade. Status, P&L, exit and timestamps are the server's."""

    model_config = ConfigDict(extra="forbid")

    symbol: Symbol = Field(examples=["BTC/USDT"])
    side: Side
    trade_type: TradeType = "crypto"
    entry_price: Price
    quantity: Quantity
    leverage: Leverage = 1
    flow_id: uuid.UUID | None = Field(default=None, description="The flow that opened it: one of my flows.")
    agent_id: uuid.UUID | None = Field(default=None, description="An active catalogue agent.")


class TradeUpdate(BaseModel):
    """Corrections while the trade is open; symbol, side and type make it a different trade."""

    model_config = ConfigDict(extra="forbid")

    entry_price: Price | None = None
    quantity: Quantity | None = None
    leverage: Leverage | None = None


class TradeClose(BaseModel):
    model_config = ConfigDict(extra="forbid")

    exit_price: Price


class TradeOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    flow_id: uuid.UUID | None
    agent_id: uuid.UUID | None
    trade_type: TradeType
    symbol: str = Field(examples=["BTC/USDT"])
    side: Side
    entry_price: DecimalString = Field(examples=["65000.00000000"])
    exit_price: DecimalString | None = Field(examples=["66000.00000000"])
    quantity: DecimalString = Field(examples=["0.50000000"])
    leverage: int
    profit_loss: DecimalString | None = Field(examples=["500.00000000"])
    status: TradeStatus
    executed_at: datetime
    closed_at: datetime | None
    created_at: datetime
    updated_at: datetime


class TradeCounts(BaseModel):
    total: int
    open: int
    closed: int
    cancelled: int


class SymbolSummary(BaseModel):
    symbol: str = Field(examples=["BTC/USDT"])
    closed_trades: int
    wins: int
    profit_loss: DecimalString = Field(examples=["1250.00000000"])


class DaySummary(BaseModel):
    date: dt.date = Field(description="UTC date the trades were closed on.")
    closed_trades: int
    profit_loss: DecimalString = Field(examples=["-120.50000000"])


class TradeSummary(BaseModel):
    counts: TradeCounts
    wins: int = Field(description="Closed trades with a positive P&L.")
    losses: int = Field(description="Closed trades with a negative P&L.")
    win_rate: DecimalString | None = Field(
        description="wins / closed trades, 0 to 1 with 4 decimals; null with no closed trade.",
        examples=["0.6667"],
    )
    total_profit_loss: DecimalString = Field(examples=["1129.50000000"])
    by_symbol: list[SymbolSummary]
    by_day: list[DaySummary]
