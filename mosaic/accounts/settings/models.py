"""Per-user preferences (seed 003 user_settings): one row per user, created on first read."""

from __future__ import annotations

import uuid
from typing import Any, ClassVar

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from mosaic.core.database import Base, JSONType, Timestamps, UUIDPrimaryKey


class UserSettings(UUIDPrimaryKey, Timestamps, Base):
    __tablename__ = "user_settings"
    # A write here drops the reads tagged with its user (`users:{user_id}`, see core.cache).
    __cache_parents__: ClassVar[dict[str, str]] = {"user_id": "users"}

    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), unique=True)
    preferences: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    notifications_enabled: Mapped[bool] = mapped_column(default=True)
    email_notifications: Mapped[bool] = mapped_column(default=True)
    theme: Mapped[str] = mapped_column(String(10), default="system")
    locale: Mapped[str] = mapped_column(String(10), default="en")
