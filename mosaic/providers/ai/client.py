"""`AIClient`: what callers use. Defaults from `AIConfig`, then cache, deadline, checks, fallback.

Model output is untrusted input (OWASP API10): it is size-capped, and when a schema was asked for
it must parse as JSON and validate against it, or the call fails with a 502 and nothing reaches
the caller to persist. The whole call has one deadline; past it the caller gets a 504.
"""

from __future__ import annotations

import asyncio
import dataclasses
import functools
import logging
import re
import time
from decimal import Decimal
from typing import Any

import jsonschema
import orjson
from jsonschema.exceptions import SchemaError

from mosaic.providers.ai.cache import CompletionCache, cache_key
from mosaic.providers.ai.config import OFFLINE_MODEL, AIConfig
from mosaic.providers.ai.offline import OfflineProvider
from mosaic.providers.ai.types import (
    AIError,
    AIOutputTooLarge,
    AIProvider,
    AISchemaViolation,
    AITimeout,
    Completion,
    Usage,
)

logger = logging.getLogger("mosaic.ai")

_FENCE = re.compile(r"^\s*```(?:json)?\s*\n?(.*?)\n?```\s*$", re.S | re.I)


class AIClient:
    def __init__(
        self,
        config: AIConfig,
        provider: AIProvider,
        *,
        cache: CompletionCache | None = None,
        endpoint: str = "",
        fallback: AIProvider | None = None,
    ) -> None:
        self.config = config
        self.provider = provider
        self.cache = cache if config.cache_ttl_seconds > 0 and provider.name != "offline" else None
        self.endpoint = endpoint
        self.fallback = fallback if config.fallback_to_offline and provider.name != "offline" else None

    @property
    def name(self) -> str:
        return self.provider.name

    def __repr__(self) -> str:
        return f"AIClient(provider={self.config.provider!r}, model={self.config.model!r})"

    async def complete(
        self,
        prompt: str,
        *,
        model: str | None = None,
        system: str | None = None,
        json_schema: dict[str, Any] | None = None,
        max_tokens: int | None = None,
        temperature: float | None = None,
        timeout: float | None = None,  # noqa: ASYNC109 - the per-call deadline is part of the protocol
    ) -> Completion:
        """One completion; `Completion.data` holds the validated JSON when `json_schema` is given.

        Raises `AIError` subclasses: 502 (`AIProviderError` and its kinds), 503 (`AINotConfigured`),
        504 (`AITimeout`); with `fallback_to_offline` these become an offline answer instead.
        """
        model = model or self.config.model
        max_tokens = max_tokens if max_tokens is not None else self.config.max_tokens
        temperature = temperature if temperature is not None else self.config.temperature
        timeout = timeout if timeout is not None else self.config.timeout
        if json_schema is not None:
            _check_schema(json_schema)
        key = cache_key(
            provider=self.provider.name,
            endpoint=self.endpoint,
            model=model,
            system=system,
            prompt=prompt,
            json_schema=json_schema,
            max_tokens=max_tokens,
            temperature=temperature,
        )
        if self.cache is not None:
            hit = await self._cached(key)
            if hit is not None:
                self._log(hit, 0.0)
                return hit
        started = time.monotonic()
        try:
            completion = await self._call(
                self.provider, prompt, model, system, json_schema, max_tokens, temperature, timeout
            )
        except AIError as exc:
            if self.fallback is None:
                raise
            logger.warning(
                "ai %s model %s failed (%s); answering with the offline provider",
                self.provider.name,
                model,
                exc.error_code,
            )
            completion = await self._call(
                self.fallback, prompt, OFFLINE_MODEL, system, json_schema, max_tokens, temperature, timeout
            )
            completion = dataclasses.replace(completion, fallback_from=self.provider.name)
        else:
            if self.cache is not None:
                await self._store(key, completion)
        self._log(completion, time.monotonic() - started)
        return completion

    async def _call(
        self,
        provider: AIProvider,
        prompt: str,
        model: str,
        system: str | None,
        json_schema: dict[str, Any] | None,
        max_tokens: int,
        temperature: float,
        timeout: float,  # noqa: ASYNC109 - the per-call deadline is part of the protocol
    ) -> Completion:
        try:
            async with asyncio.timeout(timeout):
                completion = await provider.complete(
                    prompt,
                    model=model,
                    system=system,
                    json_schema=json_schema,
                    max_tokens=max_tokens,
                    temperature=temperature,
                    timeout=timeout,
                )
        except TimeoutError:
            logger.warning("ai %s model %s: no answer within %.1fs", provider.name, model, timeout)
            raise AITimeout(details={"provider": provider.name}) from None
        return self._checked(completion, json_schema)

    def _checked(self, completion: Completion, json_schema: dict[str, Any] | None) -> Completion:
        if len(completion.text) > self.config.max_output_chars:
            logger.warning(
                "ai %s: output of %d characters over the %d cap",
                completion.provider,
                len(completion.text),
                self.config.max_output_chars,
            )
            raise AIOutputTooLarge(details={"provider": completion.provider})
        if json_schema is None:
            return completion
        text = completion.text
        fenced = _FENCE.match(text)
        if fenced:
            text = fenced.group(1)
        try:
            data = orjson.loads(text)
        except orjson.JSONDecodeError:
            logger.warning("ai %s: structured output is not JSON", completion.provider)
            raise AISchemaViolation(details={"provider": completion.provider, "reason": "not_json"}) from None
        error = jsonschema.exceptions.best_match(_validator(json_schema).iter_errors(data))
        if error is not None:
            path = "/".join(str(p) for p in error.absolute_path)
            logger.warning("ai %s: structured output fails the schema at /%s", completion.provider, path)
            raise AISchemaViolation(
                details={"provider": completion.provider, "reason": "schema", "path": "/" + path}
            )
        return dataclasses.replace(completion, text=text.strip(), data=data)

    async def _cached(self, key: str) -> Completion | None:
        assert self.cache is not None
        try:
            raw = await self.cache.get(key)
            if raw is None:
                return None
            entry = orjson.loads(raw)
            return Completion(
                text=entry["text"],
                data=entry["data"],
                usage=Usage(entry["prompt_tokens"], entry["completion_tokens"]),
                cost_usd=Decimal(0).quantize(Decimal("0.00000001")),
                provider=entry["provider"],
                model=entry["model"],
                finish_reason=entry["finish_reason"],
                cached=True,
            )
        except Exception:  # a broken cache is a miss, never a failed call
            logger.warning("ai cache read failed; calling the provider", exc_info=True)
            return None

    async def _store(self, key: str, completion: Completion) -> None:
        assert self.cache is not None
        try:
            await self.cache.set(
                key, orjson.dumps(completion.to_dict()).decode(), self.config.cache_ttl_seconds
            )
        except Exception:
            logger.warning("ai cache write failed", exc_info=True)

    @staticmethod
    def _log(completion: Completion, seconds: float) -> None:
        logger.info(
            "ai %s model %s: %d+%d tokens, $%s%s%s in %.2fs",
            completion.provider,
            completion.model,
            completion.usage.prompt_tokens,
            completion.usage.completion_tokens,
            completion.cost_usd,
            " (cached)" if completion.cached else "",
            f" (fallback from {completion.fallback_from})" if completion.fallback_from else "",
            seconds,
        )


def _validator(json_schema: dict[str, Any]) -> jsonschema.protocols.Validator:
    return _compiled(orjson.dumps(json_schema, option=orjson.OPT_SORT_KEYS))


@functools.lru_cache(maxsize=64)
def _compiled(serialised_schema: bytes) -> jsonschema.protocols.Validator:
    """Checking a schema against its metaschema costs ~10 ms; callers reuse a handful of schemas."""
    json_schema = orjson.loads(serialised_schema)
    cls = jsonschema.validators.validator_for(json_schema, default=jsonschema.Draft202012Validator)
    try:
        cls.check_schema(json_schema)
    except SchemaError as exc:
        raise ValueError(f"invalid json_schema: {exc.message}") from None
    return cls(json_schema)


def _check_schema(json_schema: dict[str, Any]) -> None:
    """A bad schema is the caller's bug: fail loudly (500) rather than blame the provider."""
    _validator(json_schema)


def offline_client(config: AIConfig | None = None) -> AIClient:
    return AIClient(config or AIConfig(), OfflineProvider())
