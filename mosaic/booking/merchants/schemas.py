"""Square connection and Stripe account shapes (tokens never leave the server)."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field


class SquareConnectOut(BaseModel):
    authorize_url: str = Field(
        description="Send the owner's browser here; Square comes back to the OAuth callback.",
        examples=[
            "https://connect.squareupsandbox.com/oauth2/authorize?client_id=sandbox-sq0idb-abc"
            "&scope=MERCHANT_PROFILE_READ+PAYMENTS_WRITE&session=false&state=eyJhbGciOi..."
        ],
    )
    expires_at: datetime = Field(description="The state in the URL is refused after this.")


class SquareLocationOut(BaseModel):
    id: str = Field(examples=["L88917AVBK2S5"], description="Square's location id.")
    name: str = Field(examples=["Blue Room Lisbon"])
    status: str = Field(examples=["ACTIVE"])
    currency: str | None = Field(examples=["EUR"])
    country: str | None = Field(examples=["PT"])


class SquareStatusOut(BaseModel):
    company_id: uuid.UUID
    connected: bool
    merchant_id: str | None = Field(examples=["MLQW2DD2QGNCX"])
    expires_at: datetime | None = Field(description="When the current access token expires (renewed before).")
    refreshed_at: datetime | None
    refresh_error: str | None = Field(description="Why the last renewal failed, if it did.")
    location_id: str | None = Field(
        examples=["L88917AVBK2S5"], description="The location that takes this company's payments."
    )
    locations: list[SquareLocationOut]
    takes_payments: bool = Field(
        description="True when checkouts for this company's bookings are paid into its Square account."
    )


class SquareLocationIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    location_id: str = Field(
        min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_-]+$", examples=["L88917AVBK2S5"]
    )


class StripeAccountIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    stripe_account_id: str | None = Field(
        max_length=64,
        pattern=r"^acct_[A-Za-z0-9]{1,59}$",
        examples=["acct_1QbZ3x2eZvKYlo2C"],
        description="The company's Stripe Connect account; null removes it (payouts become manual).",
    )


class StripeAccountOut(BaseModel):
    company_id: uuid.UUID
    stripe_account_id: str | None = Field(examples=["acct_1QbZ3x2eZvKYlo2C"])
