"""A user's custom prompt (seed 003 `user_prompts`), optionally derived from a template."""

from __future__ import annotations

import uuid

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from mosaic.core.database import Base, SoftDelete, Timestamps, UUIDPrimaryKey


class UserPrompt(UUIDPrimaryKey, Timestamps, SoftDelete, Base):
    __tablename__ = "user_prompts"

    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    prompt_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("prompts.id", ondelete="SET NULL"), default=None, index=True
    )
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    prompt: Mapped[str] = mapped_column(Text)
