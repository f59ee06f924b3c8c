"""In-app notifications: one row per notification (seed 003 nests a list per user; rows page and index)."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from mosaic.core.database import Base, SoftDelete, Timestamps, UTCDateTime, UUIDPrimaryKey


class Notification(UUIDPrimaryKey, Timestamps, SoftDelete, Base):
    __tablename__ = "notifications"
    __table_args__ = (Index("ix_notifications_user_unread", "user_id", "is_viewed", "is_deleted"),)

    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    category: Mapped[str] = mapped_column(String(50), default="general")
    is_viewed: Mapped[bool] = mapped_column(default=False)
    viewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
