"""Quiz generation (now or as a job), my quizzes, attempts and scoring.

Generation order: the plan limit `ai_generations_per_day` (402), then the cache (the same
cleaned text with the same options, by SHA-256, reuses the questions already generated: no
provider call, usage recorded as `cached` at $0, not counted against the limit), then either an
immediate generation (text up to `QUIZ_SYNC_MAX_CHARS`) or a queued `study.generate_quiz` job
answered with 202 and a generation id.
"""

from __future__ import annotations

import hashlib
import logging
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import NoReturn

import orjson
from sqlalchemy import func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from mosaic.accounts.plans.limits import check_within_limit
from mosaic.core.config import Settings
from mosaic.core.crud import Owned
from mosaic.core.database import Database, utcnow
from mosaic.core.errors import AppError, Conflict, InvalidInput, NotFound
from mosaic.core.jobs import JobContext, JobQueue, enqueue_after_commit, job
from mosaic.core.pagination import PageParams
from mosaic.core.repository import Repository
from mosaic.providers.ai import analyse
from mosaic.providers.ai.questions import GeneratedQuestion, QuestionType
from mosaic.study.errors import field_details
from mosaic.study.quizzes.generation import GenerationOptions, GenerationResult, generate
from mosaic.study.quizzes.models import AIUsage, Attempt, Quiz, QuizGeneration, QuizQuestion
from mosaic.study.quizzes.schemas import AnswerIn
from mosaic.study.reviews.service import record_answers

logger = logging.getLogger("mosaic.study")

GENERATE_QUIZ = "study.generate_quiz"
LIMIT_RESOURCE = "ai_generations_per_day"


class QuizRepository(Repository[Quiz]):
    model = Quiz
    label = "Quiz"
    owner_field = "user_id"
    sortable = frozenset({"created_at", "title", "subject"})
    default_sort = "-created_at"


class AttemptRepository(Repository[Attempt]):
    model = Attempt
    label = "Attempt"
    owner_field = "user_id"
    sortable = frozenset({"started_at", "submitted_at", "score"})
    default_sort = "-started_at"


class GenerationRepository(Repository[QuizGeneration]):
    model = QuizGeneration
    label = "Generation"
    owner_field = "user_id"
    sortable = frozenset({"created_at"})
    default_sort = "-created_at"


@dataclass(frozen=True, slots=True)
class QuizRequest:
    """A generation request, whatever it came from (text, PDF, a note)."""

    text: str
    num_questions: int
    difficulty: str
    question_types: tuple[QuestionType, ...]
    source: str = "text"
    subject: str | None = None
    title: str | None = None

    @property
    def options(self) -> GenerationOptions:
        return GenerationOptions(self.num_questions, self.difficulty, self.question_types)

    @property
    def text_hash(self) -> str:
        key = orjson.dumps([self.text, self.num_questions, self.difficulty, sorted(self.question_types)])
        return hashlib.sha256(key).hexdigest()


def _start_of_utc_day(now: datetime) -> datetime:
    return now.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)


async def generations_today(session: AsyncSession, user_id: uuid.UUID) -> int:
    """The `ai_generations_per_day` counter: paid (uncached) generations since 00:00 UTC, plus
    queued or running ones (so a burst of large uploads cannot overshoot the limit)."""
    since = _start_of_utc_day(utcnow())
    done = await session.scalar(
        select(func.count())
        .select_from(AIUsage)
        .where(AIUsage.user_id == user_id, AIUsage.cached.is_(False), AIUsage.created_at >= since)
    )
    pending = await session.scalar(
        select(func.count())
        .select_from(QuizGeneration)
        .where(
            QuizGeneration.user_id == user_id,
            QuizGeneration.status.in_(("queued", "running")),
            QuizGeneration.created_at >= since,
        )
    )
    return (done or 0) + (pending or 0)


