"""Anthropic Messages provider against respx, with the response example of the API reference."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import httpx
import pytest
import respx

from mosaic.providers.ai import QUIZ_JSON_SCHEMA, AIInvalidResponse, AISchemaViolation, parse_quiz
from tests.providers.ai.conftest import ANTHROPIC_KEY, PASSAGE

URL = "https://api.anthropic.com/v1/messages"


def message(text: str = "Hi! My name is Claude.", **changes: Any) -> dict[str, Any]:
    """The example response of POST /v1/messages in the Anthropic API reference."""
    body: dict[str, Any] = {
        "id": "msg_013Zva2CMHLNnXjNJJKqJ2EF",
        "type": "message",
        "role": "assistant",
        "content": [{"type": "text", "text": text}],
        "model": "claude-sonnet-4-5-20250929",
        "stop_reason": "end_turn",
        "stop_sequence": None,
        "usage": {"input_tokens": 2095, "output_tokens": 503},
    }
    body.update(changes)
    return body


@respx.mock
async def test_request_and_response_follow_the_messages_api(make_client):
    route = respx.post(URL).mock(return_value=httpx.Response(200, json=message()))
    completion = await make_client("anthropic").complete(
        "Hello, Claude", system="You are a concise assistant.", max_tokens=1024, temperature=0.3
    )
    request = route.calls.last.request
    assert request.headers["x-api-key"] == ANTHROPIC_KEY
    assert request.headers["anthropic-version"] == "2023-06-01"
    assert request.headers["content-type"] == "application/json"
    assert "authorization" not in request.headers
    assert json.loads(request.content) == {
        "model": "claude-sonnet-4-5",
        "max_tokens": 1024,
        "system": "You are a concise assistant.",
        "messages": [{"role": "user", "content": "Hello, Claude"}],
        "temperature": 0.3,
    }
    assert completion.text == "Hi! My name is Claude."
    assert (completion.usage.prompt_tokens, completion.usage.completion_tokens) == (2095, 503)
    assert completion.provider == "anthropic" and completion.model == "claude-sonnet-4-5-20250929"
    assert completion.finish_reason == "end_turn"
    # claude-sonnet-4-5: $3 in / $15 out per million tokens.
    assert completion.cost_usd == Decimal("0.01383000")


@respx.mock
async def test_a_schema_goes_into_the_system_prompt_and_the_answer_is_validated(make_client):
    quiz = {
        "questions": [
            {
                "question": "Who showed in 1779 that light is essential?",
                "options": ["Jan Ingenhousz", "Calvin", "Darwin", "Mendel"],
                "answer_index": 0,
                "explanation": "The passage names Jan Ingenhousz.",
            }
        ]
    }
    route = respx.post(URL).mock(return_value=httpx.Response(200, json=message(json.dumps(quiz))))
    completion = await make_client("anthropic").complete(
        PASSAGE, system="Quiz me.", json_schema=QUIZ_JSON_SCHEMA
    )
    body = json.loads(route.calls.last.request.content)
    assert body["system"].startswith("Quiz me.\n\n") and '"answer_index"' in body["system"]
    assert parse_quiz(completion.data)[0].answer == "Jan Ingenhousz"

    route.mock(return_value=httpx.Response(200, json=message('{"questions": [], "score": 100}')))
    with pytest.raises(AISchemaViolation):
        await make_client("anthropic").complete(PASSAGE, json_schema=QUIZ_JSON_SCHEMA)


@respx.mock
async def test_overloaded_529_is_retried(make_client, sleeps):
    overloaded = {"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}}
    route = respx.post(URL).mock(
        side_effect=[httpx.Response(529, json=overloaded), httpx.Response(200, json=message())]
    )
    completion = await make_client("anthropic").complete("Hello")
    assert route.call_count == 2 and len(sleeps) == 1 and completion.usage.total_tokens == 2598


@pytest.mark.parametrize(
    "body",
    [
        message(content=[]),
        message(content=[{"type": "tool_use", "id": "toolu_1", "name": "x", "input": {}}]),
        {k: v for k, v in message().items() if k != "content"},
        message(usage={"input_tokens": 10}),
    ],
    ids=["empty-content", "no-text-block", "no-content", "partial-usage"],
)
@respx.mock
async def test_a_malformed_message_is_a_502(make_client, body):
    respx.post(URL).mock(return_value=httpx.Response(200, json=body))
    with pytest.raises(AIInvalidResponse) as caught:
        await make_client("anthropic").complete("Hello")
    assert caught.value.status_code == 502


@respx.mock
async def test_several_text_blocks_are_joined(make_client):
    blocks = [{"type": "text", "text": "Part one. "}, {"type": "text", "text": "Part two."}]
    respx.post(URL).mock(return_value=httpx.Response(200, json=message(content=blocks)))
    assert (await make_client("anthropic").complete("Hello")).text == "Part one. Part two."
