"""HTTP layer of quizzes and attempts (seed 004's `/quiz/...` paths): my own only, 404 otherwise."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Path, Query, Request, UploadFile, status
from fastapi.responses import JSONResponse
from pydantic import ValidationError

from mosaic.accounts.deps import CurrentUser
from mosaic.accounts.plans.limits import PlanLimitReached
from mosaic.core.deps import SessionDep, SettingsDep
from mosaic.core.envelope import Envelope, ok
from mosaic.core.errors import InvalidInput, ValidationFailed, error_responses
from mosaic.core.jobs import get_jobs
from mosaic.core.pagination import Page, PageParams, page_of
from mosaic.providers.ai.questions import QUESTION_TYPES, Difficulty
from mosaic.study.errors import field_details
from mosaic.study.notes import service as notes
from mosaic.study.quizzes import service
from mosaic.study.quizzes.models import Attempt, Quiz, QuizGeneration
from mosaic.study.quizzes.pdf import NOT_A_PDF, pdf_text, read_pdf_upload
from mosaic.study.quizzes.schemas import (
    MAX_QUESTIONS,
    MIN_TEXT_CHARS,
    QUESTION_TYPES_PATTERN,
    AttemptIn,
    AttemptOut,
    GenerateIn,
    GenerationError,
    GenerationOut,
    NoteQuizIn,
    QuestionOut,
    QuizOut,
    QuizSummary,
    SubmitIn,
)

router = APIRouter(prefix="/quiz", tags=["quiz"])
# `POST /notes/{id}/quiz` sits with the notes in the docs but is a generation like the others.
note_quiz_router = APIRouter(prefix="/notes", tags=["notes"])

_LIMIT_CODE = (PlanLimitReached.code, "Your plan allows 20 ai_generations_per_day; you have 20")
# A text without usable sentences: a rule about its content, beyond any schema (a 400).
_TOO_SHORT = ("TEXT_TOO_SHORT", "The text has too little content for questions")
_AI_CODES = {
    502: [("AI_SCHEMA_VIOLATION", "The AI output does not match the expected structure")],
    503: [("AI_NOT_CONFIGURED", "The AI provider is not configured")],
    504: [("AI_TIMEOUT", "The AI provider did not answer in time")],
}
_QUEUED: dict[int | str, dict[str, Any]] = {
    202: {
        "model": Envelope[GenerationOut],
        "description": "A large text: generation queued; poll `GET /quiz/generations/{id}`.",
    }
}


def quiz_out(quiz: Quiz, revealed: bool) -> QuizOut:
    questions = [
        QuestionOut(
            id=q.id,
            position=q.position,
            type=q.type,
            question=q.question,
            options=list(q.options),
            answer_index=q.answer_index if revealed else None,
            explanation=q.explanation if revealed else None,
            passage=q.passage if revealed else None,
        )
        for q in quiz.questions
    ]
    return QuizOut.model_validate({**QuizSummary.model_validate(quiz).model_dump(), "questions": questions})


def generation_out(generation: QuizGeneration) -> GenerationOut:
    error = (
        GenerationError(code=generation.error_code, message=generation.error_message or "")
        if generation.error_code
        else None
    )
    return GenerationOut(
        id=generation.id,
        status=generation.status,
        quiz_id=generation.quiz_id,
        error=error,
        created_at=generation.created_at,
        finished_at=generation.finished_at,
    )


def attempt_out(attempt: Attempt) -> AttemptOut:
    return AttemptOut.model_validate(
        {
            "id": attempt.id,
            "quiz_id": attempt.quiz_id,
            "started_at": attempt.started_at,
            "time_limit_seconds": attempt.time_limit_seconds,
            "deadline": service.deadline_of(attempt),
            "submitted_at": attempt.submitted_at,
            "late": attempt.late,
            "score": attempt.score,
            "correct": attempt.correct,
            "total": attempt.total,
            "results": attempt.results,
        }
    )


def _answer(result: Quiz | QuizGeneration) -> Any:
    """201 with the quiz, or 202 with the queued generation (its own shape, so it bypasses the
    route's response model; documented under `responses`)."""
    if isinstance(result, QuizGeneration):
        envelope = ok(generation_out(result), "Quiz generation queued", status_code=202)
        return JSONResponse(envelope.model_dump(mode="json"), status_code=status.HTTP_202_ACCEPTED)
    return ok(quiz_out(result, revealed=False), "Quiz generated successfully", status_code=201)


@router.post(
    "/generate",
    response_model=Envelope[QuizOut],
    status_code=status.HTTP_201_CREATED,
    summary="Generate a quiz from text",
    responses={
        **_QUEUED,
        **error_responses(401, 402, codes={400: [_TOO_SHORT], 402: [_LIMIT_CODE]}),
        **error_responses(*_AI_CODES, codes=_AI_CODES),
    },
)
async def generate_quiz(
    body: GenerateIn,
    session: SessionDep,
    settings: SettingsDep,
    user: CurrentUser,
    request: Request,
) -> Any:
    result = await service.request_quiz(
        session,
        settings,
        get_jobs(request),
        user.id,
        service.QuizRequest(
            text=body.text,
            num_questions=body.num_questions,
            difficulty=body.difficulty,
            question_types=tuple(body.question_types),
            subject=body.subject,
            title=body.title,
        ),
    )
    return _answer(result)


_PDF_CODES = [
    ("PDF_INVALID", "The PDF is truncated (no end-of-file marker)"),
    ("PDF_ENCRYPTED", "The PDF is encrypted; upload an unprotected copy"),
    ("PDF_NO_TEXT", "The PDF has no extractable text (scanned pages need OCR first)"),
    ("PDF_TOO_MANY_PAGES", "The PDF has 400 pages; at most 300"),
    ("PDF_TOO_COMPLEX", "The PDF could not be read within the time and memory allowed"),
]


@router.post(
    "/generate-from-pdf",
    response_model=Envelope[QuizOut],
    status_code=status.HTTP_201_CREATED,
    summary="Generate a quiz from an uploaded PDF",
    responses={
        **_QUEUED,
        **error_responses(
            401,
            402,
            413,
            codes={
                402: [_LIMIT_CODE],
                400: [_TOO_SHORT],
                413: [("PDF_TOO_LARGE", "The PDF is larger than 20 MB")],
                415: [("PDF_INVALID", NOT_A_PDF)],
                422: _PDF_CODES,
            },
        ),
        **error_responses(*_AI_CODES, codes=_AI_CODES),
    },
)
async def generate_quiz_from_pdf(
    session: SessionDep,
    settings: SettingsDep,
    user: CurrentUser,
    request: Request,
    file: Annotated[UploadFile, File(description="The PDF; its content decides whether it is one.")],
    num_questions: Annotated[int, Form(ge=1, le=MAX_QUESTIONS, description="How many questions.")] = 10,
    difficulty: Annotated[Difficulty, Form(description="easy: 3 options, medium: 4, hard: 5.")] = "medium",
    question_types: Annotated[
        str,
        Form(
            pattern=QUESTION_TYPES_PATTERN,
            description="Comma-separated, 1 to 3 of: multiple_choice, true_false, cloze.",
        ),
    ] = ",".join(QUESTION_TYPES),
    subject: Annotated[str | None, Form(max_length=100, description="Subject of the quiz.")] = None,
    title: Annotated[
        str | None, Form(max_length=200, description="Title; derived from the text if absent.")
    ] = None,
) -> Any:
    try:
        options = GenerateIn(
            text="x" * 20,
            num_questions=num_questions,
            difficulty=difficulty,
            question_types=[t for t in question_types.split(",") if t.strip()],
            subject=subject,
            title=title,
        )
    except ValidationError as exc:
        raise InvalidInput(
            "Invalid generation options",
            details=[
                {
                    "field": ".".join(map(str, e["loc"])),
                    "location": "body",
                    "message": e["msg"],
                    "type": e["type"],
                }
                for e in exc.errors()
            ],
        ) from None
    data = await read_pdf_upload(file, settings.MAX_PDF_MB * 1024 * 1024)
    text = await pdf_text(
        data, max_pages=settings.MAX_PDF_PAGES, timeout=settings.PDF_EXTRACT_TIMEOUT_SECONDS
    )
    result = await service.request_quiz(
        session,
        settings,
        get_jobs(request),
        user.id,
        service.QuizRequest(
            text=text,
            num_questions=options.num_questions,
            difficulty=options.difficulty,
            question_types=tuple(options.question_types),
            source="pdf",
            subject=options.subject,
            title=options.title or (file.filename or "").rsplit(".", 1)[0][:200] or None,
        ),
    )
    return _answer(result)


_NOTE_TOO_SHORT = "The note has too little content for questions"


@note_quiz_router.post(
    "/{note_id}/quiz",
    response_model=Envelope[QuizOut],
    status_code=status.HTTP_201_CREATED,
    summary="Generate a quiz from one of my notes",
    responses={
        **_QUEUED,
        **error_responses(
            401, 402, 404, codes={400: [("TEXT_TOO_SHORT", _NOTE_TOO_SHORT)], 402: [_LIMIT_CODE]}
        ),
        **error_responses(*_AI_CODES, codes=_AI_CODES),
    },
)
async def generate_quiz_from_note(
    note_id: Annotated[uuid.UUID, Path(description="One of my notes; another user's answers 404.")],
    body: NoteQuizIn,
    session: SessionDep,
    settings: SettingsDep,
    user: CurrentUser,
    request: Request,
) -> Any:
    note = await notes.get_note(session, user.id, note_id)
    text = notes.plain_text(note.content)
    refusal = ValidationFailed(
        _NOTE_TOO_SHORT,
        code="TEXT_TOO_SHORT",
        details=field_details("note_id", _NOTE_TOO_SHORT, "TEXT_TOO_SHORT", location="path"),
    )
    if len(text) < MIN_TEXT_CHARS:
        raise refusal
    try:
        result = await service.request_quiz(
            session,
            settings,
            get_jobs(request),
            user.id,
            service.QuizRequest(
                text=text,
                num_questions=body.num_questions,
                difficulty=body.difficulty,
                question_types=tuple(body.question_types),
                source="note",
                subject=body.subject or note.category,
                title=body.title or note.title,
            ),
        )
    except ValidationFailed as exc:
        if exc.error_code != "TEXT_TOO_SHORT":
            raise
        raise refusal from None
    return _answer(result)


@router.get(
    "/generations/{generation_id}",
    response_model=Envelope[GenerationOut],
    summary="Poll a queued quiz generation",
    responses=error_responses(401, 404),
)
async def get_generation(
    generation_id: uuid.UUID, session: SessionDep, user: CurrentUser
) -> Envelope[GenerationOut]:
    generation = await service.get_generation(session, user.id, generation_id)
    return ok(generation_out(generation), "Generation retrieved successfully")


@router.get(
    "", response_model=Envelope[Page[QuizSummary]], summary="List my quizzes", responses=error_responses(401)
)
async def list_quizzes(
    session: SessionDep,
    page: Annotated[PageParams, service.QuizRepository.pagination],
    user: CurrentUser,
    subject: Annotated[str | None, Query(max_length=100, description="Only this subject (any case).")] = None,
    q: Annotated[str | None, Query(max_length=200, description="Title or subject contains this.")] = None,
) -> Envelope[Page[QuizSummary]]:
    rows, total = await service.list_quizzes(session, user.id, page, subject=subject, q=q)
    return ok(page_of(QuizSummary, rows, total, page), "Quizzes retrieved successfully")


@router.post(
    "/attempt",
    response_model=Envelope[AttemptOut],
    status_code=status.HTTP_201_CREATED,
    summary="Start an attempt at one of my quizzes",
    responses=error_responses(401, 404),
)
async def start_attempt(body: AttemptIn, session: SessionDep, user: CurrentUser) -> Envelope[AttemptOut]:
    attempt = await service.start_attempt(session, user.id, body.quiz_id, body.time_limit_seconds)
    return ok(attempt_out(attempt), "Attempt started", status_code=201)


@router.post(
    "/submit",
    response_model=Envelope[AttemptOut],
    summary="Submit an attempt's answers",
    responses=error_responses(
        401,
        404,
        409,
        codes={
            409: [("ATTEMPT_ALREADY_SUBMITTED", "This attempt was already submitted")],
            422: [
                ("UNKNOWN_QUESTION", "An answer names a question that is not in this quiz"),
                ("DUPLICATE_ANSWER", "A question is answered twice"),
                ("INVALID_ANSWER", "answer_index is not one of the question's options"),
            ],
        },
    ),
)
async def submit_attempt(body: SubmitIn, session: SessionDep, user: CurrentUser) -> Envelope[AttemptOut]:
    attempt = await service.submit(session, user.id, body.attempt_id, body.answers)
    return ok(attempt_out(attempt), "Attempt submitted")


@router.get(
    "/attempts/{quiz_id}",
    response_model=Envelope[Page[AttemptOut]],
    summary="My attempts at one of my quizzes",
    responses=error_responses(401, 404),
)
async def list_attempts(
    quiz_id: uuid.UUID,
    session: SessionDep,
    page: Annotated[PageParams, service.AttemptRepository.pagination],
    user: CurrentUser,
) -> Envelope[Page[AttemptOut]]:
    rows, total = await service.list_attempts(session, user.id, quiz_id, page)
    return ok(page_of(AttemptOut, rows, total, page, attempt_out), "Attempts retrieved successfully")


@router.get(
    "/{quiz_id}",
    response_model=Envelope[QuizOut],
    summary="Get one of my quizzes",
    responses=error_responses(401, 404),
)
async def get_quiz(quiz_id: uuid.UUID, session: SessionDep, user: CurrentUser) -> Envelope[QuizOut]:
    quiz, revealed = await service.get_quiz(session, user.id, quiz_id)
    return ok(quiz_out(quiz, revealed), "Quiz retrieved successfully")


@router.delete(
    "/{quiz_id}",
    response_model=Envelope[None],
    summary="Delete one of my quizzes",
    responses=error_responses(401, 404),
)
async def delete_quiz(quiz_id: uuid.UUID, session: SessionDep, user: CurrentUser) -> Envelope[None]:
    await service.delete_quiz(session, user.id, quiz_id)
    return ok(None, "Quiz deleted successfully")
