"""OpenAI-compatible provider against respx: request shape, parsing, retries, failures, cache, fallback.

Response bodies are the examples of the OpenAI API reference (Chat Completions, "Create chat
completion"), so a change in how we read them shows up here.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from decimal import Decimal
from typing import Any

import httpx
import pytest
import respx

from mosaic.core.errors import AppError
from mosaic.providers.ai import (
    QUIZ_JSON_SCHEMA,
    AIConfig,
    AIInvalidResponse,
    AINotConfigured,
    AIOutputTooLarge,
    AIProviderError,
    AIProviderRejected,
    AIProviderUnavailable,
    AISchemaViolation,
    AITimeout,
    build_ai_client,
    parse_quiz,
)
from tests.providers.ai.conftest import ANTHROPIC_KEY, DEEPSEEK_KEY, OPENAI_KEY, PASSAGE

URL = "https://api.openai.com/v1/chat/completions"


def chat_completion(
    content: str | None = "Hello! How can I assist you today?", **changes: Any
) -> dict[str, Any]:
    """The example response of POST /v1/chat/completions in the OpenAI API reference."""
    body: dict[str, Any] = {
        "id": "chatcmpl-B9MBs8CjcvOU2jLn4n570S5qMJKcT",
        "object": "chat.completion",
        "created": 1741569952,
        "model": "gpt-4.1-2025-04-14",
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": content, "refusal": None, "annotations": []},
                "logprobs": None,
                "finish_reason": "stop",
            }
        ],
        "usage": {
            "prompt_tokens": 19,
            "completion_tokens": 10,
            "total_tokens": 29,
            "prompt_tokens_details": {"cached_tokens": 0, "audio_tokens": 0},
            "completion_tokens_details": {
                "reasoning_tokens": 0,
                "audio_tokens": 0,
                "accepted_prediction_tokens": 0,
                "rejected_prediction_tokens": 0,
            },
        },
        "service_tier": "default",
    }
    body.update(changes)
    return body


QUIZ_DATA = {
    "questions": [
        {
            "question": "What do plants convert light energy into?",
            "options": ["Chemical energy", "Heat", "Sound", "Magnetism"],
            "answer_index": 0,
            "explanation": "Photosynthesis converts light energy into chemical energy.",
        }
    ]
}


@respx.mock
async def test_request_and_response_follow_the_chat_completions_api(make_client):
    route = respx.post(URL).mock(return_value=httpx.Response(200, json=chat_completion()))
    completion = await make_client("openai", model="gpt-4.1").complete(
        "Hello!", system="You are a helpful assistant.", max_tokens=50, temperature=0.7
    )

    request = route.calls.last.request
    assert request.headers["authorization"] == f"Bearer {OPENAI_KEY}"
    assert request.headers["content-type"] == "application/json"
    assert json.loads(request.content) == {
        "model": "gpt-4.1",
        "messages": [
            {"role": "system", "content": "You are a helpful assistant."},
            {"role": "user", "content": "Hello!"},
        ],
        "max_tokens": 50,
        "temperature": 0.7,
    }
    assert completion.text == "Hello! How can I assist you today?"
    assert (completion.usage.prompt_tokens, completion.usage.completion_tokens) == (19, 10)
    assert completion.usage.total_tokens == completion.usage.total == 29
    assert completion.provider == "openai" and completion.model == "gpt-4.1-2025-04-14"
    assert completion.finish_reason == "stop" and completion.cached is False
    # gpt-4.1: $2.00 in / $8.00 out per million tokens.
    assert completion.cost_usd == Decimal("0.00011800")
    assert completion.to_dict()["cost_usd"] == "0.00011800"


@respx.mock
async def test_a_schema_is_sent_as_response_format_and_the_answer_validated(make_client):
    route = respx.post(URL).mock(
        return_value=httpx.Response(200, json=chat_completion(json.dumps(QUIZ_DATA)))
    )
    completion = await make_client("openai").complete(PASSAGE, json_schema=QUIZ_JSON_SCHEMA)
    body = json.loads(route.calls.last.request.content)
    assert body["response_format"] == {
        "type": "json_schema",
        "json_schema": {"name": "response", "schema": QUIZ_JSON_SCHEMA},
    }
    assert completion.data == QUIZ_DATA
    assert parse_quiz(completion.data)[0].answer == "Chemical energy"


@respx.mock
async def test_json_in_a_markdown_fence_is_accepted(make_client):
    fenced = "```json\n" + json.dumps(QUIZ_DATA) + "\n```"
    respx.post(URL).mock(return_value=httpx.Response(200, json=chat_completion(fenced)))
    completion = await make_client("openai").complete(PASSAGE, json_schema=QUIZ_JSON_SCHEMA)
    assert completion.data == QUIZ_DATA and completion.text == json.dumps(QUIZ_DATA)


@respx.mock
async def test_deepseek_uses_its_endpoint_and_json_mode_with_the_schema_in_the_system_prompt(make_client):
    route = respx.post("https://api.deepseek.com/chat/completions").mock(
        return_value=httpx.Response(200, json=chat_completion(json.dumps(QUIZ_DATA), model="deepseek-chat"))
    )
    completion = await make_client("deepseek").complete(
        PASSAGE, system="Quiz me.", json_schema=QUIZ_JSON_SCHEMA
    )
    request = route.calls.last.request
    body = json.loads(request.content)
    assert request.headers["authorization"] == f"Bearer {DEEPSEEK_KEY}"
    assert body["model"] == "deepseek-chat"
    assert body["response_format"] == {"type": "json_object"}
    system = body["messages"][0]
    assert system["role"] == "system" and system["content"].startswith("Quiz me.")
    assert "JSON" in system["content"] and '"answer_index"' in system["content"]
    assert completion.provider == "deepseek" and completion.data == QUIZ_DATA
    # deepseek-chat: $0.28 in / $0.42 out per million tokens.
    assert completion.cost_usd == Decimal("0.00000952")


@respx.mock
async def test_429_is_retried_after_the_retry_after_delay(make_client, sleeps):
    route = respx.post(URL).mock(
        side_effect=[
            httpx.Response(429, headers={"Retry-After": "2"}, json={"error": {"message": "Rate limit"}}),
            httpx.Response(200, json=chat_completion()),
        ]
    )
    completion = await make_client("openai").complete("Hello!")
    assert completion.text.startswith("Hello!")
    assert route.call_count == 2
    assert sleeps == [2.0]


@respx.mock
async def test_a_long_retry_after_is_capped(make_client, sleeps):
    respx.post(URL).mock(
        side_effect=[
            httpx.Response(503, headers={"Retry-After": "3600"}),
            httpx.Response(200, json=chat_completion()),
        ]
    )
    await make_client("openai", timeout=120.0).complete("Hello!")
    assert sleeps == [30.0]


@respx.mock
async def test_a_retry_after_past_the_deadline_gives_up_at_once(make_client, sleeps):
    route = respx.post(URL).mock(return_value=httpx.Response(429, headers={"Retry-After": "20"}))
    with pytest.raises(AIProviderUnavailable):
        await make_client("openai", timeout=5.0).complete("Hello!")
    assert route.call_count == 1 and sleeps == []


@respx.mock
async def test_5xx_is_retried_with_growing_backoff_then_fails_after_bounded_attempts(make_client, sleeps):
    route = respx.post(URL).mock(return_value=httpx.Response(500, json={"error": {"message": "boom"}}))
    with pytest.raises(AIProviderUnavailable) as caught:
        await make_client("openai", max_retries=3).complete("Hello!")
    assert route.call_count == 4
    assert len(sleeps) == 3 and sleeps == sorted(sleeps) and sleeps[0] >= 0.5
    error = caught.value
    assert isinstance(error, AIProviderError) and isinstance(error, AppError)
    assert (error.status_code, error.error_code) == (502, "AI_PROVIDER_UNAVAILABLE")
    assert error.details == {"provider": "openai", "attempts": 4, "upstream_status": 500}


@respx.mock
async def test_connection_errors_are_retried(make_client, sleeps):
    route = respx.post(URL).mock(
        side_effect=[httpx.ConnectError("refused"), httpx.Response(200, json=chat_completion())]
    )
    completion = await make_client("openai").complete("Hello!")
    assert route.call_count == 2 and len(sleeps) == 1 and completion.usage.total_tokens == 29


@respx.mock
async def test_a_client_error_is_not_retried(make_client, sleeps):
    route = respx.post(URL).mock(
        return_value=httpx.Response(401, json={"error": {"message": "Incorrect API key provided"}})
    )
    with pytest.raises(AIProviderRejected) as caught:
        await make_client("openai").complete("Hello!")
    assert route.call_count == 1 and sleeps == []
    assert caught.value.status_code == 502 and caught.value.details["upstream_status"] == 401
    assert "Incorrect API key" not in caught.value.message


@respx.mock
async def test_a_read_timeout_is_a_504(make_client):
    route = respx.post(URL).mock(side_effect=httpx.ReadTimeout("timed out"))
    with pytest.raises(AITimeout) as caught:
        await make_client("openai").complete("Hello!")
    assert route.call_count == 1
    assert (caught.value.status_code, caught.value.error_code) == (504, "AI_TIMEOUT")


async def test_a_hanging_provider_answers_504_within_the_timeout(settings):
    async def hang(request: httpx.Request) -> httpx.Response:
        await asyncio.sleep(30)
        return httpx.Response(200, json=chat_completion())

    config = AIConfig.from_settings(settings, provider="openai")
    async with httpx.AsyncClient(transport=httpx.MockTransport(hang)) as http:
        client = build_ai_client(config.with_overrides({"timeout": 0.2}), http_client=http)
        started = time.monotonic()
        with pytest.raises(AITimeout):
            await client.complete("Hello!")
    assert time.monotonic() - started < 1.0


@pytest.mark.parametrize(
    "response",
    [
        httpx.Response(200, content=b"<html>Bad gateway</html>"),
        httpx.Response(200, content=b'{"id": "chatcmpl-1", "choices": [{"index": 0, "message": {"role": '),
        httpx.Response(200, json={"id": "chatcmpl-1", "object": "chat.completion", "choices": []}),
        httpx.Response(200, json=chat_completion(None)),
        httpx.Response(200, json=chat_completion(usage={"prompt_tokens": "many"})),
        httpx.Response(200, json=["not", "an", "object"]),
    ],
    ids=["html", "truncated-json", "no-choices", "null-content", "bad-usage", "array"],
)
@respx.mock
async def test_a_malformed_body_is_a_502(make_client, response):
    respx.post(URL).mock(return_value=response)
    with pytest.raises(AIInvalidResponse) as caught:
        await make_client("openai").complete("Hello!")
    assert (caught.value.status_code, caught.value.error_code) == (502, "AI_INVALID_RESPONSE")


@respx.mock
async def test_missing_usage_is_recorded_as_zero_tokens(make_client):
    body = chat_completion()
    del body["usage"]
    respx.post(URL).mock(return_value=httpx.Response(200, json=body))
    completion = await make_client("openai").complete("Hello!")
    assert completion.usage.total_tokens == 0 and completion.cost_usd == 0


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        ("Sure! Here are your questions: 1. What is photosynthesis?", "not_json"),
        (json.dumps({"questions": [{**QUIZ_DATA["questions"][0], "score": 100}]}), "schema"),
        (json.dumps({"questions": [{"question": "Q?", "options": ["a"], "answer_index": 0}]}), "schema"),
        ("<script>alert(1)</script>", "not_json"),
    ],
    ids=["prose", "extra-field", "missing-and-short", "html"],
)
@respx.mock
async def test_output_violating_the_schema_is_a_502(make_client, content, reason):
    respx.post(URL).mock(return_value=httpx.Response(200, json=chat_completion(content)))
    with pytest.raises(AISchemaViolation) as caught:
        await make_client("openai").complete(PASSAGE, json_schema=QUIZ_JSON_SCHEMA)
    assert (caught.value.status_code, caught.value.error_code) == (502, "AI_SCHEMA_VIOLATION")
    assert caught.value.details["reason"] == reason


@respx.mock
async def test_output_over_the_cap_is_refused(make_client):
    respx.post(URL).mock(return_value=httpx.Response(200, json=chat_completion("x" * 1001)))
    with pytest.raises(AIOutputTooLarge) as caught:
        await make_client("openai", max_output_chars=1000).complete("Hello!")
    assert (caught.value.status_code, caught.value.error_code) == (502, "AI_OUTPUT_TOO_LARGE")


@respx.mock
async def test_a_huge_body_is_refused_while_streaming(make_client):
    huge = json.dumps(chat_completion("A" * 10_000_000)).encode()
    respx.post(URL).mock(return_value=httpx.Response(200, content=huge))
    with pytest.raises(AIOutputTooLarge):
        await make_client("openai", max_output_chars=1000).complete("Hello!")


@respx.mock
async def test_an_identical_second_call_is_served_from_the_cache(make_client):
    route = respx.post(URL).mock(
        return_value=httpx.Response(200, json=chat_completion(json.dumps(QUIZ_DATA)))
    )
    client = make_client("openai")
    first = await client.complete(PASSAGE, system="Quiz", json_schema=QUIZ_JSON_SCHEMA)
    second = await client.complete(PASSAGE, system="Quiz", json_schema=QUIZ_JSON_SCHEMA)
    assert route.call_count == 1
    assert first.cached is False and second.cached is True
    assert second.text == first.text and second.data == first.data == QUIZ_DATA
    assert second.usage == first.usage and second.cost_usd == 0 < first.cost_usd
    await client.complete(PASSAGE, system="Quiz", json_schema=QUIZ_JSON_SCHEMA, temperature=0.9)
    await client.complete(PASSAGE, system="Quiz", json_schema=QUIZ_JSON_SCHEMA, model="gpt-4o")
    assert route.call_count == 3


@respx.mock
async def test_a_failure_falls_back_to_offline_when_configured_and_is_not_cached(make_client):
    route = respx.post(URL).mock(return_value=httpx.Response(503))
    client = make_client("openai", fallback_to_offline=True, max_retries=1)
    completion = await client.complete(PASSAGE, system=" Write 2 questions.", json_schema=QUIZ_JSON_SCHEMA)
    assert completion.provider == "offline" and completion.fallback_from == "openai"
    assert len(parse_quiz(completion.data)) == 2 and completion.cost_usd == 0
    await client.complete(PASSAGE, system=" Write 2 questions.", json_schema=QUIZ_JSON_SCHEMA)
    assert route.call_count == 4  # two attempts per call: the fallback answer was not cached


@respx.mock
async def test_invalid_output_falls_back_too(make_client):
    respx.post(URL).mock(return_value=httpx.Response(200, json=chat_completion("not json")))
    completion = await make_client("openai", fallback_to_offline=True).complete(
        PASSAGE, json_schema=QUIZ_JSON_SCHEMA
    )
    assert completion.fallback_from == "openai" and parse_quiz(completion.data)


async def test_a_missing_key_is_a_503_or_an_offline_answer(settings):
    config = AIConfig.from_settings(settings, provider="openai")
    import dataclasses

    unkeyed = dataclasses.replace(config, api_key=None)
    with respx.mock(assert_all_called=False) as mock:
        route = mock.post(URL)
        with pytest.raises(AINotConfigured) as caught:
            await build_ai_client(unkeyed).complete("Hello!")
        assert caught.value.status_code == 503
        fallback = build_ai_client(dataclasses.replace(unkeyed, fallback_to_offline=True))
        assert (await fallback.complete(PASSAGE)).provider == "offline"
        assert route.call_count == 0


@respx.mock
async def test_keys_never_reach_logs_errors_or_reprs(make_client, settings, caplog):
    caplog.set_level(logging.DEBUG)
    respx.post(URL).mock(
        side_effect=[
            httpx.Response(500),
            httpx.Response(200, json=chat_completion()),
            httpx.Response(401, json={"error": {"message": f"Incorrect API key provided: {OPENAI_KEY}"}}),
        ]
    )
    client = make_client("openai")
    await client.complete("Hello!")
    with pytest.raises(AIProviderRejected) as caught:
        await client.complete("Hello again!")
    texts = [
        caplog.text,
        repr(client),
        repr(client.config),
        repr(client.provider),
        str(caught.value),
        json.dumps(caught.value.details),
        repr(AIConfig.from_settings(settings, provider="anthropic")),
    ]
    for text in texts:
        for key in (OPENAI_KEY, ANTHROPIC_KEY, DEEPSEEK_KEY):
            assert key not in text
    assert "ai openai model gpt-4.1-2025-04-14: 19+10 tokens" in caplog.text
