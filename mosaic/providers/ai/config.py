"""Which provider, model and key one call uses: settings give the defaults, an agent overrides.

Keys and endpoints always come from settings, never from an agent's `config` (which is returned by
the agents API): letting a catalogue entry choose the base URL would let it send our key anywhere.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal, get_args

from pydantic import SecretStr

from mosaic.core.config import Settings
from mosaic.providers.ai.pricing import ModelPrice

logger = logging.getLogger("mosaic.ai")

ProviderName = Literal["offline", "openai", "openai_compatible", "deepseek", "anthropic"]
PROVIDER_NAMES: tuple[str, ...] = get_args(ProviderName)

OFFLINE_MODEL = "mosaic-offline-1"
ANTHROPIC_BASE_URL = "https://api.anthropic.com/v1"
DEFAULT_MODELS: dict[str, str] = {
    "offline": OFFLINE_MODEL,
    "openai": "gpt-4o-mini",
    "openai_compatible": "gpt-4o-mini",
    "deepseek": "deepseek-chat",
    "anthropic": "claude-sonnet-4-5",
}
# Hard ceilings on what an agent's config may ask for.
MAX_TIMEOUT_SECONDS = 600.0
MAX_RETRIES = 10
MAX_TOKENS_CEILING = 64_000


@dataclass(frozen=True, slots=True)
class AIConfig:
    provider: ProviderName = "offline"
    model: str = OFFLINE_MODEL
    api_key: SecretStr | None = None
    base_url: str | None = None
    timeout: float = 30.0
    max_retries: int = 2
    fallback_to_offline: bool = False
    cache_ttl_seconds: int = 3600
    max_output_chars: int = 100_000
    max_tokens: int = 1024
    temperature: float = 0.2
    price: ModelPrice | None = None

    def __post_init__(self) -> None:
        if self.provider not in PROVIDER_NAMES:
            raise ValueError(f"unknown AI provider {self.provider!r}; expected one of {PROVIDER_NAMES}")

    @classmethod
    def from_settings(
        cls, settings: Settings, *, provider: str | None = None, model: str | None = None
    ) -> AIConfig:
        """Settings defaults for `provider` (AI_PROVIDER when None): its key, endpoint and model."""
        name = _provider_name(provider or settings.AI_PROVIDER)
        if model is None:
            model = settings.AI_MODEL if name == settings.AI_PROVIDER and settings.AI_MODEL else None
        api_key: SecretStr | None
        base_url: str | None
        if name in ("openai", "openai_compatible"):
            api_key, base_url = settings.OPENAI_API_KEY, settings.OPENAI_BASE_URL
        elif name == "deepseek":
            api_key, base_url = settings.DEEPSEEK_API_KEY, settings.DEEPSEEK_BASE_URL
        elif name == "anthropic":
            api_key, base_url = settings.ANTHROPIC_API_KEY, ANTHROPIC_BASE_URL
        else:
            api_key, base_url = None, None
        return cls(
            provider=name,
            model=model or DEFAULT_MODELS[name],
            api_key=api_key,
            base_url=base_url,
            timeout=settings.AI_TIMEOUT_SECONDS,
            max_retries=settings.AI_MAX_RETRIES,
            fallback_to_offline=settings.AI_FALLBACK_TO_OFFLINE,
            cache_ttl_seconds=settings.AI_CACHE_TTL_SECONDS,
            max_output_chars=settings.AI_MAX_OUTPUT_CHARS,
        )

    @classmethod
    def for_agent(
        cls,
        settings: Settings,
        *,
        provider: str,
        model_id: str,
        config: Mapping[str, Any] | None = None,
    ) -> AIConfig:
        """The config for a trading agent (`provider`, `model_id`, `config` of seed 003).

        `config` may tune temperature, max_tokens, timeout, max_retries and fallback_to_offline;
        other keys (prompt settings of the flow, notes) are ignored here, and values of the wrong
        type or range are refused with a ValueError rather than silently sent to the provider.
        """
        base = cls.from_settings(settings, provider=provider, model=model_id)
        return base.with_overrides(config or {})

    def with_overrides(self, options: Mapping[str, Any]) -> AIConfig:
        changes: dict[str, Any] = {}
        if "temperature" in options:
            changes["temperature"] = _number(options, "temperature", 0.0, 2.0)
        if "max_tokens" in options:
            changes["max_tokens"] = int(_number(options, "max_tokens", 1, MAX_TOKENS_CEILING, integer=True))
        if "timeout" in options:
            changes["timeout"] = _number(options, "timeout", 0.001, MAX_TIMEOUT_SECONDS)
        if "max_retries" in options:
            changes["max_retries"] = int(_number(options, "max_retries", 0, MAX_RETRIES, integer=True))
        if "fallback_to_offline" in options:
            value = options["fallback_to_offline"]
            if not isinstance(value, bool):
                raise ValueError("fallback_to_offline must be a boolean")
            changes["fallback_to_offline"] = value
        return dataclasses.replace(self, **changes)

    @property
    def has_key(self) -> bool:
        return self.api_key is not None and bool(self.api_key.get_secret_value())


def _provider_name(value: str) -> ProviderName:
    name = value.strip().lower().replace("-", "_")
    if name not in PROVIDER_NAMES:
        raise ValueError(f"unknown AI provider {value!r}; expected one of {PROVIDER_NAMES}")
    return name  # type: ignore[return-value]


def _number(options: Mapping[str, Any], key: str, low: float, high: float, *, integer: bool = False) -> float:
    value = options[key]
    wrong_type = isinstance(value, bool) or not isinstance(value, int | float)
    if wrong_type or (integer and not isinstance(value, int)):
        raise ValueError(f"{key} must be {'an integer' if integer else 'a number'}")
    if not low <= value <= high:
        raise ValueError(f"{key} must be between {low} and {high}")
    return float(value)
