"""Quiz generation through DeepSeek and Anthropic (respx, bodies from their API references),
a malformed answer failing cleanly or falling back to the offline generator, and the offline
generator's invariants over varied texts (hypothesis)."""

from __future__ import annotations

import json
import uuid
from typing import Any

import httpx
import respx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from mosaic.providers.ai.questions import generate_questions
from mosaic.study.quizzes.models import AIUsage, Quiz
from tests.accounts.conftest import Account
from tests.study.conftest import API, study_text

DEEPSEEK_URL = "https://api.deepseek.com/chat/completions"
ANTHROPIC_URL = "https://api.anthropic.com/v1/messages"


def questions_json(text: str) -> str:
    sentence = text.split(". ")[0] + "."
    return json.dumps(
        {
            "questions": [
                {
                    "type": "multiple_choice",
                    "question": "Who won the Nobel Prize in Physics in 1903?",
                    "options": ["Marie Curie", "Ada Lovelace", "Alan Turing", "Isaac Newton"],
                    "answer_index": 0,
                    "explanation": "The text says Marie Curie won it in 1903.",
                    "passage": sentence,
                },
                {
                    "type": "true_false",
                    "question": "Ada Lovelace wrote the first published algorithm.",
                    "options": ["True", "False"],
                    "answer_index": 0,
                    "explanation": "Stated in the text.",
                    "passage": "a sentence the text does not contain",
                },
            ]
        }
    )


def deepseek_completion(content: str) -> dict[str, Any]:
    """The example response of POST /chat/completions in the DeepSeek API docs."""
    return {
        "id": "930c60df-bf64-41c9-a88e-3ec75f81e00e",
        "object": "chat.completion",
        "created": 1705651092,
        "model": "deepseek-chat",
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": content},
                "logprobs": None,
                "finish_reason": "stop",
            }
        ],
        "usage": {
            "prompt_tokens": 16,
            "completion_tokens": 10,
            "total_tokens": 26,
            "prompt_cache_hit_tokens": 0,
            "prompt_cache_miss_tokens": 16,
        },
        "system_fingerprint": "fp_44709d6fcb",
    }


def anthropic_message(text: str) -> dict[str, Any]:
    """The example response of POST /v1/messages in the Anthropic API reference."""
    return {
        "id": "msg_013Zva2CMHLNnXjNJJKqJ2EF",
        "type": "message",
        "role": "assistant",
        "content": [{"type": "text", "text": text}],
        "model": "claude-sonnet-4-5-20250929",
        "stop_reason": "end_turn",
        "stop_sequence": None,
        "usage": {"input_tokens": 2095, "output_tokens": 503},
    }


async def _count_quizzes(app, account: Account) -> int:
    async with app.state.database.transaction() as session:
        count = await session.scalar(
            select(func.count()).select_from(Quiz).where(Quiz.user_id == uuid.UUID(account.id))
        )
    return count or 0


@respx.mock
async def test_a_deepseek_generation(make_client, user_a: Account):
    app, client = await make_client(
        AI_PROVIDER="deepseek", DEEPSEEK_API_KEY="sk-test-deepseek", AI_MAX_RETRIES=0
    )
    text = study_text()
    route = respx.post(DEEPSEEK_URL).mock(
        return_value=httpx.Response(200, json=deepseek_completion(questions_json(text)))
    )
    response = await client.post(
        f"{API}/quiz/generate", json={"text": text, "num_questions": 2}, headers=user_a.headers
    )
    assert response.status_code == 201, response.text
    quiz = response.json()["data"]
    assert [q["type"] for q in quiz["questions"]] == ["multiple_choice", "true_false"]
    sent = json.loads(route.calls.last.request.content)
    assert sent["model"] == "deepseek-chat" and sent["response_format"] == {"type": "json_object"}
    assert sent["messages"][-1]["content"] == text
    assert route.calls.last.request.headers["authorization"] == "Bearer sk-test-deepseek"
    async with app.state.database.transaction() as session:
        usage = await session.scalar(select(AIUsage).where(AIUsage.quiz_id == uuid.UUID(quiz["id"])))
    assert usage is not None and usage.provider == "deepseek" and usage.model == "deepseek-chat"
    assert (usage.prompt_tokens, usage.completion_tokens) == (16, 10) and usage.cost_usd > 0
    # The passage a model invents is replaced by the start of the text the user sent.
    attempt = await client.post(f"{API}/quiz/attempt", json={"quiz_id": quiz["id"]}, headers=user_a.headers)
    result = await client.post(
        f"{API}/quiz/submit",
        json={"attempt_id": attempt.json()["data"]["id"], "answers": []},
        headers=user_a.headers,
    )
    passages = [r["passage"] for r in result.json()["data"]["results"]]
    assert passages[0] == text.split(". ")[0] + "." and passages[1] in text


