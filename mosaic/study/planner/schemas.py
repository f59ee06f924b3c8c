"""Planner shapes: seed 004's `POST /planner/generate` body and the stored plan."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

TaskKind = Literal["study", "quiz", "review"]
MAX_PLAN_DAYS = 366


class Goal(BaseModel):
    model_config = ConfigDict(extra="forbid")

    subject: str = Field(min_length=1, max_length=100, examples=["Biology"])
    topics: list[Annotated[str, Field(max_length=200, pattern=r"\S")]] = Field(
        min_length=1, max_length=50, examples=[["Cells", "Genetics"]]
    )
    weight: float = Field(default=1.0, gt=0, le=10, description="Relative importance (default 1).")

    @field_validator("topics")
    @classmethod
    def _clean(cls, topics: list[str]) -> list[str]:
        cleaned = list(dict.fromkeys(t.strip() for t in topics if t.strip()))
        if not cleaned or any(len(t) > 200 for t in cleaned):
            raise ValueError("topics must be 1 to 200 characters each")
        return cleaned


class StudyPlanIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: str | None = Field(default=None, max_length=200, examples=["Finals"])
    goals: list[Goal] = Field(min_length=1, max_length=20)
    start_date: date = Field(examples=["2026-12-02"])
    deadline: date = Field(
        description=(
            f"Exam day: every task falls before it. After `start_date`, at most {MAX_PLAN_DAYS} days later."
        ),
        examples=["2026-12-20"],
    )
    hours_per_weekday: dict[
        Literal["0", "1", "2", "3", "4", "5", "6"], Annotated[float, Field(gt=0, le=16)]
    ] = Field(
        min_length=1,
        description=(
            'Hours available per weekday, Monday = "0"; a missing day has none; a listed day has more than 0.'
        ),
        examples=[{"0": 2, "2": 1, "5": 3}],
    )
    include_reviews: bool = Field(default=True, description="Schedule review sessions of due cards.")

    @field_validator("hours_per_weekday")
    @classmethod
    def _hours(cls, value: dict[str, float]) -> dict[str, float]:
        if any(not 0 <= hours <= 16 for hours in value.values()):
            raise ValueError("hours per weekday must be between 0 and 16")
        if not any(hours > 0 for hours in value.values()):
            raise ValueError("at least one weekday needs some hours")
        return value

    # `deadline` after `start_date`, at most MAX_PLAN_DAYS apart: a rule across two fields, which
    # the schema cannot state; `service.check_dates` answers it with 400 as trading's ranges do.


class PlanTaskOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    date: date
    kind: TaskKind
    subject: str | None = Field(examples=["Biology"])
    topic: str | None = Field(examples=["Genetics"])
    minutes: int = Field(examples=[60])
    done: bool
    done_at: datetime | None


class StudyPlanDay(BaseModel):
    date: date
    minutes: int
    tasks: list[PlanTaskOut]


class StudyPlanSummary(BaseModel):
    id: uuid.UUID
    title: str = Field(examples=["Finals"])
    start_date: date
    deadline: date
    planner: str = Field(description="offline, or the AI provider that weighted the topics.")
    total_minutes: int
    done_minutes: int
    progress: float = Field(description="Done minutes / planned minutes, 0 to 1.", examples=[0.25])
    created_at: datetime


class StudyPlanOut(StudyPlanSummary):
    days: list[StudyPlanDay]


class PlanTaskUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    done: bool
