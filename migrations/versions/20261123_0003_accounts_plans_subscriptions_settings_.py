"""accounts: plans, subscriptions, settings, notifications

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23 10:09:22.327170
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import mosaic.core.database

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "plans",
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("price", sa.Numeric(precision=12, scale=2), nullable=False),
        sa.Column(
            "features",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "limits",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("is_default", sa.Boolean(), nullable=False),
        sa.Column("duration_days", sa.Integer(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", mosaic.core.database.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", mosaic.core.database.UTCDateTime(timezone=True), nullable=False),
        sa.Column("is_deleted", sa.Boolean(), nullable=False),
        sa.Column("deleted_at", mosaic.core.database.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_plans")),
    )
    with op.batch_alter_table("plans", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_plans_is_deleted"), ["is_deleted"], unique=False)
        batch_op.create_index(
            "uq_plans_name_live",
            ["name"],
            unique=True,
            postgresql_where=sa.text("is_deleted = false"),
            sqlite_where=sa.text("is_deleted = false"),
        )

    op.create_table(
        "notifications",
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("category", sa.String(length=50), nullable=False),
        sa.Column("is_viewed", sa.Boolean(), nullable=False),
        sa.Column("viewed_at", mosaic.core.database.UTCDateTime(timezone=True), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", mosaic.core.database.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", mosaic.core.database.UTCDateTime(timezone=True), nullable=False),
        sa.Column("is_deleted", sa.Boolean(), nullable=False),
        sa.Column("deleted_at", mosaic.core.database.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_notifications_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notifications")),
    )
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_notifications_is_deleted"), ["is_deleted"], unique=False)
        batch_op.create_index(batch_op.f("ix_notifications_user_id"), ["user_id"], unique=False)
        batch_op.create_index(
            "ix_notifications_user_unread", ["user_id", "is_viewed", "is_deleted"], unique=False
        )

    op.create_table(
        "user_plans",
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("plan_id", sa.Uuid(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("start_date", mosaic.core.database.UTCDateTime(timezone=True), nullable=False),
        sa.Column("end_date", mosaic.core.database.UTCDateTime(timezone=True), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", mosaic.core.database.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", mosaic.core.database.UTCDateTime(timezone=True), nullable=False),
        sa.Column("is_deleted", sa.Boolean(), nullable=False),
        sa.Column("deleted_at", mosaic.core.database.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["plan_id"], ["plans.id"], name=op.f("fk_user_plans_plan_id_plans"), ondelete="RESTRICT"
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_user_plans_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_user_plans")),
    )
    with op.batch_alter_table("user_plans", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_user_plans_end_date"), ["end_date"], unique=False)
        batch_op.create_index(batch_op.f("ix_user_plans_is_deleted"), ["is_deleted"], unique=False)
        batch_op.create_index(batch_op.f("ix_user_plans_plan_id"), ["plan_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_user_plans_status"), ["status"], unique=False)
        batch_op.create_index(batch_op.f("ix_user_plans_user_id"), ["user_id"], unique=False)
        batch_op.create_index(
            "uq_user_plans_one_active",
            ["user_id"],
            unique=True,
            postgresql_where=sa.text("status = 'active' AND is_deleted = false"),
            sqlite_where=sa.text("status = 'active' AND is_deleted = false"),
        )

    op.create_table(
        "user_settings",
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column(
            "preferences",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("notifications_enabled", sa.Boolean(), nullable=False),
        sa.Column("email_notifications", sa.Boolean(), nullable=False),
        sa.Column("theme", sa.String(length=10), nullable=False),
        sa.Column("locale", sa.String(length=10), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", mosaic.core.database.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", mosaic.core.database.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_user_settings_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_user_settings")),
        sa.UniqueConstraint("user_id", name=op.f("uq_user_settings_user_id")),
    )


def downgrade() -> None:
    op.drop_table("user_settings")
    with op.batch_alter_table("user_plans", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_user_plans_one_active",
            postgresql_where=sa.text("status = 'active' AND is_deleted = false"),
            sqlite_where=sa.text("status = 'active' AND is_deleted = false"),
        )
        batch_op.drop_index(batch_op.f("ix_user_plans_user_id"))
        batch_op.drop_index(batch_op.f("ix_user_plans_status"))
        batch_op.drop_index(batch_op.f("ix_user_plans_plan_id"))
        batch_op.drop_index(batch_op.f("ix_user_plans_is_deleted"))
        batch_op.drop_index(batch_op.f("ix_user_plans_end_date"))

    op.drop_table("user_plans")
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.drop_index("ix_notifications_user_unread")
        batch_op.drop_index(batch_op.f("ix_notifications_user_id"))
        batch_op.drop_index(batch_op.f("ix_notifications_is_deleted"))

    op.drop_table("notifications")
    with op.batch_alter_table("plans", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_plans_name_live",
            postgresql_where=sa.text("is_deleted = false"),
            sqlite_where=sa.text("is_deleted = false"),
        )
        batch_op.drop_index(batch_op.f("ix_plans_is_deleted"))

    op.drop_table("plans")
