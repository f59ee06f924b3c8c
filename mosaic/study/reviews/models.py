"""A spaced-review card per (user, question): the FSRS card state and its next due time."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, Integer, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from mosaic.core.database import Base, JSONType, Timestamps, UTCDateTime, UUIDPrimaryKey


class ReviewCard(UUIDPrimaryKey, Timestamps, Base):
    __tablename__ = "review_cards"
    __table_args__ = (
        UniqueConstraint("user_id", "question_id", name="uq_review_cards_user_id_question_id"),
        Index("ix_review_cards_user_id_due", "user_id", "due"),
    )

    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    question_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("quiz_questions.id", ondelete="CASCADE"), index=True
    )
    due: Mapped[datetime] = mapped_column(UTCDateTime())
    # `fsrs.Card.to_dict()`: state, step, stability, difficulty, due, last_review.
    card: Mapped[dict[str, Any]] = mapped_column(JSONType)
    reps: Mapped[int] = mapped_column(Integer, default=0)
    lapses: Mapped[int] = mapped_column(Integer, default=0)
    last_rating: Mapped[int | None] = mapped_column(Integer, default=None)
    last_review: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
