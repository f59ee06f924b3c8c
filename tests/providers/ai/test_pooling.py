"""One pooled HTTP client per provider per process, closed at shutdown; answers in the core cache."""

from __future__ import annotations

import dataclasses

import httpx
import pytest
import respx

from mosaic.core.cache import MemoryCache
from mosaic.providers.ai import AIConfig, SharedCompletionCache, build_ai_client, cache_key
from mosaic.providers.ai import http as ai_http
from tests.providers.ai.test_openai import URL, chat_completion

ANTHROPIC_URL = "https://api.anthropic.com/v1/messages"


@pytest.fixture
def constructed(monkeypatch) -> list[httpx.AsyncClient]:
    """Every httpx client the AI HTTP layer builds."""
    built: list[httpx.AsyncClient] = []
    real = httpx.AsyncClient

    def counting(*args, **kwargs):
        client = real(*args, **kwargs)
        built.append(client)
        return client

    monkeypatch.setattr(httpx, "AsyncClient", counting)
    return built


async def _no_sleep(_: float) -> None:
    return None


@respx.mock
async def test_calls_and_retries_share_one_pooled_client_per_provider(settings, constructed):
    await ai_http.close_shared_clients()
    route = respx.post(URL).mock(
        side_effect=[
            httpx.Response(503),
            httpx.Response(200, json=chat_completion()),
            *(httpx.Response(200, json=chat_completion(f"answer {n}")) for n in range(3)),
        ]
    )
    config = dataclasses.replace(AIConfig.from_settings(settings, provider="openai"), cache_ttl_seconds=0)
    for n in range(4):  # the first call retries once: five attempts in all
        await build_ai_client(config, sleep=_no_sleep).complete(f"Hello {n}")
    assert route.call_count == 5
    assert len(constructed) == 1  # before: one client (and one TLS handshake) per attempt
    pooled = constructed[0]
    assert ai_http.shared_client("openai") is pooled and not pooled.is_closed
    assert ai_http.shared_client("anthropic") is not pooled  # one pool per provider
    await ai_http.close_shared_clients()
    assert pooled.is_closed and ai_http.shared_client("openai") is not pooled  # shutdown closed it
    await ai_http.close_shared_clients()


async def test_the_app_shutdown_closes_the_pooled_clients(tmp_path):
    from mosaic.main import create_app
    from tests.conftest import make_settings, running

    app = create_app(
        make_settings(DATABASE_URL=f"sqlite+aiosqlite:///{tmp_path / 'x.db'}", SEED_ON_STARTUP=False)
    )
    async with running(app):
        pooled = ai_http.shared_client("openai")
        assert not pooled.is_closed
    assert pooled.is_closed


@respx.mock
async def test_answers_are_kept_in_the_core_cache(settings):
    route = respx.post(URL).mock(return_value=httpx.Response(200, json=chat_completion("cached answer")))
    core = MemoryCache(default_ttl=60)
    config = AIConfig.from_settings(settings, provider="openai")
    first = await build_ai_client(config, cache=SharedCompletionCache(core)).complete("Cache me")
    # another client (another process, with Redis) reading the same core cache gets the answer
    second = await build_ai_client(config, cache=SharedCompletionCache(core)).complete("Cache me")
    assert route.call_count == 1 and first.cached is False and second.cached is True
    assert second.text == "cached answer"
    key = cache_key(
        provider="openai",
        endpoint=config.base_url or "",
        model=config.model,
        system=None,
        prompt="Cache me",
        json_schema=None,
        max_tokens=config.max_tokens,
        temperature=config.temperature,
    )
    assert isinstance(await core.get(key), str)
