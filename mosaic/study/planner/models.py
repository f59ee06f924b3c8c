"""Stored study plans and their day-by-day tasks."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from mosaic.core.database import Base, JSONType, SoftDelete, Timestamps, UTCDateTime, UUIDPrimaryKey


class StudyPlan(UUIDPrimaryKey, Timestamps, SoftDelete, Base):
    __tablename__ = "study_plans"

    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    start_date: Mapped[date] = mapped_column(Date)
    deadline: Mapped[date] = mapped_column(Date)
    goals: Mapped[list[dict[str, Any]]] = mapped_column(JSONType)
    hours_per_weekday: Mapped[dict[str, Any]] = mapped_column(JSONType)
    # "offline" (the deterministic planner alone) or the provider that weighted the topics.
    planner: Mapped[str] = mapped_column(String(64), default="offline")
    total_minutes: Mapped[int] = mapped_column(Integer, default=0)

    tasks: Mapped[list[PlanTask]] = relationship(
        order_by="(PlanTask.date, PlanTask.position)", lazy="raise", cascade="all, delete-orphan"
    )


class PlanTask(UUIDPrimaryKey, Base):
    __tablename__ = "study_plan_tasks"
    __table_args__ = (Index("ix_study_plan_tasks_plan_id_date", "plan_id", "date"),)

    plan_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("study_plans.id", ondelete="CASCADE"))
    date: Mapped[date] = mapped_column(Date)
    position: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(16))
    subject: Mapped[str | None] = mapped_column(String(100), default=None)
    topic: Mapped[str | None] = mapped_column(String(200), default=None)
    minutes: Mapped[int] = mapped_column(Integer)
    done: Mapped[bool] = mapped_column(Boolean, default=False)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
