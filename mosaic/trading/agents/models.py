"""Catalogue of AI agents (seed 003 `agents`): provider, model and price per call."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from mosaic.core.database import Base, JSONType, SoftDelete, Timestamps, UUIDPrimaryKey, unique_among_live
from mosaic.core.money import Amount


class Agent(UUIDPrimaryKey, Timestamps, SoftDelete, Base):
    __tablename__ = "agents"
    __table_args__ = (unique_among_live("uq_agents_name_live", "name"),)

    name: Mapped[str] = mapped_column(String(100))
    provider: Mapped[str] = mapped_column(String(32), index=True)
    model_id: Mapped[str] = mapped_column(String(128))
    capabilities: Mapped[list[str]] = mapped_column(JSONType, default=list)
    cost_per_call: Mapped[Decimal] = mapped_column(Amount(18, 8), default=Decimal("0.00000000"))
    # Model options (temperature, max tokens). Provider API keys come from settings, never from here.
    config: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    is_active: Mapped[bool] = mapped_column(default=True, index=True)
