"""Billing as the API shows it: webhook acknowledgements, charges, refunds."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from mosaic.core.params import AmountInput

ChargeStatus = Literal["pending", "paid", "partially_refunded", "refunded", "expired", "cancelled", "failed"]


class WebhookAck(BaseModel):
    provider: Literal["offline", "stripe", "square"] = Field(examples=["stripe"])
    event_id: str = Field(examples=["evt_1QbZ3x2eZvKYlo2C8mJ7f1Aa"])
    type: str = Field(
        description="The normalised event type (checkout_completed, checkout_expired, refunded, ...).",
        examples=["checkout_completed"],
    )
    duplicate: bool = Field(description="True when this event id was received before (nothing done).")


class ChargeOut(BaseModel):
    id: uuid.UUID
    gateway: str = Field(examples=["offline"])
    status: ChargeStatus
    reference: str = Field(examples=["plan_subscription:5b0d7a52-3c1e-4f5e-9a51-2f1f7b0c9d11"])
    purpose: str = Field(examples=["subscribe"])
    description: str = Field(examples=["Pro plan, 30 days"])
    amount: Decimal = Field(examples=["29.00"])
    refunded_amount: Decimal = Field(examples=["0.00"])
    currency: str = Field(examples=["USD"])
    session_id: str | None = Field(examples=["cs_test_a1b2c3"])
    payment_id: str | None = Field(examples=["pi_3QbZ3x2eZvKYlo2C0rDm7Rk1"])
    checkout_url: str | None = Field(examples=["http://127.0.0.1:8000/api/v1/pay/ps_2J9d"])
    expires_at: datetime
    paid_at: datetime | None
    created_at: datetime


class RefundIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    # Three decimals cover every currency's minor unit; finer than the charge's own currency is a
    # 422 AMOUNT_TOO_PRECISE (the charge decides, so the schema can only state the widest rule).
    amount: Annotated[Decimal, AmountInput(6, positive=True, decimals=3)] | None = Field(
        default=None,
        description="The amount to refund (below a million, up to 3 decimals; no finer than the "
        "charge's currency); omitted = everything not yet refunded.",
        examples=["10.00"],
    )
    reason: str = Field(default="", max_length=200, examples=["Customer request"])


class RefundOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    charge_id: uuid.UUID
    provider_refund_id: str = Field(examples=["re_3QbZ3x2eZvKYlo2C1b2c3d4e"])
    amount: Decimal = Field(examples=["10.00"])
    status: Literal["succeeded", "pending"]
    reason: str
    charge: ChargeOut
