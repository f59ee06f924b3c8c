"""The offline provider: deterministic, no network, and answers from the text it is given."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

import jsonschema
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mosaic.providers.ai import (
    QUIZ_JSON_SCHEMA,
    AIConfig,
    OfflineProvider,
    build_ai_client,
    extract_keywords,
    generate_quiz,
    parse_quiz,
    quiz_prompt_system,
    split_sentences,
    summarize,
)
from mosaic.providers.ai.offline import source_text
from mosaic.providers.ai.text import BLANK, QUESTION_PREFIX, analyse, truncate
from tests.providers.ai.conftest import OTHER_PASSAGE, PASSAGE


def _normalise(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def _filled(question: str, option: str) -> str:
    return question.removeprefix(QUESTION_PREFIX).replace(BLANK, option)


async def test_same_input_gives_the_same_output_in_any_instance():
    first = await OfflineProvider().complete(PASSAGE)
    second = await OfflineProvider().complete(PASSAGE)
    structured = [await OfflineProvider().complete(PASSAGE, json_schema=QUIZ_JSON_SCHEMA) for _ in range(2)]
    assert first == second
    assert structured[0].text == structured[1].text


async def test_summary_is_shorter_made_of_the_passage_sentences_and_input_specific():
    sentences = split_sentences(PASSAGE)
    completion = await build_ai_client(AIConfig()).complete(PASSAGE)
    summary = completion.text
    assert len(sentences) == 7
    assert 0 < len(summary) < len(PASSAGE)
    picked = split_sentences(summary)
    assert 1 <= len(picked) < len(sentences)
    assert all(sentence in sentences for sentence in picked)
    # In the passage's order, and the defining first sentence is among the most informative.
    assert picked == [s for s in sentences if s in picked]
    assert sentences[0] in picked
    other = await build_ai_client(AIConfig()).complete(OTHER_PASSAGE)
    assert other.text != summary and set(split_sentences(other.text)) <= set(split_sentences(OTHER_PASSAGE))
    assert completion.provider == "offline" and completion.cost_usd == Decimal(0)
    assert completion.usage.prompt_tokens == pytest.approx(len(PASSAGE) / 4, abs=1)
    assert (
        completion.usage.total_tokens == completion.usage.prompt_tokens + completion.usage.completion_tokens
    )


def test_keywords_are_the_salient_terms_of_the_text():
    keywords = [k.lower() for k in extract_keywords(PASSAGE, 8)]
    assert {"energy", "light", "oxygen", "photosynthesis"} <= set(keywords)
    assert "jan ingenhousz" in keywords  # a proper-noun phrase is kept whole
    assert not {"the", "and", "which", "is"} & set(keywords)
    assert extract_keywords(OTHER_PASSAGE, 3) != extract_keywords(PASSAGE, 3)


def test_sentence_splitting_keeps_abbreviations_and_list_items_apart():
    text = "Dr. Smith met Mr. Jones at 5 p.m. today. They talked.\n\n- First item\n- Second item"
    assert split_sentences(text) == [
        "Dr. Smith met Mr. Jones at 5 p.m. today.",
        "They talked.",
        "First item",
        "Second item",
    ]


async def test_quiz_json_validates_and_every_answer_is_right_by_the_passage():
    sentences = {_normalise(s) for s in split_sentences(PASSAGE)}
    completion = await build_ai_client(AIConfig()).complete(
        PASSAGE, system=quiz_prompt_system(4), json_schema=QUIZ_JSON_SCHEMA
    )
    jsonschema.validate(completion.data, QUIZ_JSON_SCHEMA)
    questions = parse_quiz(completion.data)
    assert len(questions) == 4
    assert len({q.question for q in questions}) == 4
    for q in questions:
        assert q.question.startswith(QUESTION_PREFIX) and BLANK in q.question
        assert len(q.options) == 4
        # The correct option restores a sentence of the passage; no other option does.
        assert _normalise(_filled(q.question, q.answer)) in sentences
        for i, option in enumerate(q.options):
            if i != q.answer_index:
                assert _normalise(_filled(q.question, option)) not in sentences
        assert q.explanation.removeprefix('The passage says: "').removesuffix('"') in sentences


def test_quiz_distractors_match_the_kind_of_answer():
    questions = generate_quiz(PASSAGE, count=10)
    by_answer = {q.answer: q for q in questions}
    assert "Jan Ingenhousz" in by_answer or "1779" in by_answer
    for q in questions:
        if q.answer == "1779":
            assert all(o.isdigit() for o in q.options)
        if q.answer == "Jan Ingenhousz":
            assert all(o[:1].isupper() for o in q.options)
    # Different passages give different questions; positions of the answer vary (shuffled).
    assert {q.question for q in generate_quiz(OTHER_PASSAGE, 3)}.isdisjoint({q.question for q in questions})
    assert len({q.answer_index for q in questions}) > 1


async def test_quiz_count_follows_the_instructions_and_the_schema_bounds():
    provider = OfflineProvider()
    two = await provider.complete(PASSAGE, system="Write 2 questions.", json_schema=QUIZ_JSON_SCHEMA)
    assert len(parse_quiz(_json(two.text))) == 2
    bounded: dict[str, Any] = {
        "type": "object",
        "required": ["items"],
        "properties": {
            "items": {
                "type": "array",
                "minItems": 3,
                "maxItems": 3,
                "items": {
                    "type": "object",
                    "required": ["prompt", "choices", "correct_answer"],
                    "additionalProperties": False,
                    "properties": {
                        "prompt": {"type": "string"},
                        "choices": {"type": "array", "items": {"type": "string"}, "maxItems": 3},
                        "correct_answer": {"type": "string"},
                    },
                },
            }
        },
    }
    completion = await build_ai_client(AIConfig()).complete(PASSAGE, json_schema=bounded)
    items = completion.data["items"]
    assert len(items) == 3
    for item in items:
        assert len(item["choices"]) == 3 and item["correct_answer"] in item["choices"]


async def test_plain_text_modes_follow_the_instruction():
    provider = OfflineProvider()
    keywords = await provider.complete(PASSAGE, system="Extract 5 keywords.")
    assert keywords.text == ", ".join(extract_keywords(PASSAGE, 5))
    quiz = await provider.complete(PASSAGE, system="Make a quiz with 2 questions.")
    assert quiz.text.startswith("1. " + QUESTION_PREFIX) and "\n2. " in quiz.text and "Answer: " in quiz.text
    short = await provider.complete(PASSAGE, max_tokens=10)
    assert len(short.text) <= 40


async def test_the_passage_is_read_out_of_a_longer_prompt():
    for prompt in (
        f"Summarise this text for a student.\n```\n{PASSAGE}\n```",
        f"Summarise this.\n<text>{PASSAGE}</text>",
        f"Summarise this.\nText: {PASSAGE}",
    ):
        passage, instructions = source_text(prompt)
        assert passage == PASSAGE
        assert "Summarise" in instructions
        assert (await OfflineProvider().complete(prompt)).text == summarize(PASSAGE)


TRADING_SCHEMA: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "required": ["title", "summary", "sentiment", "action", "confidence", "key_points", "tags"],
    "properties": {
        "title": {"type": "string", "maxLength": 40},
        "summary": {"type": "string", "minLength": 10},
        "sentiment": {"enum": ["positive", "negative", "neutral"]},
        "action": {"type": "string", "enum": ["buy", "sell", "hold"]},
        "confidence": {"type": "number", "minimum": 0, "maximum": 1},
        "key_points": {"type": "array", "items": {"type": "string"}, "minItems": 1},
        "tags": {"type": "array", "items": {"type": "string"}, "maxItems": 4, "uniqueItems": True},
        "risk": {"anyOf": [{"type": "null"}, {"$ref": "#/$defs/risk"}]},
    },
    "$defs": {
        "risk": {
            "type": "object",
            "required": ["level", "stop_loss_pct"],
            "properties": {
                "level": {"type": "integer", "minimum": 1, "maximum": 5},
                "stop_loss_pct": {"type": "number", "exclusiveMinimum": 0, "maximum": 50},
            },
        }
    },
}

TRADING_VALIDATOR = jsonschema.Draft202012Validator(TRADING_SCHEMA)

BULLISH = (
    "Bitcoin surged 8% to a record high as ETF inflows rose for a fifth week. "
    "Analysts upgraded their price targets after strong growth in trading volume. "
    "Exchanges reported higher profits for the quarter."
)
BEARISH = (
    "Bitcoin plunged 12% as regulators announced a lawsuit against a major exchange. "
    "Analysts downgraded their targets and warned of further losses. "
    "Trading volume fell to its lowest level this year."
)


@pytest.mark.parametrize(
    ("text", "sentiment", "action"), [(BULLISH, "positive", "buy"), (BEARISH, "negative", "sell")]
)
async def test_any_schema_gets_valid_json_built_from_the_text(text, sentiment, action):
    completion = await build_ai_client(AIConfig()).complete(text, json_schema=TRADING_SCHEMA)
    data = completion.data
    jsonschema.validate(data, TRADING_SCHEMA)
    assert data["sentiment"] == sentiment and data["action"] == action
    assert data["summary"] in text or all(
        s in split_sentences(text) for s in split_sentences(data["summary"])
    )
    assert all(point in split_sentences(text) for point in data["key_points"])
    assert all(tag.lower() in text.lower() for tag in data["tags"])
    assert 1 <= data["risk"]["level"] <= 5 and data["risk"]["stop_loss_pct"] > 0


def _json(text: str) -> Any:
    import orjson

    return orjson.loads(text)


@settings(max_examples=25, deadline=None)
@given(
    st.text(max_size=600)
    | st.lists(st.sampled_from([PASSAGE, BULLISH, "Dr. X.", "\n\n- a\n", "1999"]), max_size=4).map(" ".join)
)
async def test_any_text_gets_an_answer_and_schema_valid_json(text):
    client = build_ai_client(AIConfig())
    plain = await client.complete(text)
    picked = analyse(text).summary_sentences()
    assert set(picked) <= set(split_sentences(text)) and len(set(picked)) == len(picked)
    assert plain.text == truncate(" ".join(picked), 4096)
    structured = await client.complete(text, json_schema=TRADING_SCHEMA)
    TRADING_VALIDATOR.validate(structured.data)
    for q in generate_quiz(text, 5):
        assert 0 <= q.answer_index < len(q.options) and len(set(q.options)) == len(q.options)
