"""Connected-wallet shapes. Credentials go in as `SecretStr` and come out masked only."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, SecretStr, StrictBool, StringConstraints

from mosaic.trading.common import DecimalString
from mosaic.trading.wallets.schemas import WalletSummary

CredentialName = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{0,63}$")]
CredentialValue = Annotated[SecretStr, Field(min_length=1, max_length=4096)]
Credentials = Annotated[
    dict[CredentialName, CredentialValue],
    Field(
        min_length=1,
        max_length=20,
        description="API key, secret, passphrase, address...; stored encrypted, returned masked.",
        # Only names matching the pattern: the schema says so, as the server does.
        json_schema_extra={"additionalProperties": False},
        examples=[{"api_key": "AKIA-EXAMPLE-1234", "api_secret": "s3cr3t-example-abcd"}],
    ),
]


class UserWalletIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    wallet_id: uuid.UUID
    credentials: Credentials
    is_active: StrictBool = True


class UserWalletUpdate(BaseModel):
    """`credentials` replaces the whole set; balance is the server's and not accepted."""

    model_config = ConfigDict(extra="forbid")

    credentials: Credentials | None = None
    is_active: StrictBool | None = None


class UserWalletOut(BaseModel):
    id: uuid.UUID
    wallet: WalletSummary
    masked_credentials: dict[str, str] | None = Field(
        description="Each credential masked to its last 4 characters (fully masked when short); "
        "null when the stored credentials cannot be decrypted and must be entered again.",
        examples=[{"api_key": "****1234", "api_secret": "****abcd"}],
    )
    credentials_readable: bool
    balance: DecimalString = Field(examples=["0.00000000"])
    is_active: bool
    created_at: datetime
    updated_at: datetime
