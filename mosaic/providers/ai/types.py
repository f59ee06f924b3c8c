"""The shapes every AI provider shares: the call protocol, its result and its typed failures.

A failure of the model provider is the gateway's failure, not the client's: errors answer 502
(bad or unusable answer), 503 (no provider configured) or 504 (no answer in time), each with a
stable code, and their messages never carry the upstream body, the prompt or a key.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, ClassVar, Protocol

from mosaic.core.errors import AppError


@dataclass(frozen=True, slots=True)
class Usage:
    """Tokens of one call, as reported by the provider (estimated at ~4 characters a token offline)."""

    prompt_tokens: int = 0
    completion_tokens: int = 0

    @property
    def total_tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens

    @property
    def total(self) -> int:
        return self.total_tokens


@dataclass(frozen=True, slots=True)
class Completion:
    """One answer. `data` is the parsed JSON when a schema was requested (already validated).

    `cost_usd` is what this call spent: 0 for the offline provider, for a cache hit (nothing was
    spent) and for a model missing from the price table. `fallback_from` names the provider that
    failed when the offline provider answered in its place.
    """

    text: str
    usage: Usage
    cost_usd: Decimal
    provider: str
    model: str
    cached: bool = False
    data: Any = None
    fallback_from: str | None = None
    finish_reason: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready record (cost as a string) for flow runs and logs of spend."""
        return {
            "text": self.text,
            "data": self.data,
            "provider": self.provider,
            "model": self.model,
            "cached": self.cached,
            "fallback_from": self.fallback_from,
            "finish_reason": self.finish_reason,
            "prompt_tokens": self.usage.prompt_tokens,
            "completion_tokens": self.usage.completion_tokens,
            "total_tokens": self.usage.total_tokens,
            "cost_usd": str(self.cost_usd),
        }


def parse_usage(raw: Any, prompt_key: str, completion_key: str, provider: str) -> Usage:
    """Usage as reported. Some compatible servers omit it: recorded as 0 tokens, and logged."""
    if raw is None:
        logging.getLogger("mosaic.ai").info("ai %s: response has no usage; recorded as 0 tokens", provider)
        return Usage()
    prompt_tokens = raw.get(prompt_key) if isinstance(raw, dict) else None
    completion_tokens = raw.get(completion_key) if isinstance(raw, dict) else None
    if not isinstance(prompt_tokens, int) or not isinstance(completion_tokens, int):
        raise AIInvalidResponse(details={"provider": provider, "reason": "usage"})
    return Usage(max(0, prompt_tokens), max(0, completion_tokens))


class AIProvider(Protocol):
    """One model call. Providers take every option explicitly; `AIClient` fills defaults."""

    name: str

    async def complete(
        self,
        prompt: str,
        *,
        model: str,
        system: str | None = None,
        json_schema: dict[str, Any] | None = None,
        max_tokens: int,
        temperature: float,
        timeout: float,  # noqa: ASYNC109 - the per-call deadline is part of the protocol
    ) -> Completion: ...


class AIError(AppError):
    """Base of every AI failure; `fallback_to_offline` catches exactly these."""

    status_code: ClassVar[int] = 502
    code: ClassVar[str] = "AI_PROVIDER_ERROR"
    default_message: ClassVar[str] = "The AI provider failed"


class AIProviderError(AIError):
    """The provider answered with something unusable (502)."""


class AIProviderUnavailable(AIProviderError):
    """429/5xx or connection failures outlasted the retries."""

    code = "AI_PROVIDER_UNAVAILABLE"
    default_message = "The AI provider is unavailable"


class AIProviderRejected(AIProviderError):
    """A 4xx other than 408/429: bad key, unknown model, refused request. Retrying cannot help."""

    code = "AI_PROVIDER_REJECTED"
    default_message = "The AI provider rejected the request"


class AIInvalidResponse(AIProviderError):
    """Not JSON, or a required field (content, choices) missing or of the wrong type."""

    code = "AI_INVALID_RESPONSE"
    default_message = "The AI provider returned an invalid response"


class AISchemaViolation(AIProviderError):
    """Structured output that is not JSON or does not validate against the requested schema."""

    code = "AI_SCHEMA_VIOLATION"
    default_message = "The AI output does not match the expected structure"


class AIOutputTooLarge(AIProviderError):
    """Output (or the response body) over `AI_MAX_OUTPUT_CHARS`: never buffered, parsed or stored."""

    code = "AI_OUTPUT_TOO_LARGE"
    default_message = "The AI output exceeds the allowed size"


class AITimeout(AIError):
    """No answer within the configured timeout (504, the gateway-timeout of this package)."""

    status_code = 504
    code = "AI_TIMEOUT"
    default_message = "The AI provider did not answer in time"


class AINotConfigured(AIError):
    """A real provider was selected but its API key is not set (503: an operator must act)."""

    status_code = 503
    code = "AI_NOT_CONFIGURED"
    default_message = "The AI provider is not configured"