async def _cached_questions(session: AsyncSession, text_hash: str) -> list[QuizQuestion] | None:
    """Questions of an earlier quiz from the same text and options (any owner: the text is the
    same, so nothing of theirs is revealed), deleted quizzes included."""
    quiz_id = await session.scalar(
        select(Quiz.id)
        .where(Quiz.source_hash == text_hash, Quiz.question_count > 0)
        .order_by(Quiz.created_at)
        .limit(1)
    )
    if quiz_id is None:
        return None
    rows = await session.scalars(
        select(QuizQuestion).where(QuizQuestion.quiz_id == quiz_id).order_by(QuizQuestion.position)
    )
    return list(rows.all()) or None


async def _store_quiz(
    session: AsyncSession,
    user_id: uuid.UUID,
    request: QuizRequest,
    questions: list[GeneratedQuestion],
) -> Quiz:
    title = request.title or analyse(request.text[:4000]).title()
    quiz = Quiz(
        user_id=user_id,
        title=title[:200],
        subject=request.subject,
        difficulty=request.difficulty,
        question_types=list(request.question_types),
        source=request.source,
        source_hash=request.text_hash,
        question_count=len(questions),
    )
    quiz.questions = [
        QuizQuestion(
            position=position,
            type=q.type,
            question=q.question,
            options=list(q.options),
            answer_index=q.answer_index,
            explanation=q.explanation,
            passage=q.passage,
        )
        for position, q in enumerate(questions)
    ]
    session.add(quiz)
    await session.flush()
    return quiz


def _record_usage(
    session: AsyncSession,
    user_id: uuid.UUID,
    quiz: Quiz,
    text_hash: str,
    result: GenerationResult | None,
    generation_id: uuid.UUID | None = None,
) -> None:
    if result is None:
        session.add(
            AIUsage(
                user_id=user_id,
                quiz_id=quiz.id,
                generation_id=generation_id,
                provider="cache",
                model="",
                cached=True,
                text_hash=text_hash,
            )
        )
        return
    usage = result.usage
    session.add(
        AIUsage(
            user_id=user_id,
            quiz_id=quiz.id,
            generation_id=generation_id,
            provider=f"offline (fallback from {result.fallback_from})"
            if result.fallback_from
            else usage.provider,
            model=usage.model,
            prompt_tokens=usage.prompt_tokens,
            completion_tokens=usage.completion_tokens,
            cost_usd=usage.cost_usd,
            cached=False,
            text_hash=text_hash,
        )
    )


def _as_generated(rows: list[QuizQuestion]) -> list[GeneratedQuestion]:
    return [
        GeneratedQuestion(
            r.type,  # type: ignore[arg-type]
            r.question,
            list(r.options),
            r.answer_index,
            r.explanation,
            r.passage,
        )
        for r in rows
    ]


async def request_quiz(
    session: AsyncSession,
    settings: Settings,
    jobs: JobQueue,
    user_id: uuid.UUID,
    request: QuizRequest,
    *,
    enforce_limit: bool = True,
) -> Quiz | QuizGeneration:
    """A quiz now (cached or small enough), or a queued generation to poll."""
    cached = await _cached_questions(session, request.text_hash)
    if cached is not None:
        quiz = await _store_quiz(session, user_id, request, _as_generated(cached))
        _record_usage(session, user_id, quiz, request.text_hash, None)
        logger.info("quiz %s for user %s from the cache (%s)", quiz.id, user_id, request.text_hash[:12])
        return quiz
    if enforce_limit:
        await check_within_limit(session, user_id, LIMIT_RESOURCE, generations_today)
    if len(request.text) > settings.QUIZ_SYNC_MAX_CHARS:
        generation = await GenerationRepository(session).create(
            user_id=user_id,
            status="queued",
            source=request.source,
            text=request.text,
            options={
                "num_questions": request.num_questions,
                "difficulty": request.difficulty,
                "question_types": list(request.question_types),
                "subject": request.subject,
                "title": request.title,
            },
        )
        enqueue_after_commit(session, jobs, GENERATE_QUIZ, str(generation.id))
        logger.info(
            "quiz generation %s queued for user %s (%d chars)", generation.id, user_id, len(request.text)
        )
        return generation
    result = await generate(settings, request.text, request.options)
    quiz = await _store_quiz(session, user_id, request, result.questions)
    _record_usage(session, user_id, quiz, request.text_hash, result)
    return quiz


