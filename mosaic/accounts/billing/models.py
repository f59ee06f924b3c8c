"""Charges (one per checkout, any gateway) and their refunds.

Amounts are integers in the currency's minor unit, as the gateways speak them, so sums for
payouts (captured minus refunded) are exact in SQL on both backends; the API shows decimals.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from mosaic.core.database import Base, Timestamps, UTCDateTime, UUIDPrimaryKey
from mosaic.core.money import CurrencyColumn


class Charge(UUIDPrimaryKey, Timestamps, Base):
    __tablename__ = "charges"
    __table_args__ = (
        UniqueConstraint("gateway", "session_id", name="uq_charges_gateway_session_id"),
        Index("ix_charges_reference", "reference_kind", "reference_id"),
    )

    gateway: Mapped[str] = mapped_column(String(16))
    # pending | paid | partially_refunded | refunded | expired | cancelled | failed (see service.status_of)
    status: Mapped[str] = mapped_column(String(24), default="pending", index=True)
    # How the checkout itself ended when nobody paid: open | expired | cancelled | failed.
    checkout_state: Mapped[str] = mapped_column(String(16), default="open")
    reference_kind: Mapped[str] = mapped_column(String(64))
    reference_id: Mapped[str] = mapped_column(String(64))
    # What this payment is within its reference ("subscribe", "renewal", "booking").
    purpose: Mapped[str] = mapped_column(String(32), default="")
    description: Mapped[str] = mapped_column(String(200))
    user_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), default=None, index=True
    )
    amount_minor: Mapped[int] = mapped_column(BigInteger)
    refunded_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    currency: Mapped[str] = mapped_column(CurrencyColumn())
    session_id: Mapped[str | None] = mapped_column(String(255), default=None)
    payment_id: Mapped[str | None] = mapped_column(String(255), default=None, index=True)
    order_id: Mapped[str | None] = mapped_column(String(255), default=None, index=True)
    checkout_url: Mapped[str | None] = mapped_column(Text, default=None)
    success_url: Mapped[str] = mapped_column(Text)
    cancel_url: Mapped[str] = mapped_column(Text)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    paid_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    # Set when the payment arrived after `expires_at` (the reference's handler decides what follows).
    paid_late: Mapped[bool] = mapped_column(default=False)
    # The seller's own gateway account the money went to (a studio's Square merchant id), or None
    # when the platform's account took it. Refunds then need the seller's token, and payouts skip
    # the charge (the seller already holds the money; the platform's fee was the gateway app fee).
    merchant_id: Mapped[str | None] = mapped_column(String(64), default=None, index=True)


class ChargeRefund(UUIDPrimaryKey, Timestamps, Base):
    __tablename__ = "charge_refunds"
    __table_args__ = (
        UniqueConstraint("charge_id", "provider_refund_id", name="uq_charge_refunds_provider_id"),
    )

    charge_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("charges.id", ondelete="CASCADE"), index=True)
    provider_refund_id: Mapped[str] = mapped_column(String(255))
    amount_minor: Mapped[int] = mapped_column(BigInteger)
    # succeeded | pending (a pending refund counts once the provider's webhook confirms it)
    status: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str] = mapped_column(String(200), default="")
