"""Payout shapes: decimals in the payout's currency (stored as minor units)."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from mosaic.booking.payouts.models import Payout
from mosaic.core.money import from_minor_units

PayoutStatus = Literal["pending", "paid", "manual", "failed"]


class PayoutOut(BaseModel):
    id: uuid.UUID
    company_id: uuid.UUID
    period_start: datetime
    period_end: datetime
    currency: str = Field(examples=["EUR"])
    gross: Decimal = Field(examples=["1200.00"], description="Captured booking payments counted here.")
    refunds: Decimal = Field(
        examples=["80.00"], description="Refunds counted here (also of earlier payouts' charges)."
    )
    fee: Decimal = Field(
        examples=["112.00"], description="The platform's fee: PLATFORM_FEE_PERCENT of gross - refunds."
    )
    net: Decimal = Field(examples=["1008.00"], description="What the company is paid: gross - refunds - fee.")
    fee_percent: Decimal = Field(examples=["10.00"])
    status: PayoutStatus
    gateway: str = Field(examples=["stripe"])
    destination: str | None = Field(examples=["acct_1QbZ3x2eZvKYlo2C"])
    transfer_id: str | None = Field(examples=["tr_1QbZ3x2eZvKYlo2CkT0lq1Xh"])
    failure: str | None
    paid_at: datetime | None
    note: str = Field(examples=[""])
    created_at: datetime

    @classmethod
    def of(cls, payout: Payout) -> PayoutOut:
        def money(minor: int) -> Decimal:
            return from_minor_units(minor, payout.currency)

        return cls(
            id=payout.id,
            company_id=payout.company_id,
            period_start=payout.period_start,
            period_end=payout.period_end,
            currency=payout.currency,
            gross=money(payout.gross_minor),
            refunds=money(payout.refunds_minor),
            fee=money(payout.fee_minor),
            net=money(payout.net_minor),
            fee_percent=payout.fee_percent,
            status=payout.status,
            gateway=payout.gateway,
            destination=payout.destination,
            transfer_id=payout.transfer_id,
            failure=payout.failure,
            paid_at=payout.paid_at,
            note=payout.note,
            created_at=payout.created_at,
        )


class MarkPaidIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    note: str = Field(default="", max_length=200, examples=["Bank transfer 2026-12-07"])
    reference: str | None = Field(
        default=None, max_length=255, examples=["SEPA-20261207-0042"], description="The transfer's reference."
    )


class PayoutRunOut(BaseModel):
    until: datetime
    created: int = Field(description="Payouts created by this run.")
