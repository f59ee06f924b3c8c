"""One POST to a model API with the failure handling every real provider needs.

Retries 408/429/5xx (and Anthropic's 529) and connection errors with exponential back-off plus
jitter, honouring `Retry-After` up to a cap; the whole call, retries included, has one deadline
(`timeout`), so a hanging provider costs the caller at most that long. The body is read in chunks
and refused past a byte cap, so a 10 MB answer is never buffered. Nothing here logs a header,
a body or a prompt.

Connections: one pooled `httpx.AsyncClient` per provider per process (per event loop, since a
pool's connections belong to the loop that opened them), so calls reuse warm TLS connections
instead of paying a handshake each; `close_shared_clients()` closes them at shutdown (the API's
lifespan and `mosaic worker`'s process shutdown call it).

Why httpx and not the official `openai` / `anthropic` SDKs: the contract above does not fit
them. The SDKs read the whole body before handing it over (no byte cap while streaming in),
retry with their own policy and per-attempt timeouts (not one deadline across attempts with
Retry-After capped), and would put a second HTTP stack under the respx-mocked tests. The wire
formats used here are the two documented JSON endpoints, which is all the SDKs would send.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import random
import ssl
import time
from collections.abc import Awaitable, Callable
from email.utils import parsedate_to_datetime
from typing import Any

import certifi
import httpx
import orjson

from mosaic.providers.ai.types import (
    AIInvalidResponse,
    AIOutputTooLarge,
    AIProviderRejected,
    AIProviderUnavailable,
    AITimeout,
)

logger = logging.getLogger("mosaic.ai")

Sleep = Callable[[float], Awaitable[None]]
RETRYABLE_STATUSES = frozenset({408, 409, 425, 429, 500, 502, 503, 504, 529})
RETRY_AFTER_CAP_SECONDS = 30.0
BACKOFF_BASE_SECONDS = 0.5
BACKOFF_CAP_SECONDS = 8.0
# UTF-8 and JSON escaping can take up to 6 bytes per character, plus the envelope around the text.
BYTES_PER_CHAR = 6
ENVELOPE_BYTES = 64 * 1024


@functools.cache
def _tls_context() -> ssl.SSLContext:
    """Built once: loading the CA bundle costs ~0.1 s, too much to pay on every call."""
    return ssl.create_default_context(cafile=certifi.where())


# provider -> (the event loop its pool belongs to, the pooled client)
_shared: dict[str, tuple[asyncio.AbstractEventLoop, httpx.AsyncClient]] = {}


def shared_client(provider: str) -> httpx.AsyncClient:
    """This process's pooled client for `provider` (a new one if the loop changed or it was closed)."""
    loop = asyncio.get_running_loop()
    entry = _shared.get(provider)
    if entry is not None and entry[0] is loop and not entry[1].is_closed:
        return entry[1]
    client = httpx.AsyncClient(
        verify=_tls_context(), limits=httpx.Limits(max_connections=100, max_keepalive_connections=20)
    )
    _shared[provider] = (loop, client)
    return client


async def close_shared_clients() -> None:
    """Close every pooled client of this event loop (shutdown); the next call opens a fresh pool."""
    loop = asyncio.get_running_loop()
    for provider, (owner, client) in list(_shared.items()):
        if owner is loop:
            await client.aclose()
            del _shared[provider]


class RetryingPoster:
    def __init__(
        self,
        *,
        provider: str,
        max_retries: int,
        max_output_chars: int,
        client: httpx.AsyncClient | None = None,
        sleep: Sleep = asyncio.sleep,
        backoff_base: float = BACKOFF_BASE_SECONDS,
        backoff_cap: float = BACKOFF_CAP_SECONDS,
        retry_after_cap: float = RETRY_AFTER_CAP_SECONDS,
    ) -> None:
        self.provider = provider
        self.max_retries = max_retries
        self.max_body_bytes = max_output_chars * BYTES_PER_CHAR + ENVELOPE_BYTES
        self._client = client
        self._sleep = sleep
        self.backoff_base = backoff_base
        self.backoff_cap = backoff_cap
        self.retry_after_cap = retry_after_cap

    async def post(self, url: str, *, headers: dict[str, str], body: dict[str, Any], seconds: float) -> Any:
        """The decoded JSON body of the first successful attempt."""
        deadline = time.monotonic() + seconds
        attempt = 0
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AITimeout(details={"provider": self.provider})
            status: int | None = None
            retry_after: float | None = None
            try:
                status, retry_after, payload = await self._attempt(url, headers, body, remaining)
            except httpx.TimeoutException:
                logger.warning("ai %s: request timed out after %.1fs", self.provider, seconds)
                raise AITimeout(details={"provider": self.provider}) from None
            except httpx.TransportError as exc:
                reason = type(exc).__name__
            else:
                if 200 <= status < 300:
                    return _decode(payload, self.provider)
                reason = f"HTTP {status}"
                if status not in RETRYABLE_STATUSES:
                    logger.warning("ai %s: request rejected (%s)", self.provider, reason)
                    raise AIProviderRejected(details={"provider": self.provider, "upstream_status": status})
            if attempt >= self.max_retries:
                logger.warning("ai %s: giving up after %d attempts (%s)", self.provider, attempt + 1, reason)
                raise AIProviderUnavailable(
                    details={"provider": self.provider, "attempts": attempt + 1, "upstream_status": status}
                )
            delay = self._delay(attempt, retry_after)
            if delay >= deadline - time.monotonic():
                logger.warning(
                    "ai %s: next retry in %.1fs would pass the deadline (%s)", self.provider, delay, reason
                )
                raise AIProviderUnavailable(
                    details={"provider": self.provider, "attempts": attempt + 1, "upstream_status": status}
                )
            logger.info("ai %s: %s, retry %d in %.2fs", self.provider, reason, attempt + 1, delay)
            await self._sleep(delay)
            attempt += 1

    async def _attempt(
        self, url: str, headers: dict[str, str], body: dict[str, Any], seconds_left: float
    ) -> tuple[int, float | None, bytes]:
        client = self._client or shared_client(self.provider)
        async with client.stream(
            "POST", url, headers=headers, content=orjson.dumps(body), timeout=httpx.Timeout(seconds_left)
        ) as response:
            retry_after = _retry_after(response.headers.get("retry-after"))
            if not 200 <= response.status_code < 300:
                return response.status_code, retry_after, b""
            declared = response.headers.get("content-length")
            if declared and declared.isdigit() and int(declared) > self.max_body_bytes:
                raise AIOutputTooLarge(details={"provider": self.provider})
            chunks: list[bytes] = []
            size = 0
            async for chunk in response.aiter_bytes():
                size += len(chunk)
                if size > self.max_body_bytes:
                    raise AIOutputTooLarge(details={"provider": self.provider})
                chunks.append(chunk)
            return response.status_code, retry_after, b"".join(chunks)

    def _delay(self, attempt: int, retry_after: float | None) -> float:
        if retry_after is not None:
            return min(retry_after, self.retry_after_cap)
        exponential: float = min(self.backoff_cap, self.backoff_base * 2**attempt)
        return exponential + random.uniform(0, self.backoff_base)  # noqa: S311 - jitter, not security


def _retry_after(value: str | None) -> float | None:
    """Seconds from a `Retry-After` header: delta-seconds or an HTTP date (RFC 9110 §10.2.3)."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


def _decode(payload: bytes, provider: str) -> Any:
    try:
        return orjson.loads(payload)
    except orjson.JSONDecodeError:
        logger.warning("ai %s: response body is not JSON (%d bytes)", provider, len(payload))
        raise AIInvalidResponse(details={"provider": provider}) from None
