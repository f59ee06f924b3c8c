"""Anthropic Messages API: POST {base_url}/messages with `x-api-key` and `anthropic-version`.

The answer is the text blocks of `content` (normally one), the usage `usage.input_tokens`/
`output_tokens`. A schema is sent as an instruction in the system prompt; the client validates
the result like any other provider's.
"""

from __future__ import annotations

import logging
from typing import Any

from pydantic import SecretStr

from mosaic.providers.ai.http import RetryingPoster
from mosaic.providers.ai.openai_compat import schema_instruction
from mosaic.providers.ai.pricing import ModelPrice, cost_of
from mosaic.providers.ai.types import AIInvalidResponse, AINotConfigured, Completion, parse_usage

logger = logging.getLogger("mosaic.ai")

ANTHROPIC_VERSION = "2023-06-01"


class AnthropicProvider:
    name = "anthropic"

    def __init__(
        self,
        *,
        base_url: str,
        api_key: SecretStr | None,
        poster: RetryingPoster,
        price: ModelPrice | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self._api_key = api_key
        self._poster = poster
        self.price = price

    def __repr__(self) -> str:
        return f"AnthropicProvider(base_url={self.base_url!r})"

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
    ) -> Completion:
        if self._api_key is None or not self._api_key.get_secret_value():
            raise AINotConfigured(details={"provider": self.name})
        headers = {
            "x-api-key": self._api_key.get_secret_value(),
            "anthropic-version": ANTHROPIC_VERSION,
            "content-type": "application/json",
            "accept": "application/json",
        }
        body = self.request_body(prompt, model, system, json_schema, max_tokens, temperature)
        payload = await self._poster.post(
            f"{self.base_url}/messages", headers=headers, body=body, seconds=timeout
        )
        return self.parse(payload, model)

    @staticmethod
    def request_body(
        prompt: str,
        model: str,
        system: str | None,
        json_schema: dict[str, Any] | None,
        max_tokens: int,
        temperature: float,
    ) -> dict[str, Any]:
        system_text = system
        if json_schema is not None:
            instruction = schema_instruction(json_schema)
            system_text = f"{system}\n\n{instruction}" if system else instruction
        body: dict[str, Any] = {
            "model": model,
            "max_tokens": max_tokens,
            "messages": [{"role": "user", "content": prompt}],
            "temperature": min(temperature, 1.0),
        }
        if system_text:
            body["system"] = system_text
        return body

    def parse(self, payload: Any, requested_model: str) -> Completion:
        try:
            blocks = payload["content"]
            texts = [b["text"] for b in blocks if isinstance(b, dict) and b.get("type") == "text"]
            if not texts or not all(isinstance(t, str) for t in texts):
                raise TypeError("no text block")
        except (KeyError, TypeError):
            logger.warning("ai %s: response has no text content block", self.name)
            raise AIInvalidResponse(details={"provider": self.name}) from None
        usage = parse_usage(payload.get("usage"), "input_tokens", "output_tokens", self.name)
        model = payload.get("model") if isinstance(payload.get("model"), str) else requested_model
        return Completion(
            text="".join(texts),
            usage=usage,
            cost_usd=cost_of(model, usage, self.price),
            provider=self.name,
            model=model,
            finish_reason=payload.get("stop_reason") if isinstance(payload.get("stop_reason"), str) else None,
            extra={"id": payload["id"]} if isinstance(payload.get("id"), str) else {},
        )
