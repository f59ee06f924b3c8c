"""Response cache behind a two-method interface, so a shared (Redis) cache can replace it.

Entries are strings (the serialised completion), which is what any shared store holds. The key
covers everything that shapes an answer: provider, endpoint, model, system, prompt, schema,
max_tokens and temperature; not the API key, since the same request gets the same answer
whoever pays for it.
"""

from __future__ import annotations

import hashlib
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Any, Protocol

import orjson

from mosaic.core.cache import Cache


class CompletionCache(Protocol):
    async def get(self, key: str) -> str | None: ...

    async def set(self, key: str, value: str, ttl_seconds: int) -> None: ...


class InMemoryTTLCache:
    """Per-process LRU with a TTL per entry: the embedded default (a miss costs one model call)."""

    def __init__(self, max_entries: int = 1024, clock: Callable[[], float] = time.monotonic) -> None:
        self.max_entries = max_entries
        self._clock = clock
        self._entries: OrderedDict[str, tuple[float, str]] = OrderedDict()

    async def get(self, key: str) -> str | None:
        entry = self._entries.get(key)
        if entry is None:
            return None
        expires_at, value = entry
        if self._clock() >= expires_at:
            del self._entries[key]
            return None
        self._entries.move_to_end(key)
        return value

    async def set(self, key: str, value: str, ttl_seconds: int) -> None:
        if ttl_seconds <= 0:
            return
        self._entries[key] = (self._clock() + ttl_seconds, value)
        self._entries.move_to_end(key)
        while len(self._entries) > self.max_entries:
            self._entries.popitem(last=False)

    def __len__(self) -> int:
        return len(self._entries)


def cache_key(
    *,
    provider: str,
    endpoint: str,
    model: str,
    system: str | None,
    prompt: str,
    json_schema: dict[str, Any] | None,
    max_tokens: int,
    temperature: float,
) -> str:
    material = orjson.dumps(
        {
            "endpoint": endpoint,
            "system": system,
            "prompt": prompt,
            "schema": json_schema,
            "max_tokens": max_tokens,
            "temperature": temperature,
        },
        option=orjson.OPT_SORT_KEYS,
    )
    return f"ai:complete:{provider}:{model}:{hashlib.sha256(material).hexdigest()}"


class SharedCompletionCache:
    """The app's core cache (`mosaic.core.cache`: Redis when configured) as the completion cache,
    so every process shares answers and the per-process LRU is only the no-app default."""

    def __init__(self, cache: Cache) -> None:
        self.cache = cache

    async def get(self, key: str) -> str | None:
        value = await self.cache.get(key)
        return value if isinstance(value, str) else None

    async def set(self, key: str, value: str, ttl_seconds: int) -> None:
        if ttl_seconds > 0:
            await self.cache.set(key, value, ttl=ttl_seconds)
