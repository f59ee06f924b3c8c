"""booking: bookings (no-overlap exclusion constraint on PostgreSQL) and their status history;
studios' booking window overrides

Revision ID: 0015
Revises: 0012
Create Date: 2026-12-01 12:40:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import mosaic.core.database
import mosaic.core.money
from mosaic.booking.studios.models import STUDIOS_SEARCH
from mosaic.core.ddl import (
    create_exclusion_constraint,
    create_search_index,
    drop_exclusion_constraint,
    drop_search_index,
)

revision: str = "0015"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "bookings",
        sa.Column("room_id", sa.Uuid(), nullable=False),
        sa.Column("studio_id", sa.Uuid(), nullable=False),
        sa.Column("company_id", sa.Uuid(), nullable=False),
        sa.Column("customer_id", sa.Uuid(), nullable=False),
        sa.Column("start_at", mosaic.core.database.UTCDateTime(timezone=True), nullable=False),
        sa.Column("end_at", mosaic.core.database.UTCDateTime(timezone=True), nullable=False),
        sa.Column("blocked_until", mosaic.core.database.UTCDateTime(timezone=True), nullable=False),
        sa.Column("hours", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("price", mosaic.core.money.Amount(precision=12, scale=2), nullable=False),
        sa.Column("currency", mosaic.core.money.CurrencyColumn(length=3), nullable=False),
        sa.Column("hold_expires_at", mosaic.core.database.UTCDateTime(timezone=True), nullable=True),
        sa.Column("charge_id", sa.Uuid(), nullable=True),
        sa.Column("cancelled_by", sa.String(length=16), nullable=True),
        sa.Column("refunded_amount", mosaic.core.money.Amount(precision=12, scale=2), nullable=False),
        sa.Column("reminder_sent_at", mosaic.core.database.UTCDateTime(timezone=True), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", mosaic.core.database.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", mosaic.core.database.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["charge_id"], ["charges.id"], name=op.f("fk_bookings_charge_id_charges"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["company_id"], ["companies.id"], name=op.f("fk_bookings_company_id_companies")
        ),
        sa.ForeignKeyConstraint(["customer_id"], ["users.id"], name=op.f("fk_bookings_customer_id_users")),
        sa.ForeignKeyConstraint(["room_id"], ["rooms.id"], name=op.f("fk_bookings_room_id_rooms")),
        sa.ForeignKeyConstraint(["studio_id"], ["studios.id"], name=op.f("fk_bookings_studio_id_studios")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bookings")),
    )
    with op.batch_alter_table("bookings", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_bookings_charge_id"), ["charge_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_bookings_company_id"), ["company_id"], unique=False)
        batch_op.create_index("ix_bookings_customer_start", ["customer_id", "start_at"], unique=False)
        batch_op.create_index("ix_bookings_room_start", ["room_id", "start_at"], unique=False)
        batch_op.create_index("ix_bookings_status_hold", ["status", "hold_expires_at"], unique=False)
        batch_op.create_index("ix_bookings_studio_start", ["studio_id", "start_at"], unique=False)

    # No two live bookings of a room overlap (buffers included): the guarantee on PostgreSQL.
    # SQLite: the service's overlap check under BEGIN IMMEDIATE (this is a no-op there).
    create_exclusion_constraint(
        op,
        "ex_bookings_no_overlap",
        "bookings",
        ("room_id", "="),
        ("tstzrange(start_at, blocked_until)", "&&"),
        where="status in ('pending','confirmed')",
    )

    op.create_table(
        "booking_status_history",
        sa.Column("booking_id", sa.Uuid(), nullable=False),
        sa.Column("from_status", sa.String(length=16), nullable=True),
        sa.Column("to_status", sa.String(length=16), nullable=False),
        sa.Column("actor", sa.String(length=16), nullable=False),
        sa.Column("actor_id", sa.Uuid(), nullable=True),
        sa.Column("reason", sa.String(length=200), nullable=False),
        sa.Column("at", mosaic.core.database.UTCDateTime(timezone=True), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["actor_id"],
            ["users.id"],
            name=op.f("fk_booking_status_history_actor_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["booking_id"],
            ["bookings.id"],
            name=op.f("fk_booking_status_history_booking_id_bookings"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_booking_status_history")),
    )
    with op.batch_alter_table("booking_status_history", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_booking_status_history_booking_id"), ["booking_id"], unique=False
        )

    # Plain ADD COLUMN (SQLite does it in place): a batch recreate would drop the studios' FTS triggers.
    op.add_column("studios", sa.Column("min_notice_minutes", sa.Integer(), nullable=True))
    op.add_column("studios", sa.Column("max_advance_days", sa.Integer(), nullable=True))


def downgrade() -> None:
    # A batch recreate of studios on SQLite drops its full-text objects: drop them first, rebuild after.
    drop_search_index(op, STUDIOS_SEARCH)
    with op.batch_alter_table("studios", schema=None) as batch_op:
        batch_op.drop_column("max_advance_days")
        batch_op.drop_column("min_notice_minutes")
    create_search_index(op, STUDIOS_SEARCH)

    with op.batch_alter_table("booking_status_history", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_booking_status_history_booking_id"))
    op.drop_table("booking_status_history")

    drop_exclusion_constraint(op, "ex_bookings_no_overlap", "bookings")
    with op.batch_alter_table("bookings", schema=None) as batch_op:
        batch_op.drop_index("ix_bookings_studio_start")
        batch_op.drop_index("ix_bookings_status_hold")
        batch_op.drop_index("ix_bookings_room_start")
        batch_op.drop_index("ix_bookings_customer_start")
        batch_op.drop_index(batch_op.f("ix_bookings_company_id"))
        batch_op.drop_index(batch_op.f("ix_bookings_charge_id"))
    op.drop_table("bookings")
