"""Quizzes, their questions, generations (the job behind a 202), AI usage and attempts."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Boolean, Float, ForeignKey, Index, Integer, String, Text, Uuid
from sqlalchemy.orm import Mapped, mapped_column, relationship

from mosaic.core.database import Base, JSONType, SoftDelete, Timestamps, UTCDateTime, UUIDPrimaryKey
from mosaic.core.money import Amount


class Quiz(UUIDPrimaryKey, Timestamps, SoftDelete, Base):
    __tablename__ = "quizzes"
    __table_args__ = (Index("ix_quizzes_user_id_created_at", "user_id", "created_at"),)

    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    subject: Mapped[str | None] = mapped_column(String(100), default=None, index=True)
    difficulty: Mapped[str] = mapped_column(String(16), default="medium")
    question_types: Mapped[list[str]] = mapped_column(JSONType, default=list)
    source: Mapped[str] = mapped_column(String(16), default="text")
    # SHA-256 of the cleaned text + generation options: the cache key ("same text twice costs once").
    source_hash: Mapped[str] = mapped_column(String(64), index=True)
    question_count: Mapped[int] = mapped_column(Integer, default=0)

    questions: Mapped[list[QuizQuestion]] = relationship(
        order_by="QuizQuestion.position", lazy="raise", cascade="all, delete-orphan"
    )


class QuizQuestion(UUIDPrimaryKey, Timestamps, Base):
    __tablename__ = "quiz_questions"

    quiz_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("quizzes.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    type: Mapped[str] = mapped_column(String(20))
    question: Mapped[str] = mapped_column(Text)
    options: Mapped[list[str]] = mapped_column(JSONType)
    answer_index: Mapped[int] = mapped_column(Integer)
    explanation: Mapped[str] = mapped_column(Text, default="")
    # The passage of the source text the question was drawn from.
    passage: Mapped[str] = mapped_column(Text, default="")


class QuizGeneration(UUIDPrimaryKey, Timestamps, Base):
    """A generation too large to answer at once: queued, running, completed or failed."""

    __tablename__ = "quiz_generations"

    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String(16), default="queued")
    source: Mapped[str] = mapped_column(String(16), default="text")
    options: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    # The text waiting for the job; cleared once the job finishes.
    text: Mapped[str | None] = mapped_column(Text, default=None)
    quiz_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("quizzes.id", ondelete="SET NULL"), default=None
    )
    error_code: Mapped[str | None] = mapped_column(String(64), default=None)
    error_message: Mapped[str | None] = mapped_column(String(500), default=None)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)


class AIUsage(UUIDPrimaryKey, Timestamps, Base):
    """What one quiz generation cost: provider, model, tokens, dollars, and whether it was cached."""

    __tablename__ = "study_ai_usage"
    __table_args__ = (Index("ix_study_ai_usage_user_id_created_at", "user_id", "created_at"),)

    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    quiz_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, default=None)
    generation_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, default=None)
    provider: Mapped[str] = mapped_column(String(32))
    model: Mapped[str] = mapped_column(String(100))
    prompt_tokens: Mapped[int] = mapped_column(Integer, default=0)
    completion_tokens: Mapped[int] = mapped_column(Integer, default=0)
    cost_usd: Mapped[Decimal] = mapped_column(Amount(18, 8), default=Decimal(0))
    cached: Mapped[bool] = mapped_column(Boolean, default=False)
    text_hash: Mapped[str] = mapped_column(String(64))


class Attempt(UUIDPrimaryKey, Timestamps, Base):
    __tablename__ = "quiz_attempts"
    __table_args__ = (Index("ix_quiz_attempts_user_id_quiz_id", "user_id", "quiz_id"),)

    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    quiz_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("quizzes.id", ondelete="CASCADE"))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime())
    time_limit_seconds: Mapped[int | None] = mapped_column(Integer, default=None)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None, index=True)
    late: Mapped[bool] = mapped_column(Boolean, default=False)
    score: Mapped[float | None] = mapped_column(Float, default=None)
    correct: Mapped[int] = mapped_column(Integer, default=0)
    total: Mapped[int] = mapped_column(Integer, default=0)
    results: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, default=list)