@job(GENERATE_QUIZ, max_retries=1, retry_backoff=2.0)
async def generate_quiz_job(ctx: JobContext, generation_id: str) -> str:
    return await run_generation(ctx.settings, ctx.database, uuid.UUID(generation_id))


async def run_generation(settings: Settings, database: Database, generation_id: uuid.UUID) -> str:
    """Claim a queued generation, generate with no transaction open, store quiz and usage."""
    async with database.transaction() as session:
        claimed = await session.execute(
            update(QuizGeneration)
            .where(QuizGeneration.id == generation_id, QuizGeneration.status == "queued")
            .values(status="running", updated_at=utcnow())
            .execution_options(synchronize_session=False)
        )
        if getattr(claimed, "rowcount", 0) != 1:
            logger.info("quiz generation %s is not queued; nothing to do", generation_id)
            return "skipped"
        generation = await session.get_one(QuizGeneration, generation_id)
        options = dict(generation.options)
        request = QuizRequest(
            text=generation.text or "",
            num_questions=int(options["num_questions"]),
            difficulty=str(options["difficulty"]),
            question_types=tuple(options["question_types"]),
            source=generation.source,
            subject=options.get("subject"),
            title=options.get("title"),
        )
        user_id = generation.user_id
    try:
        result = await generate(settings, request.text, request.options)
    except AppError as exc:
        async with database.transaction() as session:
            await session.execute(
                update(QuizGeneration)
                .where(QuizGeneration.id == generation_id)
                .values(
                    status="failed",
                    text=None,
                    error_code=exc.error_code,
                    error_message=exc.message[:500],
                    finished_at=utcnow(),
                    updated_at=utcnow(),
                )
            )
        logger.warning("quiz generation %s failed: %s", generation_id, exc.error_code)
        return "failed"
    async with database.transaction() as session:
        quiz = await _store_quiz(session, user_id, request, result.questions)
        _record_usage(session, user_id, quiz, request.text_hash, result, generation_id)
        await session.execute(
            update(QuizGeneration)
            .where(QuizGeneration.id == generation_id)
            .values(status="completed", text=None, quiz_id=quiz.id, finished_at=utcnow(), updated_at=utcnow())
        )
    logger.info(
        "quiz generation %s completed: quiz %s, %d questions", generation_id, quiz.id, len(result.questions)
    )
    return "completed"


async def get_generation(
    session: AsyncSession, user_id: uuid.UUID, generation_id: uuid.UUID
) -> QuizGeneration:
    return await Owned(GenerationRepository(session), user_id).get(generation_id)


# -- my quizzes --------------------------------------------------------------------------------


async def list_quizzes(
    session: AsyncSession, user_id: uuid.UUID, page: PageParams, *, subject: str | None, q: str | None
) -> tuple[list[Quiz], int]:
    filters = []
    if subject:
        filters.append(func.lower(Quiz.subject) == subject.lower())
    if q:
        pattern = "%" + q.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        filters.append(
            or_(
                func.lower(Quiz.title).like(pattern, escape="\\"),
                func.lower(Quiz.subject).like(pattern, escape="\\"),
            )
        )
    return await Owned(QuizRepository(session), user_id).list(page, filters=filters)


async def get_quiz(session: AsyncSession, user_id: uuid.UUID, quiz_id: uuid.UUID) -> tuple[Quiz, bool]:
    """My quiz with its questions, and whether its answers may be shown (I submitted an attempt)."""
    quiz = await session.scalar(
        select(Quiz)
        .options(selectinload(Quiz.questions))
        .where(Quiz.id == quiz_id, Quiz.user_id == user_id, Quiz.deleted_at.is_(None))
    )
    if quiz is None:
        raise NotFound("Quiz not found")
    revealed = await session.scalar(
        select(Attempt.id)
        .where(Attempt.quiz_id == quiz_id, Attempt.user_id == user_id, Attempt.submitted_at.is_not(None))
        .limit(1)
    )
    return quiz, revealed is not None


