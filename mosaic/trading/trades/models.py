"""A user's trade (seed 003 `user_trades`): opened, then closed with an exit price or cancelled."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal

from sqlalchemy import ForeignKey, Index, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from mosaic.core.database import Base, SoftDelete, Timestamps, UTCDateTime, UUIDPrimaryKey
from mosaic.core.money import Amount

PRICE = Amount(20, 8)


class Trade(UUIDPrimaryKey, Timestamps, SoftDelete, Base):
    __tablename__ = "trades"
    __table_args__ = (Index("ix_trades_user_id_executed_at", "user_id", "executed_at"),)

    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    # Loose reference: flows arrive in a later module, which adds the foreign key and its check.
    flow_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, default=None, index=True)
    agent_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("agents.id", ondelete="SET NULL"), default=None, index=True
    )
    trade_type: Mapped[str] = mapped_column(String(16))
    symbol: Mapped[str] = mapped_column(String(41), index=True)
    side: Mapped[str] = mapped_column(String(4))
    entry_price: Mapped[Decimal] = mapped_column(PRICE)
    exit_price: Mapped[Decimal | None] = mapped_column(PRICE, default=None)
    quantity: Mapped[Decimal] = mapped_column(PRICE)
    leverage: Mapped[int] = mapped_column(default=1)
    profit_loss: Mapped[Decimal | None] = mapped_column(Amount(40, 8), default=None)
    status: Mapped[str] = mapped_column(String(16), default="open", index=True)
    executed_at: Mapped[datetime] = mapped_column(UTCDateTime())
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
