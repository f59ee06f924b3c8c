"""A user's flow (seed 003 `user_flows`) and the record of each of its runs.

Steps are a JSON list (document-shaped, SPEC §2): `[{step, prompt_id, agent_id, config}]`,
stored sorted by `step`. A run copies nothing from the flow but its id: each step it executes is
appended to `steps` in its own transaction, with `steps_completed` as the optimistic version that
keeps a redelivered or duplicated job from recording a step twice.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from mosaic.core.database import Base, JSONType, SoftDelete, Timestamps, UTCDateTime, UUIDPrimaryKey
from mosaic.core.money import Amount


class Flow(UUIDPrimaryKey, Timestamps, SoftDelete, Base):
    __tablename__ = "flows"

    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    steps: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, default=list)
    status: Mapped[str] = mapped_column(String(16), default="active", index=True)
    last_run_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)


class FlowRun(UUIDPrimaryKey, Timestamps, Base):
    __tablename__ = "flow_runs"
    __table_args__ = (Index("ix_flow_runs_flow_id_created_at", "flow_id", "created_at"),)

    flow_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("flows.id", ondelete="CASCADE"))
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String(16), default="queued", index=True)
    input: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    steps: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, default=list)
    steps_completed: Mapped[int] = mapped_column(default=0)
    total_tokens: Mapped[int] = mapped_column(default=0)
    total_cost_usd: Mapped[Decimal] = mapped_column(Amount(20, 8), default=Decimal("0"))
    error: Mapped[str | None] = mapped_column(Text, default=None)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