@respx.mock
async def test_malformed_deepseek_json_fails_cleanly_or_falls_back(make_client, user_a: Account):
    app, strict = await make_client(AI_PROVIDER="deepseek", DEEPSEEK_API_KEY="sk-test", AI_MAX_RETRIES=0)
    respx.post(DEEPSEEK_URL).mock(
        return_value=httpx.Response(200, json=deepseek_completion('{"questions": [{"question": "Unfinished'))
    )
    before = await _count_quizzes(app, user_a)
    response = await strict.post(
        f"{API}/quiz/generate", json={"text": study_text(), "num_questions": 3}, headers=user_a.headers
    )
    assert response.status_code == 502 and response.json()["error"]["code"] == "AI_SCHEMA_VIOLATION"
    assert "Unfinished" not in response.text
    assert await _count_quizzes(app, user_a) == before
    _, lenient = await make_client(
        AI_PROVIDER="deepseek", DEEPSEEK_API_KEY="sk-test", AI_MAX_RETRIES=0, AI_FALLBACK_TO_OFFLINE=True
    )
    fallback = await lenient.post(
        f"{API}/quiz/generate", json={"text": study_text(), "num_questions": 3}, headers=user_a.headers
    )
    assert fallback.status_code == 201 and len(fallback.json()["data"]["questions"]) == 3
    async with app.state.database.transaction() as session:
        usage = await session.scalar(
            select(AIUsage).where(AIUsage.quiz_id == uuid.UUID(fallback.json()["data"]["id"]))
        )
    assert usage is not None and usage.provider == "offline (fallback from deepseek)"


@respx.mock
async def test_an_anthropic_generation_and_a_wrong_answer_index(make_client, user_a: Account):
    app, client = await make_client(
        AI_PROVIDER="anthropic", ANTHROPIC_API_KEY="sk-ant-test", AI_MAX_RETRIES=0
    )
    text = study_text()
    route = respx.post(ANTHROPIC_URL).mock(
        return_value=httpx.Response(200, json=anthropic_message("```json\n" + questions_json(text) + "\n```"))
    )
    response = await client.post(
        f"{API}/quiz/generate", json={"text": text, "num_questions": 2}, headers=user_a.headers
    )
    assert response.status_code == 201, response.text
    sent = json.loads(route.calls.last.request.content)
    assert sent["messages"] == [{"role": "user", "content": text}] and "JSON" in sent["system"]
    assert route.calls.last.request.headers["x-api-key"] == "sk-ant-test"
    async with app.state.database.transaction() as session:
        usage = await session.scalar(
            select(AIUsage).where(AIUsage.quiz_id == uuid.UUID(response.json()["data"]["id"]))
        )
    assert usage is not None and usage.provider == "anthropic" and usage.prompt_tokens == 2095
    broken = json.loads(questions_json(text))
    broken["questions"][0]["answer_index"] = 5
    respx.post(ANTHROPIC_URL).mock(
        return_value=httpx.Response(200, json=anthropic_message(json.dumps(broken)))
    )
    before = await _count_quizzes(app, user_a)
    refused = await client.post(
        f"{API}/quiz/generate", json={"text": study_text(), "num_questions": 2}, headers=user_a.headers
    )
    assert refused.status_code == 502 and refused.json()["error"]["code"] == "AI_SCHEMA_VIOLATION"
    assert await _count_quizzes(app, user_a) == before


_WORDS = st.sampled_from(
    [
        "river",
        "harbour",
        "council",
        "bridge",
        "merchant",
        "amber",
        "copper",
        "salt",
        "chronicle",
        "lighthouse",
        "planet",
        "orbit",
        "molecule",
        "enzyme",
        "protein",
        "theorem",
        "algebra",
        "Paris",
        "Berlin",
        "Kyoto",
        "Nairobi",
        "Lima",
        "1848",
        "1921",
        "42",
        "3.14",
    ]
)
_SENTENCE = st.lists(_WORDS, min_size=5, max_size=14).map(lambda ws: " ".join(ws).capitalize() + ".")


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    sentences=st.lists(_SENTENCE, min_size=2, max_size=25),
    count=st.integers(min_value=1, max_value=12),
    difficulty=st.sampled_from(["easy", "medium", "hard"]),
    types=st.lists(st.sampled_from(["multiple_choice", "true_false", "cloze"]), min_size=1, unique=True),
)
def test_offline_questions_have_one_correct_option_and_distinct_distractors(
    sentences, count, difficulty, types
):
    text = " ".join(sentences)
    questions = generate_questions(text, count, types, difficulty)
    assert len(questions) <= count
    for question in questions:
        assert question.type in types
        assert 0 <= question.answer_index < len(question.options)
        normalised = [o.strip().lower() for o in question.options]
        assert len(set(normalised)) == len(normalised) >= 2
        assert question.passage in text
        if question.type == "cloze":
            assert question.options[question.answer_index] in question.passage
            assert all(o not in question.passage.split() or o == question.answer for o in question.options)
        elif question.type == "multiple_choice":
            assert question.options[question.answer_index] == question.passage
            assert [o for o in question.options if o in sentences] == [question.passage]
        else:
            statement = question.question.removeprefix("True or false: ")
            assert (statement in sentences) == (question.answer == "True")
