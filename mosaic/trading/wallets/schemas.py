"""Wallet catalogue shapes: what an admin writes and what every trader reads."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StrictBool, StringConstraints

from mosaic.trading.common import check_config_size

WalletType = Literal["CEX", "DEX", "Wallet"]
Currency = Annotated[
    str, StringConstraints(strip_whitespace=True, to_upper=True, pattern=r"^[A-Za-z0-9]{1,16}$")
]
Config = Annotated[dict[str, Any], AfterValidator(check_config_size)]


class WalletIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=100, examples=["Binance"])
    type: WalletType = Field(examples=["CEX"])
    provider: str = Field(min_length=1, max_length=64, pattern=r"^[a-z0-9_.-]+$", examples=["binance"])
    supported_currencies: list[Currency] = Field(default_factory=list, max_length=500, examples=[["BTC"]])
    config: Config = Field(default_factory=dict, examples=[{"base_url": "https://api.binance.com"}])
    is_active: StrictBool = True


class WalletUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(default=None, min_length=1, max_length=100)
    type: WalletType | None = None
    provider: str | None = Field(default=None, min_length=1, max_length=64, pattern=r"^[a-z0-9_.-]+$")
    supported_currencies: list[Currency] | None = Field(default=None, max_length=500)
    config: Config | None = None
    is_active: StrictBool | None = None


class WalletSummary(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    name: str = Field(examples=["Binance"])
    type: WalletType
    provider: str = Field(examples=["binance"])


class WalletOut(WalletSummary):
    supported_currencies: list[str] = Field(examples=[["BTC", "ETH", "USDT"]])
    config: dict[str, Any]
    is_active: bool
    is_deleted: bool
    created_at: datetime
    updated_at: datetime
