"""trading: wallets, agents, prompts, user wallets, trades, user prompts

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23 10:15:49.896030
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import mosaic.core.database

# Trading amounts are spelled as this revision created them (NUMERIC; fixed-scale text on SQLite):
# 0006 moves SQLite to scaled integers, and this history must not follow the models' type.

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "agents",
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("provider", sa.String(length=32), nullable=False),
        sa.Column("model_id", sa.String(length=128), nullable=False),
        sa.Column(
            "capabilities",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "cost_per_call",
            sa.Numeric(precision=18, scale=8).with_variant(sa.String(64), "sqlite"),
            nullable=False,
        ),
        sa.Column(
            "config",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", mosaic.core.database.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", mosaic.core.database.UTCDateTime(timezone=True), nullable=False),
        sa.Column("is_deleted", sa.Boolean(), nullable=False),
        sa.Column("deleted_at", mosaic.core.database.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_agents")),
    )
    with op.batch_alter_table("agents", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_agents_is_active"), ["is_active"], unique=False)
        batch_op.create_index(batch_op.f("ix_agents_is_deleted"), ["is_deleted"], unique=False)
        batch_op.create_index(batch_op.f("ix_agents_provider"), ["provider"], unique=False)
        batch_op.create_index(
            "uq_agents_name_live",
            ["name"],
            unique=True,
            postgresql_where=sa.text("is_deleted = false"),
            sqlite_where=sa.text("is_deleted = false"),
        )

    op.create_table(
        "wallets",
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("type", sa.String(length=16), nullable=False),
        sa.Column("provider", sa.String(length=64), nullable=False),
        sa.Column(
            "supported_currencies",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "config",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", mosaic.core.database.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", mosaic.core.database.UTCDateTime(timezone=True), nullable=False),
        sa.Column("is_deleted", sa.Boolean(), nullable=False),
        sa.Column("deleted_at", mosaic.core.database.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_wallets")),
    )
    with op.batch_alter_table("wallets", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_wallets_is_active"), ["is_active"], unique=False)
        batch_op.create_index(batch_op.f("ix_wallets_is_deleted"), ["is_deleted"], unique=False)
        batch_op.create_index(batch_op.f("ix_wallets_provider"), ["provider"], unique=False)
        batch_op.create_index(batch_op.f("ix_wallets_type"), ["type"], unique=False)
        batch_op.create_index(
            "uq_wallets_name_live",
            ["name"],
            unique=True,
            postgresql_where=sa.text("is_deleted = false"),
            sqlite_where=sa.text("is_deleted = false"),
        )

    op.create_table(
        "prompts",
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("prompt", sa.Text(), nullable=False),
        sa.Column("category", sa.String(length=64), nullable=False),
        sa.Column("is_public", sa.Boolean(), nullable=False),
        sa.Column("created_by", sa.Uuid(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", mosaic.core.database.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", mosaic.core.database.UTCDateTime(timezone=True), nullable=False),
        sa.Column("is_deleted", sa.Boolean(), nullable=False),
        sa.Column("deleted_at", mosaic.core.database.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["created_by"], ["users.id"], name=op.f("fk_prompts_created_by_users"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_prompts")),
    )
    with op.batch_alter_table("prompts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_prompts_category"), ["category"], unique=False)
        batch_op.create_index(batch_op.f("ix_prompts_created_by"), ["created_by"], unique=False)
        batch_op.create_index(batch_op.f("ix_prompts_is_deleted"), ["is_deleted"], unique=False)
        batch_op.create_index(batch_op.f("ix_prompts_is_public"), ["is_public"], unique=False)

    op.create_table(
        "trades",
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("flow_id", sa.Uuid(), nullable=True),
        sa.Column("agent_id", sa.Uuid(), nullable=True),
        sa.Column("trade_type", sa.String(length=16), nullable=False),
        sa.Column("symbol", sa.String(length=41), nullable=False),
        sa.Column("side", sa.String(length=4), nullable=False),
        sa.Column(
            "entry_price",
            sa.Numeric(precision=20, scale=8).with_variant(sa.String(64), "sqlite"),
            nullable=False,
        ),
        sa.Column(
            "exit_price",
            sa.Numeric(precision=20, scale=8).with_variant(sa.String(64), "sqlite"),
            nullable=True,
        ),
        sa.Column(
            "quantity",
            sa.Numeric(precision=20, scale=8).with_variant(sa.String(64), "sqlite"),
            nullable=False,
        ),
        sa.Column("leverage", sa.Integer(), nullable=False),
        sa.Column(
            "profit_loss",
            sa.Numeric(precision=40, scale=8).with_variant(sa.String(64), "sqlite"),
            nullable=True,
        ),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("executed_at", mosaic.core.database.UTCDateTime(timezone=True), nullable=False),
        sa.Column("closed_at", mosaic.core.database.UTCDateTime(timezone=True), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", mosaic.core.database.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", mosaic.core.database.UTCDateTime(timezone=True), nullable=False),
        sa.Column("is_deleted", sa.Boolean(), nullable=False),
        sa.Column("deleted_at", mosaic.core.database.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["agent_id"], ["agents.id"], name=op.f("fk_trades_agent_id_agents"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_trades_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_trades")),
    )
    with op.batch_alter_table("trades", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_trades_agent_id"), ["agent_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_trades_flow_id"), ["flow_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_trades_is_deleted"), ["is_deleted"], unique=False)
        batch_op.create_index(batch_op.f("ix_trades_status"), ["status"], unique=False)
        batch_op.create_index(batch_op.f("ix_trades_symbol"), ["symbol"], unique=False)
        batch_op.create_index(batch_op.f("ix_trades_user_id"), ["user_id"], unique=False)
        batch_op.create_index("ix_trades_user_id_executed_at", ["user_id", "executed_at"], unique=False)

    op.create_table(
        "user_wallets",
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("wallet_id", sa.Uuid(), nullable=False),
        sa.Column("credentials_encrypted", sa.Text(), nullable=True),
        sa.Column("credentials_key_id", sa.String(length=16), nullable=True),
        sa.Column(
            "balance", sa.Numeric(precision=30, scale=8).with_variant(sa.String(64), "sqlite"), nullable=False
        ),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", mosaic.core.database.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", mosaic.core.database.UTCDateTime(timezone=True), nullable=False),
        sa.Column("is_deleted", sa.Boolean(), nullable=False),
        sa.Column("deleted_at", mosaic.core.database.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_user_wallets_user_id_users"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["wallet_id"], ["wallets.id"], name=op.f("fk_user_wallets_wallet_id_wallets"), ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_user_wallets")),
    )
    with op.batch_alter_table("user_wallets", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_user_wallets_credentials_key_id"), ["credentials_key_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_user_wallets_is_active"), ["is_active"], unique=False)
        batch_op.create_index(batch_op.f("ix_user_wallets_is_deleted"), ["is_deleted"], unique=False)
        batch_op.create_index(batch_op.f("ix_user_wallets_user_id"), ["user_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_user_wallets_wallet_id"), ["wallet_id"], unique=False)

    op.create_table(
        "user_prompts",
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("prompt_id", sa.Uuid(), nullable=True),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("prompt", sa.Text(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", mosaic.core.database.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", mosaic.core.database.UTCDateTime(timezone=True), nullable=False),
        sa.Column("is_deleted", sa.Boolean(), nullable=False),
        sa.Column("deleted_at", mosaic.core.database.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["prompt_id"], ["prompts.id"], name=op.f("fk_user_prompts_prompt_id_prompts"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_user_prompts_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_user_prompts")),
    )
    with op.batch_alter_table("user_prompts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_user_prompts_is_deleted"), ["is_deleted"], unique=False)
        batch_op.create_index(batch_op.f("ix_user_prompts_prompt_id"), ["prompt_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_user_prompts_user_id"), ["user_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("user_prompts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_user_prompts_user_id"))
        batch_op.drop_index(batch_op.f("ix_user_prompts_prompt_id"))
        batch_op.drop_index(batch_op.f("ix_user_prompts_is_deleted"))

    op.drop_table("user_prompts")
    with op.batch_alter_table("user_wallets", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_user_wallets_wallet_id"))
        batch_op.drop_index(batch_op.f("ix_user_wallets_user_id"))
        batch_op.drop_index(batch_op.f("ix_user_wallets_is_deleted"))
        batch_op.drop_index(batch_op.f("ix_user_wallets_is_active"))
        batch_op.drop_index(batch_op.f("ix_user_wallets_credentials_key_id"))

    op.drop_table("user_wallets")
    with op.batch_alter_table("trades", schema=None) as batch_op:
        batch_op.drop_index("ix_trades_user_id_executed_at")
        batch_op.drop_index(batch_op.f("ix_trades_user_id"))
        batch_op.drop_index(batch_op.f("ix_trades_symbol"))
        batch_op.drop_index(batch_op.f("ix_trades_status"))
        batch_op.drop_index(batch_op.f("ix_trades_is_deleted"))
        batch_op.drop_index(batch_op.f("ix_trades_flow_id"))
        batch_op.drop_index(batch_op.f("ix_trades_agent_id"))

    op.drop_table("trades")
    with op.batch_alter_table("prompts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_prompts_is_public"))
        batch_op.drop_index(batch_op.f("ix_prompts_is_deleted"))
        batch_op.drop_index(batch_op.f("ix_prompts_created_by"))
        batch_op.drop_index(batch_op.f("ix_prompts_category"))

    op.drop_table("prompts")
    with op.batch_alter_table("wallets", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_wallets_name_live",
            postgresql_where=sa.text("is_deleted = false"),
            sqlite_where=sa.text("is_deleted = false"),
        )
        batch_op.drop_index(batch_op.f("ix_wallets_type"))
        batch_op.drop_index(batch_op.f("ix_wallets_provider"))
        batch_op.drop_index(batch_op.f("ix_wallets_is_deleted"))
        batch_op.drop_index(batch_op.f("ix_wallets_is_active"))

    op.drop_table("wallets")
    with op.batch_alter_table("agents", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_agents_name_live",
            postgresql_where=sa.text("is_deleted = false"),
            sqlite_where=sa.text("is_deleted = false"),
        )
        batch_op.drop_index(batch_op.f("ix_agents_provider"))
        batch_op.drop_index(batch_op.f("ix_agents_is_deleted"))
        batch_op.drop_index(batch_op.f("ix_agents_is_active"))

    op.drop_table("agents")
