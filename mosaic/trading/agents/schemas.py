"""Agent catalogue shapes. `cost_per_call` is a Decimal, serialised as a string."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StrictBool, StringConstraints

from mosaic.core.params import AmountInput
from mosaic.trading.common import DecimalString, check_config_size

AgentProvider = Literal["offline", "openai", "anthropic", "deepseek", "openai_compatible"]
Capability = Annotated[
    str, StringConstraints(strip_whitespace=True, to_lower=True, pattern=r"^[A-Za-z0-9_-]{1,32}$")
]
Config = Annotated[dict[str, Any], AfterValidator(check_config_size)]
# Below a million per call (6 integer digits), so the schema can state the limit as a pattern.
Cost = Annotated[Decimal, AmountInput(6, positive=False)]


class AgentIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=100, examples=["Claude Sonnet"])
    provider: AgentProvider = Field(examples=["anthropic"])
    model_id: str = Field(min_length=1, max_length=128, pattern=r"^[\w.:/-]+$", examples=["claude-sonnet-4"])
    capabilities: list[Capability] = Field(default_factory=list, max_length=50, examples=[["analysis"]])
    cost_per_call: Cost = Field(default=Decimal("0.00000000"), examples=["0.0150"])
    config: Config = Field(default_factory=dict, examples=[{"temperature": 0.2}])
    is_active: StrictBool = True


class AgentUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(default=None, min_length=1, max_length=100)
    provider: AgentProvider | None = None
    model_id: str | None = Field(default=None, min_length=1, max_length=128, pattern=r"^[\w.:/-]+$")
    capabilities: list[Capability] | None = Field(default=None, max_length=50)
    cost_per_call: Cost | None = None
    config: Config | None = None
    is_active: StrictBool | None = None


class AgentOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    name: str = Field(examples=["Claude Sonnet"])
    provider: AgentProvider
    model_id: str = Field(examples=["claude-sonnet-4"])
    capabilities: list[str]
    cost_per_call: DecimalString = Field(examples=["0.01500000"])
    config: dict[str, Any]
    is_active: bool
    is_deleted: bool
    created_at: datetime
    updated_at: datetime
