"""Analytics shapes. Dates are the user's local dates (their `timezone` setting)."""

from __future__ import annotations

import uuid
from datetime import date

from pydantic import BaseModel, Field


class Dashboard(BaseModel):
    timezone: str = Field(examples=["Europe/Madrid"])
    quizzes: int = Field(description="My quizzes.", examples=[12])
    attempts: int = Field(description="My submitted attempts.", examples=[30])
    average_score: float | None = Field(description="Mean score of my attempts (0-1).", examples=[0.72])
    study_minutes_week: float = Field(
        description="Minutes studied this local week (from Monday).", examples=[135.5]
    )
    current_streak: int = Field(
        description="Consecutive local days with a session or an attempt, ending today (or yesterday).",
        examples=[4],
    )
    longest_streak: int = Field(examples=[9])
    due_reviews: int = Field(description="Review cards due now.", examples=[7])


class ScorePoint(BaseModel):
    date: date
    attempts: int
    average_score: float


class SubjectScore(BaseModel):
    subject: str | None = Field(examples=["Biology"])
    attempts: int
    average_score: float


class WeakQuestion(BaseModel):
    question_id: uuid.UUID
    quiz_id: uuid.UUID
    question: str
    reviews: int = Field(description="Times answered or reviewed.")
    misses: int = Field(description="Times missed.")


class QuizPerformance(BaseModel):
    timezone: str = Field(examples=["Europe/Madrid"])
    attempts: int
    average_score: float | None
    over_time: list[ScorePoint] = Field(description="By local day of submission.")
    by_subject: list[SubjectScore]
    weakest_questions: list[WeakQuestion] = Field(description="Most missed first (at most 10).")


class StudyDay(BaseModel):
    date: date
    minutes: float = Field(examples=[45.0])
    by_subject: dict[str, float] = Field(examples=[{"Biology": 30.0, "History": 15.0}])


class StudyTime(BaseModel):
    timezone: str = Field(examples=["Pacific/Auckland"])
    start: date
    end: date
    total_minutes: float
    by_subject: dict[str, float] = Field(examples=[{"Biology": 30.0, "History": 15.0}])
    days: list[StudyDay] = Field(description="Every local day of the range, in order (0 when idle).")
