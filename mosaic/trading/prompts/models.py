"""Prompt templates (seed 003 `prompts`): public templates and private prompts of their creator."""

from __future__ import annotations

import uuid

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from mosaic.core.database import Base, SoftDelete, Timestamps, UUIDPrimaryKey


class Prompt(UUIDPrimaryKey, Timestamps, SoftDelete, Base):
    __tablename__ = "prompts"

    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    prompt: Mapped[str] = mapped_column(Text)
    category: Mapped[str] = mapped_column(String(64), index=True)
    is_public: Mapped[bool] = mapped_column(default=False, index=True)
    created_by: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), default=None, index=True
    )
