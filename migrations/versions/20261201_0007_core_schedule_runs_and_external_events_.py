"""core schedule runs and external events inbox

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01 09:28:01.730955
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import mosaic.core.database

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:

    op.create_table(
        "external_events",
        sa.Column("provider", sa.String(length=64), nullable=False),
        sa.Column("event_id", sa.String(length=255), nullable=False),
        sa.Column("event_type", sa.String(length=128), nullable=True),
        sa.Column(
            "payload",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("received_at", mosaic.core.database.UTCDateTime(timezone=True), nullable=False),
        sa.Column("processed_at", mosaic.core.database.UTCDateTime(timezone=True), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_external_events")),
        sa.UniqueConstraint("provider", "event_id", name=op.f("uq_external_events_provider_event_id")),
    )
    with op.batch_alter_table("external_events", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_external_events_processed_at"), ["processed_at"], unique=False)

    op.create_table(
        "schedule_runs",
        sa.Column("name", sa.String(length=128), nullable=False),
        sa.Column("tick", mosaic.core.database.UTCDateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("owner", sa.String(length=128), nullable=False),
        sa.Column("started_at", mosaic.core.database.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", mosaic.core.database.UTCDateTime(timezone=True), nullable=False),
        sa.Column("finished_at", mosaic.core.database.UTCDateTime(timezone=True), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("name", "tick", name=op.f("pk_schedule_runs")),
    )


def downgrade() -> None:

    op.drop_table("schedule_runs")
    with op.batch_alter_table("external_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_external_events_processed_at"))

    op.drop_table("external_events")
