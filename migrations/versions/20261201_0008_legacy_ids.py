"""legacy ids: where each imported MongoDB document went

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01 09:20:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import mosaic.core.database

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "legacy_ids",
        sa.Column("collection", sa.String(length=120), nullable=False),
        sa.Column("legacy_id", sa.String(length=200), nullable=False),
        sa.Column("table_name", sa.String(length=120), nullable=False),
        sa.Column("new_id", sa.Uuid(), nullable=False),
        sa.Column("imported_at", mosaic.core.database.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("collection", "legacy_id", name=op.f("pk_legacy_ids")),
    )
    op.create_index("ix_legacy_ids_table_name_new_id", "legacy_ids", ["table_name", "new_id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_legacy_ids_table_name_new_id", table_name="legacy_ids")
    op.drop_table("legacy_ids")
