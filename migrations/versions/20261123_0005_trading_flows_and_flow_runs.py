"""trading flows and flow runs

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23 10:52:58.467987
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import mosaic.core.database

# Trading amounts are spelled as this revision created them (NUMERIC; fixed-scale text on SQLite):
# 0006 moves SQLite to scaled integers, and this history must not follow the models' type.

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "flows",
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column(
            "steps",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("last_run_at", mosaic.core.database.UTCDateTime(timezone=True), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", mosaic.core.database.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", mosaic.core.database.UTCDateTime(timezone=True), nullable=False),
        sa.Column("is_deleted", sa.Boolean(), nullable=False),
        sa.Column("deleted_at", mosaic.core.database.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_flows_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_flows")),
    )
    with op.batch_alter_table("flows", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_flows_is_deleted"), ["is_deleted"], unique=False)
        batch_op.create_index(batch_op.f("ix_flows_status"), ["status"], unique=False)
        batch_op.create_index(batch_op.f("ix_flows_user_id"), ["user_id"], unique=False)

    op.create_table(
        "flow_runs",
        sa.Column("flow_id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column(
            "input",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "steps",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("steps_completed", sa.Integer(), nullable=False),
        sa.Column("total_tokens", sa.Integer(), nullable=False),
        sa.Column(
            "total_cost_usd",
            sa.Numeric(precision=20, scale=8).with_variant(sa.String(64), "sqlite"),
            nullable=False,
        ),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("started_at", mosaic.core.database.UTCDateTime(timezone=True), nullable=True),
        sa.Column("finished_at", mosaic.core.database.UTCDateTime(timezone=True), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", mosaic.core.database.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", mosaic.core.database.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["flow_id"], ["flows.id"], name=op.f("fk_flow_runs_flow_id_flows"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_flow_runs_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_flow_runs")),
    )
    with op.batch_alter_table("flow_runs", schema=None) as batch_op:
        batch_op.create_index("ix_flow_runs_flow_id_created_at", ["flow_id", "created_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_flow_runs_status"), ["status"], unique=False)
        batch_op.create_index(batch_op.f("ix_flow_runs_user_id"), ["user_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("flow_runs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_flow_runs_user_id"))
        batch_op.drop_index(batch_op.f("ix_flow_runs_status"))
        batch_op.drop_index("ix_flow_runs_flow_id_created_at")

    op.drop_table("flow_runs")
    with op.batch_alter_table("flows", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_flows_user_id"))
        batch_op.drop_index(batch_op.f("ix_flows_status"))
        batch_op.drop_index(batch_op.f("ix_flows_is_deleted"))

    op.drop_table("flows")
