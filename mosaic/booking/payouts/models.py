"""Seed 002's `Payout`, and the lines that tie each charge to the payout that counted it.

Amounts are integers in the currency's minor unit, like charges, so the sums are exact. A charge's
capture is counted in exactly one payout (the partial unique index `uq_payout_lines_capture`);
a refund made after that payout is a later line with `captured_minor = 0`, counted in the next one.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal

from sqlalchemy import BigInteger, ForeignKey, Index, Numeric, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from mosaic.core.database import Base, Timestamps, UTCDateTime, UUIDPrimaryKey, utcnow
from mosaic.core.money import CurrencyColumn

PAYOUT_STATUSES = ("pending", "paid", "manual", "failed")


class Payout(UUIDPrimaryKey, Timestamps, Base):
    __tablename__ = "payouts"
    __table_args__ = (
        UniqueConstraint("company_id", "currency", "period_end", name="uq_payouts_company_currency_period"),
        Index("ix_payouts_status_created", "status", "created_at"),
    )

    company_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("companies.id"), index=True)
    currency: Mapped[str] = mapped_column(CurrencyColumn())
    period_start: Mapped[datetime] = mapped_column(UTCDateTime())
    period_end: Mapped[datetime] = mapped_column(UTCDateTime())
    gross_minor: Mapped[int] = mapped_column(BigInteger)
    refunds_minor: Mapped[int] = mapped_column(BigInteger)
    fee_minor: Mapped[int] = mapped_column(BigInteger)
    net_minor: Mapped[int] = mapped_column(BigInteger)
    fee_percent: Mapped[Decimal] = mapped_column(Numeric(5, 2))
    # pending (not yet sent or the transfer is in flight) | paid | manual (an operator pays) | failed
    status: Mapped[str] = mapped_column(String(16), default="pending")
    gateway: Mapped[str] = mapped_column(String(16))
    destination: Mapped[str | None] = mapped_column(String(64), default=None)
    transfer_id: Mapped[str | None] = mapped_column(String(255), default=None)
    failure: Mapped[str | None] = mapped_column(String(200), default=None)
    paid_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    marked_paid_by: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), default=None
    )
    note: Mapped[str] = mapped_column(String(200), default="")


class PayoutLine(UUIDPrimaryKey, Base):
    __tablename__ = "payout_lines"
    __table_args__ = (
        Index(
            "uq_payout_lines_capture",
            "charge_id",
            unique=True,
            postgresql_where=text("captured_minor > 0"),
            sqlite_where=text("captured_minor > 0"),
        ),
    )

    payout_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("payouts.id", ondelete="CASCADE"), index=True)
    charge_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("charges.id"), index=True)
    captured_minor: Mapped[int] = mapped_column(BigInteger)
    refunded_minor: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
