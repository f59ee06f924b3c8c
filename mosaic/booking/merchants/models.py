"""Seed 002's `SquareToken` and `SquareLocation`: a company's connected Square account.

Tokens are sealed with the core secret box (AES-GCM), bound to their row, company, merchant and
field (see `service.token_aad`), so a token copied onto another row or field does not open; each
token column has its own key-id column so `mosaic rotate-keys` re-seals them independently.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from mosaic.core.database import Base, Timestamps, UTCDateTime, UUIDPrimaryKey


class SquareToken(UUIDPrimaryKey, Timestamps, Base):
    __tablename__ = "square_tokens"

    company_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("companies.id", ondelete="CASCADE"), unique=True, index=True
    )
    merchant_id: Mapped[str] = mapped_column(String(64), index=True)
    access_token: Mapped[str] = mapped_column(Text)
    access_token_key_id: Mapped[str] = mapped_column(String(16))
    refresh_token: Mapped[str] = mapped_column(Text)
    refresh_token_key_id: Mapped[str] = mapped_column(String(16))
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    connected_by: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), default=None
    )
    # The Square location that takes this company's payments (one of its `SquareLocation`s).
    location_id: Mapped[str | None] = mapped_column(String(64), default=None)
    refreshed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    # Why the last refresh failed (Square's error code), cleared by the next success.
    refresh_error: Mapped[str | None] = mapped_column(String(200), default=None)


class SquareLocation(UUIDPrimaryKey, Timestamps, Base):
    __tablename__ = "square_locations"
    __table_args__ = (
        UniqueConstraint("company_id", "square_location_id", name="uq_square_locations_company_location"),
    )

    company_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("companies.id", ondelete="CASCADE"), index=True)
    square_location_id: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(255))
    status: Mapped[str] = mapped_column(String(16))  # ACTIVE | INACTIVE (Square's)
    currency: Mapped[str | None] = mapped_column(String(3), default=None)
    country: Mapped[str | None] = mapped_column(String(2), default=None)
