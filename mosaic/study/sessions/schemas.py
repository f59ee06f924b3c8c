"""Study session shapes; durations and statuses are the server's."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

SessionStatus = Literal["active", "paused", "ended"]
Action = Literal["pause", "resume", "end"]


class SessionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    subject: str = Field(min_length=1, max_length=100, examples=["Biology"])
    quiz_id: uuid.UUID | None = Field(default=None, description="One of my quizzes studied in it.")
    note_id: uuid.UUID | None = Field(default=None, description="One of my notes studied in it.")
    planned_minutes: int | None = Field(default=None, ge=1, le=24 * 60, examples=[45])


class SessionUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    action: Action | None = Field(default=None, description="pause, resume or end the session.")
    progress: int | None = Field(default=None, ge=0, le=100, description="Percent done (0-100).")
    notes: str | None = Field(default=None, max_length=5000)


class SessionOut(BaseModel):
    id: uuid.UUID
    subject: str = Field(examples=["Biology"])
    quiz_id: uuid.UUID | None
    note_id: uuid.UUID | None
    planned_minutes: int | None
    status: SessionStatus
    progress: int
    notes: str | None
    started_at: datetime
    ended_at: datetime | None
    duration_seconds: int = Field(description="Time spent running (pauses excluded), computed by the server.")
    ended_session_id: uuid.UUID | None = Field(
        default=None, description="On start: my previous open session, which this start ended."
    )
