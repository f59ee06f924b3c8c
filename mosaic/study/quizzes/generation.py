"""Questions from a text of any length: chunked, every part asked, one provider call per chunk.

A long text is split at paragraph and sentence boundaries into chunks of about `CHUNK_CHARS`;
the requested count is spread over the chunks (evenly when there are more questions than
chunks, else over evenly spaced chunks that always include the first and the last), so the quiz
covers the whole document, not just its opening. The offline provider builds the questions from
each chunk itself; a configured provider (DeepSeek, Anthropic, OpenAI) gets the chunk as data
with the questions' JSON schema, and its answer is checked strictly (`parse_questions`). A
provider failure falls back to the offline generator when `AI_FALLBACK_TO_OFFLINE` is set and
fails cleanly (a 502/503/504 envelope, nothing stored) otherwise.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from dataclasses import dataclass, field
from decimal import Decimal

import httpx

from mosaic.core.config import Settings
from mosaic.core.errors import InvalidInput
from mosaic.providers.ai import OFFLINE_MODEL, AIConfig, AIError, build_ai_client, split_sentences
from mosaic.providers.ai.offline import estimate_tokens
from mosaic.providers.ai.questions import (
    GeneratedQuestion,
    QuestionType,
    generate_questions,
    parse_questions,
    questions_prompt_system,
    questions_schema,
)

logger = logging.getLogger("mosaic.study")

CHUNK_CHARS = 4_000


@dataclass(frozen=True, slots=True)
class GenerationOptions:
    num_questions: int
    difficulty: str
    question_types: tuple[QuestionType, ...]


@dataclass
class UsageRecord:
    provider: str
    model: str
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost_usd: Decimal = Decimal(0)


@dataclass
class GenerationResult:
    questions: list[GeneratedQuestion]
    usage: UsageRecord
    fallback_from: str | None = None
    chunks: int = 1
    extra: dict[str, int] = field(default_factory=dict)


def chunk_text(text: str, size: int = CHUNK_CHARS) -> list[str]:
    """Consecutive chunks of about `size` characters, never cutting a sentence."""
    chunks: list[str] = []
    current: list[str] = []
    length = 0
    for sentence in split_sentences(text):
        if current and length + len(sentence) > size:
            chunks.append(" ".join(current))
            current, length = [], 0
        current.append(sentence)
        length += len(sentence) + 1
    if current:
        chunks.append(" ".join(current))
    return chunks


def allocate(count: int, chunks: int) -> list[int]:
    """Questions per chunk: every chunk when there are enough, else evenly spaced first..last."""
    if chunks <= 0:
        return []
    if count >= chunks:
        base, extra = divmod(count, chunks)
        return [base + (1 if i < extra else 0) for i in range(chunks)]
    shares = [0] * chunks
    if count == 1:
        shares[0] = 1
        return shares
    for i in range(count):
        shares[round(i * (chunks - 1) / (count - 1))] += 1
    return shares


def _offline(chunks: list[str], shares: list[int], options: GenerationOptions) -> list[GeneratedQuestion]:
    """Each chunk's share, then the shortfall topped up from chunks that have more to give."""
    per_chunk: list[list[GeneratedQuestion]] = []
    for chunk, share in zip(chunks, shares, strict=True):
        wanted = share + 2 if share else 0
        per_chunk.append(
            generate_questions(chunk, wanted, options.question_types, options.difficulty) if wanted else []
        )
    chosen = [qs[:share] for qs, share in zip(per_chunk, shares, strict=True)]
    spare = [qs[share:] for qs, share in zip(per_chunk, shares, strict=True)]
    missing = options.num_questions - sum(len(c) for c in chosen)
    while missing > 0 and any(spare):
        for index, extra in enumerate(spare):
            if missing > 0 and extra:
                chosen[index].append(extra.pop(0))
                missing -= 1
    return _distinct([q for group in chosen for q in group])


def _distinct(questions: list[GeneratedQuestion]) -> list[GeneratedQuestion]:
    seen: set[tuple[str, str]] = set()
    result = []
    for question in questions:
        key = (question.question, question.answer)
        if key not in seen:
            seen.add(key)
            result.append(question)
    return result


async def generate(
    settings: Settings,
    text: str,
    options: GenerationOptions,
    *,
    http_client: httpx.AsyncClient | None = None,
) -> GenerationResult:
    """Questions for `text`; 422 `TEXT_TOO_SHORT` when it yields none."""
    chunks = chunk_text(text)
    shares = allocate(options.num_questions, len(chunks))
    config = dataclasses.replace(AIConfig.from_settings(settings), fallback_to_offline=False)
    if config.provider == "offline":
        questions = await asyncio.to_thread(_offline, chunks, shares, options)
        usage = UsageRecord(
            "offline",
            OFFLINE_MODEL,
            estimate_tokens(text),
            sum(estimate_tokens(q.question + "".join(q.options)) for q in questions),
        )
        result = GenerationResult(questions, usage, chunks=len(chunks))
    else:
        result = await _remote(settings, config, chunks, shares, options, http_client)
    if not result.questions:
        raise InvalidInput("The text has too little content for questions", code="TEXT_TOO_SHORT")
    return result


async def _remote(
    settings: Settings,
    config: AIConfig,
    chunks: list[str],
    shares: list[int],
    options: GenerationOptions,
    http_client: httpx.AsyncClient | None,
) -> GenerationResult:
    client = build_ai_client(config, http_client=http_client)
    schema = questions_schema(options.question_types)
    usage = UsageRecord(config.provider, config.model)
    questions: list[GeneratedQuestion] = []
    fallback_from: str | None = None
    for chunk, share in zip(chunks, shares, strict=True):
        if not share:
            continue
        try:
            completion = await client.complete(
                chunk,
                system=questions_prompt_system(share, options.question_types, options.difficulty),
                json_schema=schema,
                max_tokens=min(8_000, 300 * share + 200),
            )
            found = parse_questions(completion.data, chunk)[:share]
        except AIError as exc:
            if not settings.AI_FALLBACK_TO_OFFLINE:
                raise
            logger.warning(
                "quiz generation: %s failed (%s); offline questions instead", config.provider, exc.error_code
            )
            fallback_from = config.provider
            found = generate_questions(chunk, share, options.question_types, options.difficulty)
        else:
            usage.prompt_tokens += completion.usage.prompt_tokens
            usage.completion_tokens += completion.usage.completion_tokens
            usage.cost_usd += completion.cost_usd
        questions.extend(found)
    return GenerationResult(_distinct(questions), usage, fallback_from=fallback_from, chunks=len(chunks))