async def delete_quiz(session: AsyncSession, user_id: uuid.UUID, quiz_id: uuid.UUID) -> None:
    await Owned(QuizRepository(session), user_id).delete(quiz_id)


# -- attempts ----------------------------------------------------------------------------------


def deadline_of(attempt: Attempt) -> datetime | None:
    if attempt.time_limit_seconds is None:
        return None
    return attempt.started_at + timedelta(seconds=attempt.time_limit_seconds)


async def start_attempt(
    session: AsyncSession, user_id: uuid.UUID, quiz_id: uuid.UUID, time_limit_seconds: int | None
) -> Attempt:
    quiz = await Owned(QuizRepository(session), user_id).get(quiz_id)
    return await Owned(AttemptRepository(session), user_id).create(
        quiz_id=quiz.id,
        started_at=utcnow(),
        time_limit_seconds=time_limit_seconds,
        total=quiz.question_count,
        correct=0,
        late=False,
        results=[],
    )


def _refuse(message: str, code: str, answer: AnswerIn) -> NoReturn:
    details = field_details("answers", message, code, question_id=str(answer.question_id))
    raise InvalidInput(message, code=code, details=details)


async def submit(
    session: AsyncSession, user_id: uuid.UUID, attempt_id: uuid.UUID, answers: list[AnswerIn]
) -> Attempt:
    """Score an attempt once (a second submit is 409 `ATTEMPT_ALREADY_SUBMITTED`).

    A submit after the deadline is accepted and marked `late`: its score and `correct` are 0,
    while the per-question results still show what was right, and review cards still learn from it.
    """
    attempt = await Owned(AttemptRepository(session), user_id).get(attempt_id)
    quiz, _ = await get_quiz(session, user_id, attempt.quiz_id)
    by_id = {q.id: q for q in quiz.questions}
    given: dict[uuid.UUID, int] = {}
    for answer in answers:
        question = by_id.get(answer.question_id)
        if question is None:
            _refuse("An answer names a question that is not in this quiz", "UNKNOWN_QUESTION", answer)
        if answer.question_id in given:
            _refuse("A question is answered twice", "DUPLICATE_ANSWER", answer)
        if answer.answer_index >= len(question.options):
            _refuse("answer_index is not one of the question's options", "INVALID_ANSWER", answer)
        given[answer.question_id] = answer.answer_index
    now = utcnow()
    claimed = await session.execute(
        update(Attempt)
        .where(Attempt.id == attempt.id, Attempt.submitted_at.is_(None))
        .values(submitted_at=now)
        .execution_options(synchronize_session=False)
    )
    if getattr(claimed, "rowcount", 0) != 1:
        raise Conflict("This attempt was already submitted", code="ATTEMPT_ALREADY_SUBMITTED")
    deadline = deadline_of(attempt)
    late = deadline is not None and now > deadline
    results = []
    correct = 0
    for question in quiz.questions:
        chosen = given.get(question.id)
        right = chosen is not None and chosen == question.answer_index
        correct += right
        results.append(
            {
                "question_id": str(question.id),
                "answer_index": chosen,
                "correct_index": question.answer_index,
                "correct": right,
                "explanation": question.explanation,
                "passage": question.passage,
            }
        )
    total = len(quiz.questions)
    attempt.submitted_at = now
    attempt.late = late
    attempt.total = total
    attempt.correct = 0 if late else correct
    attempt.score = 0.0 if late or total == 0 else round(correct / total, 4)
    attempt.results = results
    await session.flush()
    await record_answers(
        session, user_id, ((qid, given[qid] == by_id[qid].answer_index) for qid in given), now
    )
    return attempt


async def list_attempts(
    session: AsyncSession, user_id: uuid.UUID, quiz_id: uuid.UUID, page: PageParams
) -> tuple[list[Attempt], int]:
    await Owned(QuizRepository(session), user_id).get(quiz_id)
    return await Owned(AttemptRepository(session), user_id).list(page, filters=[Attempt.quiz_id == quiz_id])
