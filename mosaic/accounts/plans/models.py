"""Plans (features and limits as JSON, seed 003) and a user's subscriptions to them."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Any, ClassVar

from sqlalchemy import ForeignKey, Index, Numeric, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from mosaic.core.database import (
    Base,
    JSONType,
    SoftDelete,
    Timestamps,
    UTCDateTime,
    UUIDPrimaryKey,
    unique_among_live,
)


class Plan(UUIDPrimaryKey, Timestamps, SoftDelete, Base):
    __tablename__ = "plans"
    __table_args__ = (unique_among_live("uq_plans_name_live", "name"),)

    name: Mapped[str] = mapped_column(String(100))
    description: Mapped[str] = mapped_column(Text, default="")
    price: Mapped[Decimal] = mapped_column(Numeric(12, 2), default=Decimal("0"))
    # [{resource, title, description}] and [{resource, title, description, value}] (seed 003).
    features: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, default=list)
    limits: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, default=list)
    is_default: Mapped[bool] = mapped_column(default=False)
    # Days a subscription lasts; None = until cancelled.
    duration_days: Mapped[int | None] = mapped_column(default=None)


class UserPlan(UUIDPrimaryKey, Timestamps, SoftDelete, Base):
    __tablename__ = "user_plans"
    # A write here drops the reads tagged with its user (`users:{user_id}`, see core.cache).
    __cache_parents__: ClassVar[dict[str, str]] = {"user_id": "users"}
    __table_args__ = (
        # At most one active subscription per user, guaranteed by the database.
        Index(
            "uq_user_plans_one_active",
            "user_id",
            unique=True,
            postgresql_where=text("status = 'active' AND is_deleted = false"),
            sqlite_where=text("status = 'active' AND is_deleted = false"),
        ),
    )

    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    plan_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("plans.id", ondelete="RESTRICT"), index=True)
    # pending (a paid plan awaiting its payment) | active | expired | cancelled
    status: Mapped[str] = mapped_column(String(16), default="active", index=True)
    start_date: Mapped[datetime] = mapped_column(UTCDateTime())
    end_date: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None, index=True)
    # Cancelled by the user but paid until `end_date`: it stays active until then, and never renews.
    cancel_at_period_end: Mapped[bool] = mapped_column(default=False)
    # The admin who granted it without payment (None: paid for, or a free plan).
    granted_by_id: Mapped[uuid.UUID | None] = mapped_column(default=None)
    # The charge of the next period once the renewal checkout exists (cleared when it is paid).
    renewal_charge_id: Mapped[uuid.UUID | None] = mapped_column(default=None)
    plan: Mapped[Plan] = relationship(lazy="joined")
