"""A user's connection to a catalogue wallet (seed 003 `user_wallets`).

`credentials_encrypted` is an AES-GCM token (see `crypto`), never plaintext; it is wiped when
the connection is deleted, so soft-deleted rows keep no usable secret. `credentials_key_id`
names the key that sealed it, so rotation finds the rows still under an old key.
"""

from __future__ import annotations

import uuid
from decimal import Decimal

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from mosaic.core.database import Base, SoftDelete, Timestamps, UUIDPrimaryKey
from mosaic.core.money import Amount
from mosaic.trading.wallets.models import Wallet


class UserWallet(UUIDPrimaryKey, Timestamps, SoftDelete, Base):
    __tablename__ = "user_wallets"

    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    wallet_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("wallets.id", ondelete="RESTRICT"), index=True)
    credentials_encrypted: Mapped[str | None] = mapped_column(Text, default=None)
    credentials_key_id: Mapped[str | None] = mapped_column(String(16), default=None, index=True)
    # Cached balance, written by the server (exchange sync), never by the client.
    balance: Mapped[Decimal] = mapped_column(Amount(30, 8), default=Decimal("0.00000000"))
    is_active: Mapped[bool] = mapped_column(default=True, index=True)

    wallet: Mapped[Wallet] = relationship(lazy="joined")
