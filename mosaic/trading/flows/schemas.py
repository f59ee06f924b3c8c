"""Flow and run shapes. The owner, status of a new flow, last run and every run field are the server's."""

from __future__ import annotations

import json
import uuid
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints

from mosaic.core.pagination import MAX_SAFE_INTEGER
from mosaic.providers.ai import AIConfig
from mosaic.trading.common import DecimalString, check_config_size

FlowStatus = Literal["active", "paused", "stopped"]
RunStatus = Literal["queued", "running", "succeeded", "failed"]

MAX_STEPS = 20
MAX_SYSTEM_CHARS = 8_000
MAX_INPUT_BYTES = 32 * 1024
MAX_INPUT_KEYS = 50
MAX_INPUT_VALUE_CHARS = 20_000
STEP_CONFIG_EXAMPLE = {"temperature": 0.2, "max_tokens": 512, "system": "You are a trading analyst."}


def check_step_config(value: dict[str, Any]) -> dict[str, Any]:
    """Refuse at save time what would only fail at run time: bad model options, a non-text system."""
    check_config_size(value)
    system = value.get("system")
    if system is not None and (not isinstance(system, str) or len(system) > MAX_SYSTEM_CHARS):
        raise ValueError(f"system must be text of at most {MAX_SYSTEM_CHARS} characters")
    AIConfig().with_overrides(value)  # raises ValueError naming the option
    return value


StepConfig = Annotated[dict[str, Any], AfterValidator(check_step_config)]


class FlowStep(BaseModel):
    model_config = ConfigDict(extra="forbid")

    step: int = Field(ge=0, le=1000, description="Execution order (ascending; unique in the flow).")
    prompt_id: uuid.UUID = Field(description="A public prompt template or one of my private prompts.")
    agent_id: uuid.UUID = Field(description="An active catalogue agent.")
    config: StepConfig = Field(
        default_factory=dict,
        description="Overrides of the agent's options for this step: temperature, max_tokens, timeout, "
        "max_retries, fallback_to_offline; `system` sets a system prompt. Other keys are kept, unused.",
        examples=[STEP_CONFIG_EXAMPLE],
    )


def ordered_steps(steps: list[FlowStep]) -> list[FlowStep]:
    """Steps in execution order; a repeated number is the service's 400 (`unique_step_numbers`),
    since the schema cannot state uniqueness of one field across items. The sort is stable, so
    the first of two equal numbers stays first."""
    return sorted(steps, key=lambda s: s.step)


Steps = Annotated[list[FlowStep], Field(min_length=1, max_length=MAX_STEPS), AfterValidator(ordered_steps)]


class FlowIn(BaseModel):
    """Create a flow; it starts `active`. Status changes go through `PUT`."""

    model_config = ConfigDict(extra="forbid")

    title: str = Field(min_length=1, max_length=200, examples=["BTC morning brief"])
    description: str = Field(default="", max_length=2000)
    steps: Steps


class FlowUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: str | None = Field(default=None, min_length=1, max_length=200)
    description: str | None = Field(default=None, max_length=2000)
    steps: Steps | None = None
    status: FlowStatus | None = Field(default=None, description="Only an `active` flow can be run.")


class FlowOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    title: str
    description: str
    steps: list[FlowStep]
    status: FlowStatus
    last_run_at: datetime | None
    created_at: datetime
    updated_at: datetime


# Numbers a template may receive: bounded like every numeric input, to what JSON clients read exactly.
_Integer = Annotated[int, Field(ge=-MAX_SAFE_INTEGER, le=MAX_SAFE_INTEGER)]
_Number = Annotated[float, Field(ge=-MAX_SAFE_INTEGER, le=MAX_SAFE_INTEGER, allow_inf_nan=False)]
InputValue = str | _Integer | _Number | bool | None
# An ASCII identifier: `{name}` in a prompt template; declared so clients see the rule.
VariableName = Annotated[str, StringConstraints(pattern=r"^[A-Za-z_][A-Za-z0-9_]{0,63}$")]


def check_run_input(value: dict[VariableName, InputValue]) -> dict[VariableName, InputValue]:
    if len(value) > MAX_INPUT_KEYS:
        raise ValueError(f"at most {MAX_INPUT_KEYS} variables")
    for key, item in value.items():
        if key == "previous_output":
            raise ValueError("previous_output is set by the run, not by its input")
        if isinstance(item, str) and len(item) > MAX_INPUT_VALUE_CHARS:
            raise ValueError(f"{key} is longer than {MAX_INPUT_VALUE_CHARS} characters")
    if len(json.dumps(value)) > MAX_INPUT_BYTES:
        raise ValueError(f"input is larger than {MAX_INPUT_BYTES} bytes")
    return value


class FlowRunIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    input: Annotated[dict[VariableName, InputValue], AfterValidator(check_run_input)] = Field(
        default_factory=dict,
        json_schema_extra={"additionalProperties": False, "maxProperties": MAX_INPUT_KEYS},
        description="Template variables: `{name}` in a step's prompt is replaced by `input[name]`. "
        "`input` (else `text`) is also the first step's `{previous_output}`.",
        examples=[{"symbol": "BTC/USDT", "input": "Bitcoin rose 4% overnight on ETF inflows."}],
    )


class StepTokens(BaseModel):
    prompt: int
    completion: int
    total: int


class FlowRunStep(BaseModel):
    step: int
    prompt_id: uuid.UUID
    agent_id: uuid.UUID
    input: str = Field(description="The rendered prompt sent to the agent.")
    output: str | None
    tokens: StepTokens
    cost_usd: str = Field(examples=["0.00012000"])
    duration_ms: int
    error: str | None = Field(examples=[None])
    error_code: str | None = Field(default=None, examples=["AI_TIMEOUT"])


class FlowRunOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    flow_id: uuid.UUID
    status: RunStatus
    input: dict[str, Any]
    steps: list[FlowRunStep]
    total_tokens: int
    total_cost_usd: DecimalString = Field(examples=["0.00012000"])
    error: str | None
    started_at: datetime | None
    finished_at: datetime | None
    created_at: datetime
    updated_at: datetime
