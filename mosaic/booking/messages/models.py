"""Message threads between a customer and a studio's team (seed 002's `Message`)."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from mosaic.core.database import Base, Timestamps, UTCDateTime, UUIDPrimaryKey


class MessageThread(UUIDPrimaryKey, Timestamps, Base):
    __tablename__ = "message_threads"
    __table_args__ = (Index("ix_message_threads_customer_last", "customer_id", "last_message_at"),)

    studio_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("studios.id", ondelete="CASCADE"), index=True)
    company_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("companies.id", ondelete="CASCADE"), index=True)
    customer_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    # Part two's bookings: a plain UUID until that table exists.
    booking_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, default=None, index=True)
    subject: Mapped[str] = mapped_column(String(200), default="")
    last_message_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # Read marks per side: the team shares one (any member reading marks it read for the team).
    customer_read_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    team_read_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)


class Message(UUIDPrimaryKey, Timestamps, Base):
    __tablename__ = "messages"
    __table_args__ = (Index("ix_messages_thread_created", "thread_id", "created_at"),)

    thread_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("message_threads.id", ondelete="CASCADE"))
    sender_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    from_team: Mapped[bool] = mapped_column(default=False)
    body: Mapped[str] = mapped_column(Text)
