"""Configuration, prices, the cache and the error classes of the AI port."""

from __future__ import annotations

import dataclasses
from decimal import Decimal

import pytest
from pydantic import SecretStr

from mosaic.core.config import Settings
from mosaic.core.errors import AppError
from mosaic.providers.ai import (
    AIClient,
    AIConfig,
    AIError,
    AIProviderError,
    AITimeout,
    InMemoryTTLCache,
    ModelPrice,
    OfflineProvider,
    Usage,
    build_ai_client,
    cache_key,
    cost_of,
    price_for,
)
from tests.providers.ai.conftest import ANTHROPIC_KEY, OPENAI_KEY


def test_defaults_are_offline_and_need_no_key():
    config = AIConfig.from_settings(Settings(_env_file=None))  # type: ignore[call-arg]
    assert (config.provider, config.model, config.api_key) == ("offline", "mosaic-offline-1", None)
    assert (config.timeout, config.max_retries, config.fallback_to_offline) == (30.0, 2, False)
    assert (config.cache_ttl_seconds, config.max_output_chars) == (3600, 100_000)
    client = build_ai_client(config)
    assert isinstance(client.provider, OfflineProvider) and client.cache is None


def test_each_provider_takes_its_own_key_endpoint_and_default_model(settings):
    openai = AIConfig.from_settings(settings, provider="openai")
    assert openai.base_url == "https://api.openai.com/v1" and openai.model == "gpt-4o-mini"
    assert openai.api_key is not None and openai.api_key.get_secret_value() == OPENAI_KEY
    anthropic = AIConfig.from_settings(settings, provider="Anthropic")
    assert anthropic.base_url == "https://api.anthropic.com/v1" and anthropic.model == "claude-sonnet-4-5"
    assert anthropic.api_key is not None and anthropic.api_key.get_secret_value() == ANTHROPIC_KEY
    deepseek = AIConfig.from_settings(settings, provider="DeepSeek")
    assert (deepseek.base_url, deepseek.model) == ("https://api.deepseek.com", "deepseek-chat")
    custom = Settings(  # type: ignore[call-arg]
        _env_file=None,
        AI_PROVIDER="openai_compatible",
        AI_MODEL="llama3",
        OPENAI_BASE_URL="http://127.0.0.1:11434/v1",
    )
    assert AIConfig.from_settings(custom).model == "llama3"
    assert AIConfig.from_settings(custom).base_url == "http://127.0.0.1:11434/v1"
    with pytest.raises(ValueError, match="unknown AI provider"):
        AIConfig.from_settings(settings, provider="skynet")


def test_an_agent_overrides_model_and_tuning_but_never_key_or_endpoint(settings):
    config = AIConfig.for_agent(
        settings,
        provider="OpenAI",
        model_id="gpt-4-turbo",
        config={
            "temperature": 0.9,
            "max_tokens": 300,
            "timeout": 5,
            "base_url": "https://evil.example",
            "note": 1,
        },
    )
    assert (config.provider, config.model, config.temperature, config.max_tokens) == (
        "openai",
        "gpt-4-turbo",
        0.9,
        300,
    )
    assert config.timeout == 5.0 and config.base_url == "https://api.openai.com/v1"
    for bad in (
        {"temperature": 5},
        {"temperature": "hot"},
        {"max_tokens": 1.5},
        {"fallback_to_offline": "yes"},
    ):
        with pytest.raises(ValueError):
            AIConfig.for_agent(settings, provider="openai", model_id="gpt-4o", config=bad)


def test_settings_keys_are_secret():
    settings = Settings(_env_file=None, OPENAI_API_KEY=OPENAI_KEY)  # type: ignore[call-arg]
    assert isinstance(settings.OPENAI_API_KEY, SecretStr)
    assert OPENAI_KEY not in repr(settings) and OPENAI_KEY not in str(settings.model_dump())


def test_prices_match_the_longest_model_prefix_and_unknown_models_cost_nothing(caplog):
    usage = Usage(prompt_tokens=1_000_000, completion_tokens=1_000_000)
    assert cost_of("gpt-4o-mini-2024-07-18", usage) == Decimal("0.75")
    assert cost_of("gpt-4o-2024-08-06", usage) == Decimal("12.50")
    assert cost_of("claude-opus-4-5-20251101", usage) == Decimal("30.00")
    assert cost_of("claude-opus-4-1-20250805", usage) == Decimal("90.00")
    assert price_for("gpt-4") is None
    caplog.set_level("INFO", logger="mosaic.ai")
    assert cost_of("my-private-model", usage) == 0
    assert "my-private-model has no price" in caplog.text
    assert cost_of("my-private-model", usage, ModelPrice(Decimal(1), Decimal(2))) == Decimal(3)


async def test_the_cache_expires_entries_and_evicts_the_least_recent():
    now = [0.0]
    cache = InMemoryTTLCache(max_entries=2, clock=lambda: now[0])
    await cache.set("a", "1", 10)
    await cache.set("b", "2", 100)
    assert await cache.get("a") == "1"  # a is now the most recent
    await cache.set("c", "3", 100)
    assert await cache.get("b") is None and await cache.get("a") == "1"
    now[0] = 11.0
    assert await cache.get("a") is None and await cache.get("c") == "3"
    await cache.set("d", "4", 0)
    assert await cache.get("d") is None


def test_the_cache_key_covers_every_input_that_shapes_the_answer():
    base = {
        "provider": "openai",
        "endpoint": "https://api.openai.com/v1",
        "model": "gpt-4o",
        "system": "s",
        "prompt": "p",
        "json_schema": {"type": "object"},
        "max_tokens": 10,
        "temperature": 0.2,
    }
    key = cache_key(**base)  # type: ignore[arg-type]
    assert key.startswith("ai:complete:openai:gpt-4o:")
    for field, value in [
        ("endpoint", "http://x"),
        ("system", None),
        ("prompt", "q"),
        ("json_schema", None),
        ("max_tokens", 11),
        ("temperature", 0.3),
    ]:
        assert cache_key(**{**base, field: value}) != key  # type: ignore[arg-type]


def test_errors_map_to_gateway_statuses():
    assert issubclass(AIError, AppError) and issubclass(AIProviderError, AIError)
    assert (AIProviderError.status_code, AIProviderError.code) == (502, "AI_PROVIDER_ERROR")
    assert (AITimeout.status_code, AITimeout.code) == (504, "AI_TIMEOUT")


async def test_an_invalid_schema_is_the_callers_bug():
    client = AIClient(AIConfig(), OfflineProvider())
    with pytest.raises(ValueError, match="invalid json_schema"):
        await client.complete("text", json_schema={"type": "no-such-type"})


def test_config_repr_hides_the_key(settings):
    config = dataclasses.replace(AIConfig(), api_key=SecretStr(OPENAI_KEY))
    assert OPENAI_KEY not in repr(config)
