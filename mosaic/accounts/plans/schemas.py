"""Plans and subscriptions as the API shows them."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from mosaic.core.pagination import MAX_SAFE_INTEGER
from mosaic.core.params import AmountInput

# Below a million, in cents: the schema states the rule as a pattern, the parser enforces the same.
Price = Annotated[Decimal, AmountInput(6, positive=False, decimals=2)]

SubscriptionStatus = Literal["pending", "active", "expired", "cancelled"]


class PlanFeature(BaseModel):
    model_config = ConfigDict(extra="forbid")

    resource: str = Field(min_length=1, max_length=64, examples=["agents"])
    title: str = Field(min_length=1, max_length=200, examples=["AI agents"])
    description: str = Field(default="", max_length=1000, examples=["Run flows with AI agents"])


class PlanLimit(PlanFeature):
    value: int = Field(ge=0, le=MAX_SAFE_INTEGER, examples=[3])


class PlanIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=100, examples=["Pro"])
    description: str = Field(default="", max_length=2000, examples=["For active traders"])
    price: Price = Field(examples=["29.00"])
    features: list[PlanFeature] = Field(default_factory=list, max_length=100)
    limits: list[PlanLimit] = Field(default_factory=list, max_length=100)
    duration_days: int | None = Field(default=30, ge=1, le=3660)


class PlanUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(default=None, min_length=1, max_length=100)
    description: str | None = Field(default=None, max_length=2000)
    price: Price | None = None
    features: list[PlanFeature] | None = Field(default=None, max_length=100)
    limits: list[PlanLimit] | None = Field(default=None, max_length=100)
    duration_days: int | None = Field(default=None, ge=1, le=3660)


class PlanOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    name: str = Field(examples=["Free"])
    description: str
    price: Decimal = Field(examples=["0.00"])
    features: list[PlanFeature]
    limits: list[PlanLimit]
    duration_days: int | None
    is_default: bool
    created_at: datetime
    updated_at: datetime


class SubscribeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    plan_id: uuid.UUID


class SubscriptionUpdate(BaseModel):
    """Users may only pause nothing and resurrect nothing: the one change they make is cancelling."""

    model_config = ConfigDict(extra="forbid")

    status: Literal["cancelled"]


class UserPlanOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    plan: PlanOut
    status: SubscriptionStatus
    start_date: datetime
    end_date: datetime | None
    cancel_at_period_end: bool = Field(
        description="Cancelled by the user: stays active until `end_date`, then ends without renewal."
    )
    payment_url: str | None = Field(
        default=None,
        description="Where to pay for a pending paid subscription (only in the answer that created it).",
        examples=["http://127.0.0.1:8000/api/v1/pay/ps_Qm9yZ2V0LW1lLW5vdA"],
    )
    created_at: datetime


class GrantIn(BaseModel):
    """An admin's grant: the plan becomes active at once, without payment."""

    model_config = ConfigDict(extra="forbid")

    plan_id: uuid.UUID
    duration_days: int | None = Field(
        default=None, ge=1, le=3660, description="How long; omitted = the plan's own period.", examples=[30]
    )
