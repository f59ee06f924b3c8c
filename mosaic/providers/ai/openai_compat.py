"""OpenAI-compatible chat completions (OpenAI, DeepSeek, vLLM, Ollama, LiteLLM ...).

POST {base_url}/chat/completions; the answer is `choices[0].message.content`, the usage
`usage.prompt_tokens`/`completion_tokens`. A schema goes as `response_format: json_schema`;
servers that only know JSON mode (DeepSeek) get `json_object` and the schema in the system prompt.
"""

from __future__ import annotations

import logging
from typing import Any, Literal

import orjson
from pydantic import SecretStr

from mosaic.providers.ai.http import RetryingPoster
from mosaic.providers.ai.pricing import ModelPrice, cost_of
from mosaic.providers.ai.types import AIInvalidResponse, AINotConfigured, Completion, parse_usage

logger = logging.getLogger("mosaic.ai")

JsonMode = Literal["json_schema", "json_object"]


def schema_instruction(json_schema: dict[str, Any]) -> str:
    return (
        "Respond with a single JSON value and nothing else (no prose, no code fences). "
        "It must validate against this JSON Schema:\n" + orjson.dumps(json_schema).decode()
    )


class OpenAICompatibleProvider:
    def __init__(
        self,
        *,
        name: str,
        base_url: str,
        api_key: SecretStr | None,
        poster: RetryingPoster,
        json_mode: JsonMode = "json_schema",
        price: ModelPrice | None = None,
    ) -> None:
        self.name = name
        self.base_url = base_url.rstrip("/")
        self._api_key = api_key
        self._poster = poster
        self.json_mode = json_mode
        self.price = price

    def __repr__(self) -> str:
        return f"OpenAICompatibleProvider(name={self.name!r}, base_url={self.base_url!r})"

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
        body = self.request_body(prompt, model, system, json_schema, max_tokens, temperature)
        headers = {
            "Authorization": f"Bearer {self._api_key.get_secret_value()}",
            "Content-Type": "application/json",
            "Accept": "application/json",
        }
        payload = await self._poster.post(
            f"{self.base_url}/chat/completions", headers=headers, body=body, seconds=timeout
        )
        return self.parse(payload, model)

    def request_body(
        self,
        prompt: str,
        model: str,
        system: str | None,
        json_schema: dict[str, Any] | None,
        max_tokens: int,
        temperature: float,
    ) -> dict[str, Any]:
        system_text = system
        if json_schema is not None and self.json_mode == "json_object":
            instruction = schema_instruction(json_schema)
            system_text = f"{system}\n\n{instruction}" if system else instruction
        messages: list[dict[str, str]] = []
        if system_text:
            messages.append({"role": "system", "content": system_text})
        messages.append({"role": "user", "content": prompt})
        body: dict[str, Any] = {
            "model": model,
            "messages": messages,
            "max_tokens": max_tokens,
            "temperature": temperature,
        }
        if json_schema is not None:
            if self.json_mode == "json_schema":
                body["response_format"] = {
                    "type": "json_schema",
                    "json_schema": {"name": "response", "schema": json_schema},
                }
            else:
                body["response_format"] = {"type": "json_object"}
        return body

    def parse(self, payload: Any, requested_model: str) -> Completion:
        try:
            choice = payload["choices"][0]
            content = choice["message"]["content"]
            if not isinstance(content, str):
                raise TypeError("content is not a string")
        except (KeyError, IndexError, TypeError):
            logger.warning("ai %s: response has no choices[0].message.content", self.name)
            raise AIInvalidResponse(details={"provider": self.name}) from None
        usage = parse_usage(payload.get("usage"), "prompt_tokens", "completion_tokens", self.name)
        model = payload.get("model") if isinstance(payload.get("model"), str) else requested_model
        return Completion(
            text=content,
            usage=usage,
            cost_usd=cost_of(model, usage, self.price),
            provider=self.name,
            model=model,
            finish_reason=choice.get("finish_reason") if isinstance(choice, dict) else None,
            extra={"id": payload.get("id")} if isinstance(payload.get("id"), str) else {},
        )
