"""Study sessions and the intervals they were running in (pauses are the gaps between them)."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text, Uuid, text
from sqlalchemy.orm import Mapped, mapped_column

from mosaic.core.database import Base, Timestamps, UTCDateTime, UUIDPrimaryKey

OPEN = "status <> 'ended'"


class StudySession(UUIDPrimaryKey, Timestamps, Base):
    __tablename__ = "study_sessions"
    __table_args__ = (
        # One open (active or paused) session per user, whatever races the service's check.
        Index(
            "uq_study_sessions_one_open",
            "user_id",
            unique=True,
            postgresql_where=text(OPEN),
            sqlite_where=text(OPEN),
        ),
        Index("ix_study_sessions_user_id_started_at", "user_id", "started_at"),
    )

    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    subject: Mapped[str] = mapped_column(String(100))
    quiz_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("quizzes.id", ondelete="SET NULL"), default=None
    )
    # A note of the notes module; a plain id (no foreign key) so the modules stay independent.
    note_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, default=None)
    planned_minutes: Mapped[int | None] = mapped_column(Integer, default=None)
    status: Mapped[str] = mapped_column(String(16), default="active")
    progress: Mapped[int] = mapped_column(Integer, default=0)
    notes: Mapped[str | None] = mapped_column(Text, default=None)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    # Start of the running interval (null while paused or ended).
    running_since: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    # Seconds of the closed intervals; the running one is added when read.
    duration_seconds: Mapped[int] = mapped_column(Integer, default=0)


class StudyInterval(UUIDPrimaryKey, Base):
    """A stretch the session was running; analytics sums these per local day and subject."""

    __tablename__ = "study_intervals"
    __table_args__ = (Index("ix_study_intervals_user_id_started_at", "user_id", "started_at"),)

    session_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("study_sessions.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    subject: Mapped[str] = mapped_column(String(100))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ended_at: Mapped[datetime] = mapped_column(UTCDateTime())
    seconds: Mapped[int] = mapped_column(Integer)
