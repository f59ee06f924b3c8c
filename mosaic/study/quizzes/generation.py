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
from mosaic.core.errors import ValidationFailed
from mosaic.providers.ai import OFFLINE_MODEL, AIConfig, AIError, analyse, build_ai_client, split_sentences
from mosaic.providers.ai.offline import estimate_tokens
from mosaic.providers.ai.questions import (
    GeneratedQuestion,
    QuestionType,
    generate_questions,
    parse_questions,
    questions_prompt_system,
    questions_schema,
)
from mosaic.study.errors import field_details

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


def _segments(sentences: list[str], parts: int) -> list[set[str]]:
    """`parts` contiguous runs of sentences, so a chunk's questions spread over all of it."""
    size = len(sentences) / parts
    return [set(sentences[round(i * size) : round((i + 1) * size)]) for i in range(parts)]


def _offline(chunks: list[str], shares: list[int], options: GenerationOptions) -> list[GeneratedQuestion]:
    """Each chunk's share, one question from each contiguous segment of the chunk, then the
    shortfall (a segment with no usable sentence) topped up from the chunk's best sentences."""
    chosen: list[list[GeneratedQuestion]] = []
    spare: list[list[GeneratedQuestion]] = []
    for chunk, share in zip(chunks, shares, strict=True):
        if not share:
            chosen.append([])
            spare.append([])
            continue
        analysis = analyse(chunk)
        picked: list[GeneratedQuestion] = []
        for segment in _segments(analysis.sentences, share):
            picked.extend(
                generate_questions(
                    chunk,
                    1,
                    options.question_types,
                    options.difficulty,
                    analysis=analysis,
                    only=segment,
                    start=sum(len(c) for c in chosen) + len(picked),
                )
            )
        pool = generate_questions(
            chunk, share + 2, options.question_types, options.difficulty, analysis=analysis
        )
        taken = {(q.question, q.answer) for q in picked}
        chosen.append(picked)
        spare.append([q for q in pool if (q.question, q.answer) not in taken])
    seen: set[tuple[str, str]] = set()
    for group in chosen:
        group[:] = [q for q in group if _first_time(q, seen)]
    missing = options.num_questions - sum(len(c) for c in chosen)
    while missing > 0 and any(spare):
        for index, extra in enumerate(spare):
            while missing > 0 and extra:
                question = extra.pop(0)
                if _first_time(question, seen):
                    chosen[index].append(question)
                    missing -= 1
                    break
    return [q for group in chosen for q in group][: options.num_questions]


def _first_time(question: GeneratedQuestion, seen: set[tuple[str, str]]) -> bool:
    key = (question.question, question.answer)
    if key in seen:
        return False
    seen.add(key)
    return True


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
    """Questions for `text`; 400 `TEXT_TOO_SHORT` when it yields none (a rule about the text's
    content, which no schema can state: a business-rule 400, not the schema's 422)."""
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
        message = "The text has too little content for questions"
        raise ValidationFailed(
            message, code="TEXT_TOO_SHORT", details=field_details("text", message, "TEXT_TOO_SHORT")
        )
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
