"""Quiz, generation and attempt shapes (seed 004's paths and fields)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from mosaic.providers.ai.questions import QUESTION_TYPES, Difficulty, QuestionType

GenerationStatus = Literal["queued", "running", "completed", "failed"]
MAX_TEXT_CHARS = 500_000
MAX_QUESTIONS = 100
MIN_TEXT_CHARS = 20  # below it no sentence can make a question

EXAMPLE_TEXT = (
    "The Eiffel Tower was completed in 1889 for the World's Fair in Paris. Gustave Eiffel's company "
    "designed and built it. Photosynthesis converts light energy into chemical energy in plants."
)


def _normalise_types(value: Any) -> Any:
    """The front end sends `multiple-choice`; the API's names use underscores."""
    if isinstance(value, list):
        return [v.strip().lower().replace("-", "_") if isinstance(v, str) else v for v in value]
    return value


QuestionTypes = Annotated[
    list[QuestionType],
    BeforeValidator(_normalise_types),
    Field(min_length=1, max_length=3, description="Question types to mix (`multiple-choice` also accepted)."),
]
# The PDF form's `question_types`: 1 to 3 comma-separated names (hyphens as the front end sends
# them), exactly as the schema states it, so the form parses what its pattern declares.
_TYPE_NAME = "(?:multiple(?:_|-)choice|true(?:_|-)false|cloze)"
QUESTION_TYPES_PATTERN = f"^{_TYPE_NAME}(?:,{_TYPE_NAME}){{0,2}}$"
NumQuestions = Annotated[int, Field(ge=1, le=MAX_QUESTIONS, description="How many questions.")]
DifficultyIn = Annotated[Difficulty, Field(description="easy: 3 options, medium: 4, hard: 5.")]


class GenerateIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: str = Field(
        min_length=MIN_TEXT_CHARS,
        max_length=MAX_TEXT_CHARS,
        description="The study text questions are drawn from (data, never instructions).",
        examples=[EXAMPLE_TEXT],
    )
    num_questions: NumQuestions = 10
    difficulty: DifficultyIn = "medium"
    question_types: QuestionTypes = Field(default_factory=lambda: list(QUESTION_TYPES))
    subject: str | None = Field(default=None, max_length=100, examples=["History"])
    title: str | None = Field(default=None, max_length=200, examples=["Paris landmarks"])


class NoteQuizIn(BaseModel):
    """`POST /quiz/generate`'s options without `text`: the note is the text."""

    model_config = ConfigDict(extra="forbid")

    num_questions: NumQuestions = 10
    difficulty: DifficultyIn = "medium"
    question_types: QuestionTypes = Field(default_factory=lambda: list(QUESTION_TYPES))
    subject: str | None = Field(
        default=None, max_length=100, description="The note's category if absent.", examples=["Biology"]
    )
    title: str | None = Field(
        default=None, max_length=200, description="Title; the note's title if absent.", examples=["Cells"]
    )


class QuestionOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    position: int = Field(description="0-based order in the quiz.")
    type: QuestionType
    question: str = Field(examples=["Fill in the blank: The _____ was completed in 1889."])
    options: list[str] = Field(examples=[["Eiffel Tower", "Gustave Eiffel", "World's Fair", "Paris"]])
    answer_index: int | None = Field(
        default=None, description="The correct option; null until I have submitted an attempt."
    )
    explanation: str | None = Field(default=None, description="Null until I have submitted an attempt.")
    passage: str | None = Field(
        default=None, description="The source sentence; null until I have submitted an attempt."
    )


class QuizOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    title: str = Field(examples=["Paris landmarks"])
    subject: str | None = Field(examples=["History"])
    difficulty: Difficulty
    question_types: list[QuestionType]
    source: Literal["text", "pdf", "note"]
    question_count: int
    created_at: datetime
    questions: list[QuestionOut] = Field(default_factory=list)


class QuizSummary(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    title: str = Field(examples=["Paris landmarks"])
    subject: str | None = Field(examples=["History"])
    difficulty: Difficulty
    question_types: list[QuestionType]
    source: Literal["text", "pdf", "note"]
    question_count: int
    created_at: datetime


class GenerationError(BaseModel):
    code: str = Field(examples=["PDF_NO_TEXT"])
    message: str = Field(examples=["The text has too little content for questions"])


class GenerationOut(BaseModel):
    id: uuid.UUID
    status: GenerationStatus
    quiz_id: uuid.UUID | None = Field(description="The quiz, once completed.")
    error: GenerationError | None = Field(description="Why it failed; null otherwise.")
    created_at: datetime
    finished_at: datetime | None


class AttemptIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    quiz_id: uuid.UUID
    time_limit_seconds: int | None = Field(
        default=None, ge=10, le=24 * 3600, description="Optional limit; a later submit is scored as late."
    )


class AnswerIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    question_id: uuid.UUID
    answer_index: int = Field(ge=0, le=5)


class SubmitIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    attempt_id: uuid.UUID
    answers: list[AnswerIn] = Field(max_length=MAX_QUESTIONS)


class QuestionResult(BaseModel):
    question_id: uuid.UUID
    answer_index: int | None = Field(description="My answer; null when unanswered.")
    correct_index: int
    correct: bool
    explanation: str
    passage: str


class AttemptOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    quiz_id: uuid.UUID
    started_at: datetime
    time_limit_seconds: int | None
    deadline: datetime | None = Field(description="started_at + time limit; null without a limit.")
    submitted_at: datetime | None
    late: bool = Field(description="Submitted after the deadline: scored 0, answers still shown.")
    score: float | None = Field(description="correct / total, 0 to 1; null until submitted.", examples=[0.8])
    correct: int
    total: int
    results: list[QuestionResult] = Field(default_factory=list)
