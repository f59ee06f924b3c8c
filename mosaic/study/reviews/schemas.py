"""Review card shapes: the card's schedule and the question to recall (its answer hidden)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

Rating = Literal["again", "hard", "good", "easy"]


class ReviewIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    rating: Rating = Field(description="How well I recalled it: again (missed), hard, good, easy.")


class ReviewQuestion(BaseModel):
    id: uuid.UUID
    quiz_id: uuid.UUID
    type: str = Field(examples=["cloze"])
    question: str = Field(examples=["Fill in the blank: The _____ was completed in 1889."])
    options: list[str] = Field(examples=[["Eiffel Tower", "Gustave Eiffel", "World's Fair", "Paris"]])


class ReviewCardOut(BaseModel):
    id: uuid.UUID
    question_id: uuid.UUID
    due: datetime = Field(description="When the card is next due (UTC).")
    state: Literal["learning", "review", "relearning"]
    reps: int = Field(description="Reviews so far (answers in attempts included).")
    lapses: int = Field(description="Times it was missed.")
    last_rating: Rating | None
    last_review: datetime | None
    question: ReviewQuestion
