"""AI port: `build_ai_client(config).complete(prompt, ...)` -> `Completion`.

Providers: `offline` (the default: deterministic, no network, answers from the text itself),
`openai` / `openai_compatible` (any OpenAI-style chat completions endpoint), `deepseek` and
`anthropic`. Typical use::

    client = build_ai_client(AIConfig.from_settings(settings))                 # the defaults
    client = build_ai_client(AIConfig.for_agent(settings, provider=agent.provider,
                                                model_id=agent.model_id, config=agent.config))
    quiz = await client.complete(text, system=quiz_prompt_system(5), json_schema=QUIZ_JSON_SCHEMA)
    questions = parse_quiz(quiz.data)
"""

from __future__ import annotations

import asyncio

import httpx

from mosaic.providers.ai.anthropic_messages import AnthropicProvider
from mosaic.providers.ai.cache import CompletionCache, InMemoryTTLCache, SharedCompletionCache, cache_key
from mosaic.providers.ai.client import AIClient, offline_client
from mosaic.providers.ai.config import DEFAULT_MODELS, OFFLINE_MODEL, PROVIDER_NAMES, AIConfig, ProviderName
from mosaic.providers.ai.http import RetryingPoster, Sleep, close_shared_clients
from mosaic.providers.ai.offline import OfflineProvider
from mosaic.providers.ai.openai_compat import OpenAICompatibleProvider
from mosaic.providers.ai.pricing import PRICES, ModelPrice, cost_of, price_for
from mosaic.providers.ai.quiz import QUIZ_JSON_SCHEMA, QuizQuestion, parse_quiz, quiz_prompt_system
from mosaic.providers.ai.text import ClozeQuestion, analyse, generate_quiz, split_sentences
from mosaic.providers.ai.types import (
    AIError,
    AIInvalidResponse,
    AINotConfigured,
    AIOutputTooLarge,
    AIProvider,
    AIProviderError,
    AIProviderRejected,
    AIProviderUnavailable,
    AISchemaViolation,
    AITimeout,
    Completion,
    Usage,
)

__all__ = [
    "DEFAULT_MODELS",
    "OFFLINE_MODEL",
    "PRICES",
    "PROVIDER_NAMES",
    "QUIZ_JSON_SCHEMA",
    "AIClient",
    "AIConfig",
    "AIError",
    "AIInvalidResponse",
    "AINotConfigured",
    "AIOutputTooLarge",
    "AIProvider",
    "AIProviderError",
    "AIProviderRejected",
    "AIProviderUnavailable",
    "AISchemaViolation",
    "AITimeout",
    "AnthropicProvider",
    "ClozeQuestion",
    "Completion",
    "CompletionCache",
    "InMemoryTTLCache",
    "ModelPrice",
    "OfflineProvider",
    "OpenAICompatibleProvider",
    "ProviderName",
    "QuizQuestion",
    "SharedCompletionCache",
    "Usage",
    "analyse",
    "build_ai_client",
    "cache_key",
    "close_shared_clients",
    "cost_of",
    "extract_keywords",
    "generate_quiz",
    "offline_client",
    "parse_quiz",
    "price_for",
    "quiz_prompt_system",
    "split_sentences",
    "summarize",
]

# One per process, shared by every client built without an explicit cache (a later shared cache
# service replaces it by passing `cache=`).
_default_cache = InMemoryTTLCache()


def build_ai_client(
    config: AIConfig,
    *,
    cache: CompletionCache | None = None,
    http_client: httpx.AsyncClient | None = None,
    sleep: Sleep = asyncio.sleep,
) -> AIClient:
    """The client for `config`. Without `http_client` calls go through this process's pooled client
    for the provider (a test may mount a transport instead); `cache` is normally the app's core
    cache (`SharedCompletionCache`); `sleep` is the back-off wait, replaceable so tests never
    really sleep."""
    if config.provider == "offline":
        return AIClient(config, OfflineProvider())
    poster = RetryingPoster(
        provider=config.provider,
        max_retries=config.max_retries,
        max_output_chars=config.max_output_chars,
        client=http_client,
        sleep=sleep,
    )
    base_url = config.base_url or ""
    provider: AIProvider
    if config.provider == "anthropic":
        provider = AnthropicProvider(
            base_url=base_url, api_key=config.api_key, poster=poster, price=config.price
        )
    else:
        provider = OpenAICompatibleProvider(
            name=config.provider,
            base_url=base_url,
            api_key=config.api_key,
            poster=poster,
            json_mode="json_object" if config.provider == "deepseek" else "json_schema",
            price=config.price,
        )
    return AIClient(
        config,
        provider,
        cache=cache if cache is not None else _default_cache,
        endpoint=base_url,
        fallback=OfflineProvider(),
    )


def summarize(text: str, max_sentences: int | None = None) -> str:
    """Extractive summary: the most informative sentences of `text`, in their original order."""
    return analyse(text).summary(max_sentences)


def extract_keywords(text: str, limit: int = 10) -> list[str]:
    """Key terms of `text`, most salient first (proper-noun phrases kept whole)."""
    return analyse(text).keywords(limit)
