"""Catalogue of exchange and wallet providers (seed 003 `wallets`)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from mosaic.core.database import Base, JSONType, SoftDelete, Timestamps, UUIDPrimaryKey, unique_among_live


class Wallet(UUIDPrimaryKey, Timestamps, SoftDelete, Base):
    __tablename__ = "wallets"
    __table_args__ = (unique_among_live("uq_wallets_name_live", "name"),)

    name: Mapped[str] = mapped_column(String(100))
    type: Mapped[str] = mapped_column(String(16), index=True)
    provider: Mapped[str] = mapped_column(String(64), index=True)
    supported_currencies: Mapped[list[str]] = mapped_column(JSONType, default=list)
    # Provider-specific, non-secret settings (base URL, network); user secrets live in user_wallets.
    config: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    is_active: Mapped[bool] = mapped_column(default=True, index=True)
